"""Per-key rate limits on the costly endpoints, counted in the shared database.

Every worker and replica counts in the same rows (one atomic upsert a request), so the limit
is the same however the service is scaled out. The count is a sliding window: this minute's
requests plus the last minute's, weighted by how much of it still lies within sixty seconds,
which smooths the burst a fixed window allows at its edge. A refused request is taken back,
so a client that waits as `Retry-After` says gets through.
"""

from __future__ import annotations

import hashlib
import math
import re
import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from service import metrics
from service.errors import RateLimited
from service.store import Store

WINDOW_S = 60
# Drafts, outlines, rewrites, checks and uploads: what costs model calls or CPU.
_COSTLY = re.compile(
    r"^/v1/(drafts|outlines|checks|corpus|drafts/[^/]+/sections/[^/]+/regenerate)/?$"
)


def costly(method: str, path: str) -> str | None:
    """The kind of a request the limit applies to (drafts, checks …), or None."""
    match = _COSTLY.match(path) if method == "POST" else None
    if match is None:
        return None
    return "regenerate" if match.group(1).endswith("regenerate") else match.group(1)


def bucket_of(request: Request, keyed: bool) -> str:
    """Whose requests these are: the API key (hashed, never stored) when keys are configured,
    else the client's address as uvicorn reports it."""
    if keyed:
        token = request.headers.get("authorization", "").partition(" ")[2].strip()
        return "key:" + hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()[:32]
    return "addr:" + (request.client.host if request.client else "unknown")[:64]


@dataclass
class RateLimit:
    """At most `per_minute` costly requests a bucket in any sixty seconds."""

    store: Store
    per_minute: int
    clock: Callable[[], float] = time.time

    def check(self, bucket: str, kind: str) -> None:
        """Count one request; RateLimited (with the seconds to wait) when it is one too many."""
        now = self.clock()
        window = int(now // WINDOW_S)
        elapsed = now - window * WINDOW_S
        current, previous = self.store.count_request(bucket, window)
        if _estimate(current, previous, elapsed) <= self.per_minute:
            return
        self.store.uncount_request(bucket, window)
        metrics.RATE_LIMITED.labels(kind).inc()
        wait = _seconds_until_allowed(current - 1, previous, elapsed, self.per_minute)
        raise RateLimited(
            f"请求太频繁：每个{'密钥' if bucket.startswith('key:') else '地址'}每分钟最多"
            f"起草、改写、检查或上传 {self.per_minute} 次，请 {wait} 秒后再试",
            retry_after_s=wait,
        )


def _estimate(current: int, previous: int, elapsed: float) -> float:
    return current + previous * (WINDOW_S - elapsed) / WINDOW_S


def _seconds_until_allowed(current: int, previous: int, elapsed: float, limit: int) -> int:
    """Whole seconds until one more request fits, with `current` requests counted in this
    window and `previous` in the last (the window slides, so waiting frees the last's)."""
    if current + 1 <= limit and previous > 0:
        # Within this window, once enough of the last one has slid out.
        needed = WINDOW_S * (1 - (limit - current - 1) / previous)
        return max(1, math.ceil(needed - elapsed))
    # Not before the next window, where this window's count is the one sliding out.
    into_next = WINDOW_S * (1 - (limit - 1) / current) if current else 0.0
    return max(1, math.ceil(WINDOW_S - elapsed + max(0.0, into_next)))
