"""CPU-bound work (drafting by rules, scoring, retrieval) off the event loop, a few at a time.

Run on the loop, such work stalls every other request of the worker (/healthz included);
run in as many threads as there are requests, the threads fight the loop for the GIL and
the loop waits behind all of them. So it runs in threads, at most as many at once as the
machine has cores: the loop always gets its turn soon.
"""

from __future__ import annotations

import asyncio
import os
import weakref
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")
CPU_SLOTS = max(1, os.cpu_count() or 1)
_SLOTS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
    weakref.WeakKeyDictionary()
)


def cores() -> int:
    """The cores this process may run on (a process pool's size)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


async def run_cpu(func: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`func(*args, **kwargs)` in a worker thread, once one of the CPU slots is free."""
    loop = asyncio.get_running_loop()
    slots = _SLOTS.get(loop)
    if slots is None:
        slots = _SLOTS[loop] = asyncio.Semaphore(CPU_SLOTS)
    async with slots:
        return await asyncio.to_thread(func, *args, **kwargs)
