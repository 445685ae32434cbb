"""One writer at a time in a corpus build folder, across threads and worker processes.

An advisory `flock` on a file beside the build: every write of speeches.jsonl and its
index, and every load that may rebuild the index, holds it. The kernel drops the lock when
its holder dies, so a killed worker never leaves the corpus locked.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

LOCK_FILENAME = ".write.lock"


@contextmanager
def build_lock(build_dir: Path) -> Iterator[None]:
    """Hold the build folder's lock for the duration of the block."""
    build_dir.mkdir(parents=True, exist_ok=True)
    with (build_dir / LOCK_FILENAME).open("a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
