"""Records read from records.jsonl only when asked for: a search parses its hits, not the corpus.

Validating every record with pydantic was most of the time a worker took to load an
index, and the parsed records most of its memory. The file is memory-mapped (one copy in
the page cache for every worker) and a line is parsed when a caller takes that record.
"""

from __future__ import annotations

import mmap
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt

from service.corpus.records import CorpusRecord, record_line
from service.retrieval.items import Items

_CACHED = 512  # parsed records kept: a draft's hits are asked for more than once


class StoredRecords(Items[CorpusRecord]):
    """Records of a JSON-lines file; line i is bytes offsets[i]..offsets[i + 1]."""

    def __init__(self, path: Path, offsets: npt.NDArray[np.int64]) -> None:
        self._offsets = offsets
        with path.open("rb") as handle:
            size = handle.seek(0, 2)
            if size != int(offsets[-1]):
                raise ValueError(f"{path} holds {size} bytes, its offsets say {int(offsets[-1])}")
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else None
        self._parsed: OrderedDict[int, CorpusRecord] = OrderedDict()
        self._lock = threading.Lock()  # searches run in several threads of a worker

    def __len__(self) -> int:
        return len(self._offsets) - 1

    def line(self, i: int) -> bytes:
        """The record's JSON line as stored."""
        if not 0 <= i < len(self) or self._map is None:
            raise IndexError(i)
        return self._map[int(self._offsets[i]) : int(self._offsets[i + 1])]

    def item(self, i: int) -> CorpusRecord:
        with self._lock:
            found = self._parsed.get(i)
            if found is not None:
                self._parsed.move_to_end(i)
                return found
        found = CorpusRecord.model_validate_json(self.line(i))
        with self._lock:
            self._parsed[i] = found
            if len(self._parsed) > _CACHED:
                self._parsed.popitem(last=False)
        return found

    def __iter__(self) -> Iterator[CorpusRecord]:
        return (CorpusRecord.model_validate_json(self.line(i)) for i in range(len(self)))


class Chained(Items[CorpusRecord]):
    """A saved index's records, then the ones added since (the delta's)."""

    def __init__(self, head: Sequence[CorpusRecord], tail: Sequence[CorpusRecord]) -> None:
        self.head, self.tail = head, tail

    def __len__(self) -> int:
        return len(self.head) + len(self.tail)

    def item(self, i: int) -> CorpusRecord:
        if i < len(self.head):
            return self.head[i]
        return self.tail[i - len(self.head)]

    def __iter__(self) -> Iterator[CorpusRecord]:
        yield from self.head
        yield from self.tail


def record_lines(records: Sequence[CorpusRecord]) -> Iterator[bytes]:
    """Every record as its JSON line, copied as stored where it is stored (nothing parsed)."""
    if isinstance(records, StoredRecords):
        yield from (records.line(i) for i in range(len(records)))
    elif isinstance(records, Chained):
        yield from record_lines(records.head)
        yield from record_lines(records.tail)
    else:
        yield from (record_line(r).encode("utf-8") for r in records)
