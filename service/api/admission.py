"""A bounded number of drafts in flight per worker: beyond it, 503 with Retry-After at once,
rather than a queue without end that makes every caller wait."""

from __future__ import annotations

import threading

from service import metrics
from service.errors import Busy

RETRY_AFTER_S = 5


class Admission:
    """Counts the drafts this worker is writing; `admit` refuses one more than `limit`."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._in_flight = 0
        self._lock = threading.Lock()

    @property
    def in_flight(self) -> int:
        return self._in_flight

    def admit(self) -> Ticket:
        """A ticket to draft, to be released when the draft ends; Busy when full."""
        with self._lock:
            if self._in_flight >= self.limit:
                metrics.REJECTED.labels("busy").inc()
                raise Busy(
                    f"正在起草的稿件已达上限（{self.limit} 篇），请 {RETRY_AFTER_S} 秒后重试",
                    retry_after_s=RETRY_AFTER_S,
                )
            self._in_flight += 1
            metrics.IN_FLIGHT.inc()
        return Ticket(self)

    def _release(self) -> None:
        with self._lock:
            self._in_flight -= 1
            metrics.IN_FLIGHT.dec()


class Ticket:
    """One admitted draft; releasing twice (stream end and response end) counts once."""

    def __init__(self, admission: Admission) -> None:
        self._admission: Admission | None = admission

    def release(self) -> None:
        admission, self._admission = self._admission, None
        if admission is not None:
            admission._release()

    def __enter__(self) -> Ticket:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
