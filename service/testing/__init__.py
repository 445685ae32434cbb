"""Stand-ins for the outside world, for the tests and the benchmarks: a fake
OpenAI-compatible server on loopback and a model that answers like one."""
