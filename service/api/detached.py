"""A streamed draft is written by a task of its own, not by the response that shows it.

A writer who closes the task pane (or a browser tab, or a dropped line) while the draft is
streaming still finds it finished and saved in 最近的稿子: the response only reads the task's
events, so losing the reader stops nothing. The task holds the draft's admission ticket until
it ends. At shutdown, drafts nobody reads any more get a short grace to finish; the rest are
stopped and their briefs kept as failed drafts (by the `on_stopped` the caller passes).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from service.api.admission import Ticket
from service.logs import get_logger, log_event

log = get_logger(__name__)


class DetachedDrafts:
    """The streamed drafts this worker is writing, each a task that outlives its response."""

    def __init__(self) -> None:
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def running(self) -> int:
        return len(self._tasks)

    def start(
        self,
        events: AsyncIterator[bytes],
        ticket: Ticket,
        on_stopped: Callable[[], Awaitable[None]],
    ) -> AsyncIterator[bytes]:
        """Begin writing now; the returned iterator yields the events for whoever still reads.

        The queue is unbounded on purpose: a draft's events are a few hundred kilobytes at
        most, and a reader that went away must not hold the writing back."""
        queue: asyncio.Queue[bytes | None] = asyncio.Queue()

        async def write() -> None:
            try:
                async for chunk in events:
                    queue.put_nowait(chunk)
            except asyncio.CancelledError:
                await asyncio.shield(on_stopped())
                raise
            finally:
                queue.put_nowait(None)  # the end, for a reader still there
                ticket.release()

        task = asyncio.create_task(write(), name="draft")
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return _read(queue)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log_event(log, "draft.task.crashed", logging.ERROR, error=repr(task.exception()))

    async def drain(self, grace_s: float) -> None:
        """Wait up to `grace_s` for the drafts being written, then stop the rest."""
        if not self._tasks:
            return
        _, pending = await asyncio.wait(set(self._tasks), timeout=grace_s)
        for task in pending:
            task.cancel()
        if pending:
            log_event(log, "draft.stopped_at_shutdown", logging.WARNING, drafts=len(pending))
            await asyncio.wait(pending)


async def _read(queue: asyncio.Queue[bytes | None]) -> AsyncIterator[bytes]:
    while (chunk := await queue.get()) is not None:
        yield chunk
