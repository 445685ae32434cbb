"""A segment on disk, written once and then memory-mapped by every worker that loads it.

Files: records.jsonl with offsets.npy (where each line starts), ids.json (record ids, read
only when a caller looks a record up by id), digests.npy (SHA-1 of each line: which cached
term ids a rebuild may reuse), terms.npy / bounds.npy / first.npy (every section's term ids,
service.retrieval.ragged), and per table (speeches/, sections/) the bm25s matrix beside the
documents' spans, facts and distinct terms (service.retrieval.table) as .npy arrays.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from service.retrieval.bm25 import load_bm25
from service.retrieval.lazy import StoredRecords, record_lines
from service.retrieval.ragged import Ragged, Terms
from service.retrieval.segment import Segment
from service.retrieval.table import FACT_NAMES, DocFacts, Part

_DIGEST = "S20"


def save_segment(segment: Segment, path: Path, ids: Sequence[str]) -> None:
    """Write a segment into a new directory."""
    path.mkdir(parents=True)
    offsets, digests = [0], []
    with (path / "records.jsonl").open("wb") as out:
        for line in record_lines(segment.records):
            out.write(line)
            offsets.append(offsets[-1] + len(line))
            digests.append(hashlib.sha1(line).digest())
    np.save(path / "offsets.npy", np.asarray(offsets, dtype=np.int64))
    np.save(path / "digests.npy", np.asarray(digests, dtype=_DIGEST).reshape(-1))
    (path / "ids.json").write_text(json.dumps(list(ids), ensure_ascii=False), "utf-8")
    terms = segment.terms
    for name, array in (("terms", terms.flat), ("bounds", terms.bounds), ("first", terms.first)):
        np.save(path / f"{name}.npy", np.asarray(array))
    _save_part(segment.speeches, path / "speeches")
    _save_part(segment.sections, path / "sections")


def _save_part(part: Part, path: Path) -> None:
    if part.model is not None:
        part.model.save(str(path), show_progress=False)
    path.mkdir(exist_ok=True)
    np.save(path / "starts.npy", np.asarray(part.docs.starts, dtype=np.int64))
    np.save(path / "ends.npy", np.asarray(part.docs.ends, dtype=np.int64))
    for name in FACT_NAMES:
        np.save(path / f"{name}.npy", np.asarray(getattr(part.facts, name)))
    distinct = part.distinct
    bounds = np.append(np.asarray(distinct.starts), distinct.ends[-1:] if len(distinct) else [0])
    np.save(path / "distinct.npy", np.asarray(distinct.flat, dtype=np.int32))
    np.save(path / "distinct_bounds.npy", bounds.astype(np.int64))


def load_segment(path: Path, name: str, n_records: int) -> Segment:
    """A saved segment, its arrays and records mapped from disk (nothing parsed)."""
    records = StoredRecords(path / "records.jsonl", _array(path / "offsets.npy"))
    terms = Terms(
        _array(path / "terms.npy"), _array(path / "bounds.npy"), _array(path / "first.npy")
    )
    if len(records) != n_records or len(terms) != n_records:
        raise ValueError(f"{path} holds {len(records)} records, its meta {n_records}")
    speeches = _load_part(path / "speeches", terms)
    sections = _load_part(path / "sections", terms)
    if len(speeches.facts) != n_records:
        raise ValueError(f"{path}: {len(speeches.facts)} speeches for {n_records} records")
    return Segment(records, terms, speeches, sections, name)


def _load_part(path: Path, terms: Terms) -> Part:
    facts = DocFacts(*(_array(path / f"{name}.npy") for name in FACT_NAMES))
    docs = Ragged(terms.flat, _array(path / "starts.npy"), _array(path / "ends.npy"))
    bounds = _array(path / "distinct_bounds.npy")
    distinct = Ragged(_array(path / "distinct.npy"), bounds[:-1], bounds[1:])
    model = load_bm25(str(path)) if (path / "params.index.json").is_file() else None
    held = 0 if model is None else int(model.scores["num_docs"])
    if held != len(facts) or len(docs) != len(facts) or len(distinct) != len(facts):
        raise ValueError(f"{path} holds {held} documents, expected {len(facts)}")
    return Part(model, docs, facts, distinct)


def read_digests(path: Path) -> list[bytes]:
    """Each record line's SHA-1, in order."""
    return [bytes(d) for d in np.load(path / "digests.npy").tolist()]


def _array(path: Path) -> Any:
    array: npt.NDArray[Any] = np.load(path, mmap_mode="r")
    return array
