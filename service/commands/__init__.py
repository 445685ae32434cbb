"""Sub-commands of the `jianggao` CLI, one module per group; heavy imports stay inside handlers."""
