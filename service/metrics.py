"""What an operator watches, in Prometheus format (GET /metrics): drafts by outcome and type,
time per stage, model calls and tokens, drafts in flight and turned away.

One set of metrics per process, recorded where the logs already say the same things (the
pipeline's `draft` and `draft.failed` lines, the admission of drafts). With several uvicorn
workers, each is scraped on its own, or, with PROMETHEUS_MULTIPROC_DIR set (the client's
multiprocess mode), one scrape sums them.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

STAGE_BUCKETS = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
SCORE_BUCKETS = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.99, 1.0)

DRAFTS = Counter(
    "jianggao_drafts",
    "Drafts finished, by speech type, drafter and outcome (passed, not_passed, or the error code).",
    ["speech_type", "drafter", "outcome"],
)
STAGE_SECONDS = Histogram(
    "jianggao_draft_stage_seconds",
    "Time a finished draft spent in each stage (retrieval, outline, sections, repair, scoring, "
    "judge, total).",
    ["stage"],
    buckets=STAGE_BUCKETS,
)
SCORES = Histogram(
    "jianggao_draft_score", "The scorer's score of each finished draft.", buckets=SCORE_BUCKETS
)
MODEL_CALLS = Counter(
    "jianggao_model_calls", "Calls to the model endpoint, by outcome (ok, failed).", ["outcome"]
)
MODEL_TOKENS = Counter(
    "jianggao_model_tokens", "Tokens the model endpoint reported, by kind.", ["kind"]
)
IN_FLIGHT = Gauge(
    "jianggao_drafts_in_flight",
    "Drafts, outlines and rewrites this worker is writing now.",
    multiprocess_mode="livesum",
)
REJECTED = Counter(
    "jianggao_drafts_rejected", "Drafts turned away before any work, by reason.", ["reason"]
)
RATE_LIMITED = Counter(
    "jianggao_requests_rate_limited",
    "Costly requests refused with 429 because their key or address passed its rate limit, "
    "by kind (drafts, outlines, regenerate, checks, corpus).",
    ["kind"],
)


def record_draft(
    speech_type: str,
    drafter: str,
    passed: bool,
    score: float,
    timings_ms: dict[str, int],
    calls: int,
    failed_calls: int,
    tokens: dict[str, int],
) -> None:
    """One finished draft."""
    DRAFTS.labels(speech_type, drafter, "passed" if passed else "not_passed").inc()
    SCORES.observe(score)
    for stage, ms in timings_ms.items():
        STAGE_SECONDS.labels(stage).observe(ms / 1000)
    _record_calls(calls, failed_calls, tokens)


def record_failure(
    speech_type: str, drafter: str, code: str, calls: int, failed_calls: int, tokens: dict[str, int]
) -> None:
    """One draft that ended in an error (its code: upstream-timeout, prompt-too-long …)."""
    DRAFTS.labels(speech_type, drafter, code).inc()
    _record_calls(calls, failed_calls, tokens)


def _record_calls(calls: int, failed_calls: int, tokens: dict[str, int]) -> None:
    if calls - failed_calls > 0:
        MODEL_CALLS.labels("ok").inc(calls - failed_calls)
    if failed_calls > 0:
        MODEL_CALLS.labels("failed").inc(failed_calls)
    for kind, count in tokens.items():
        if count > 0:
            MODEL_TOKENS.labels(kind).inc(count)


def exposition() -> tuple[bytes, str]:
    """The metrics as Prometheus reads them, and their content type: this process's, or, in
    the client's multiprocess mode, every worker's together."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
