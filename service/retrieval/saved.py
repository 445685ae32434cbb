"""Save, load and keep up to date the retrieval index beside the corpus build.

Layout of `corpus/build/index/`: meta.json (format, segmenter signature, digest
of the speeches.jsonl it was built from, one digest per record), records.jsonl,
vocab.json, terms.npz (every section's term ids) and one bm25s directory per
table. Loading reads these files and tokenises nothing; building reuses the
cached term ids of every record whose content did not change.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from service.corpus.records import CorpusRecord, read_records, write_records
from service.errors import RetrievalError
from service.retrieval.bm25 import PARAMS, load_bm25
from service.retrieval.index import (
    CorpusIndex,
    EncodedRecord,
    Table,
    Vocabulary,
    documents,
    encode_record,
)
from service.text.segment import Segmenter

INDEX_FORMAT = 2  # bump when the saved layout or the scoring changes
INDEX_DIRNAME = "index"
CORPUS_FILENAME = "speeches.jsonl"


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes: tells whether the corpus changed since the index was built."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def record_digest(record: CorpusRecord) -> str:
    """Digest of everything about a record; equal digests mean its cached terms are valid."""
    return hashlib.sha1(record.model_dump_json().encode("utf-8")).hexdigest()


def read_meta(index_dir: Path) -> dict[str, Any] | None:
    """The index's meta.json, or None when there is no readable index."""
    try:
        meta: dict[str, Any] = json.loads((index_dir / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if meta.get("format") == INDEX_FORMAT else None


def save_index(index: CorpusIndex, index_dir: Path, *, source_digest: str | None = None) -> None:
    """Write the index; the old one is replaced only once the new one is complete."""
    tmp = index_dir.with_name(index_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    write_records(tmp / "records.jsonl", index.records)
    (tmp / "vocab.json").write_text(json.dumps(index.vocab.terms, ensure_ascii=False), "utf-8")
    _save_terms(tmp / "terms.npz", index.encoded)
    for name, table in (("speeches", index.speeches), ("sections", index.sections)):
        if len(table):
            table.bm25.save(str(tmp / name), show_progress=False)
    meta = {
        "format": INDEX_FORMAT,
        "segmenter": index.signature,
        "source_digest": source_digest,
        "bm25": PARAMS,
        "records": [record_digest(r) for r in index.records],
        "vocabulary": len(index.vocab.terms),
    }
    (tmp / "meta.json").write_text(json.dumps(meta, ensure_ascii=False, indent=1), "utf-8")
    _swap(tmp, index_dir)


def load_index(index_dir: Path, segmenter: Segmenter) -> CorpusIndex:
    """Load a saved index: files only, no tokenisation and no BM25 refit."""
    meta = read_meta(index_dir)
    if meta is None:
        raise RetrievalError(f"没有可读的检索索引：{index_dir}")
    records = list(read_records(index_dir / "records.jsonl"))
    terms = json.loads((index_dir / "vocab.json").read_text(encoding="utf-8"))
    vocab = Vocabulary(terms)
    encoded = _load_terms(index_dir / "terms.npz", len(records))
    speech_refs, speech_ids, section_refs, section_ids = documents(records, encoded)
    speeches = _load_bm25(index_dir / "speeches", speech_refs)
    sections = _load_bm25(index_dir / "sections", section_refs)
    tables = (
        Table(speech_refs, speech_ids, len(terms), speeches),
        Table(section_refs, section_ids, len(terms), sections),
    )
    return CorpusIndex(
        records, encoded, vocab, segmenter=segmenter, signature=meta["segmenter"], tables=tables
    )


def build_index(
    records: Iterable[CorpusRecord],
    index_dir: Path,
    segmenter: Segmenter,
    *,
    source_digest: str | None = None,
) -> CorpusIndex:
    """Index records and save; records unchanged since the last build are not re-tokenised."""
    unique = list({record.id: record for record in records}.values())
    vocab, cache = _previous_terms(index_dir, segmenter)
    encoded = []
    for record in unique:
        cached = cache.get(record_digest(record))
        encoded.append(cached or encode_record(record, segmenter, vocab))
    index = CorpusIndex(unique, encoded, vocab, segmenter=segmenter)
    save_index(index, index_dir, source_digest=source_digest)
    return index


def add_document(index_dir: Path, record: CorpusRecord, segmenter: Segmenter) -> CorpusIndex:
    """Add one record to a saved index: only that record is tokenised."""
    meta = read_meta(index_dir)
    index = load_index(index_dir, segmenter)
    index.add(record)
    save_index(index, index_dir, source_digest=meta["source_digest"] if meta else None)
    return index


def open_index(build_dir: Path, segmenter: Segmenter) -> CorpusIndex:
    """The index of the corpus build, (re)built first when missing or stale."""
    corpus = build_dir / CORPUS_FILENAME
    if not corpus.is_file():
        raise RetrievalError(f"语料库尚未构建：找不到 {corpus}；请先运行 jianggao corpus build")
    index_dir = build_dir / INDEX_DIRNAME
    digest = file_digest(corpus)
    meta = read_meta(index_dir)
    if meta and meta["source_digest"] == digest and meta["segmenter"] == segmenter.signature:
        try:
            return load_index(index_dir, segmenter)
        except (OSError, ValueError, KeyError):
            pass  # a damaged index is rebuilt below
    return build_index(read_records(corpus), index_dir, segmenter, source_digest=digest)


def _previous_terms(
    index_dir: Path, segmenter: Segmenter
) -> tuple[Vocabulary, dict[str, EncodedRecord]]:
    """The saved vocabulary and term ids by record digest, if made by the same segmenter."""
    meta = read_meta(index_dir)
    if meta is None or meta["segmenter"] != segmenter.signature:
        return Vocabulary(), {}
    try:
        terms = json.loads((index_dir / "vocab.json").read_text(encoding="utf-8"))
        encoded = _load_terms(index_dir / "terms.npz", len(meta["records"]))
    except (OSError, ValueError, KeyError):
        return Vocabulary(), {}
    return Vocabulary(terms), dict(zip(meta["records"], encoded, strict=True))


def _save_terms(path: Path, encoded: list[EncodedRecord]) -> None:
    sections = [ids for record in encoded for ids in record.sections]
    np.savez(
        path,
        ids=np.concatenate(sections) if sections else np.zeros(0, np.int32),
        lengths=np.asarray([len(ids) for ids in sections], dtype=np.int64),
        counts=np.asarray([len(record.sections) for record in encoded], dtype=np.int64),
    )


def _load_terms(path: Path, n_records: int) -> list[EncodedRecord]:
    with np.load(path) as data:
        ids, lengths, counts = data["ids"], data["lengths"], data["counts"]
    if len(counts) != n_records:
        raise ValueError(f"terms.npz holds {len(counts)} records, meta {n_records}")
    sections = np.split(ids.astype(np.int32), np.cumsum(lengths)[:-1]) if len(lengths) else []
    bounds = np.concatenate([[0], np.cumsum(counts)]).tolist()
    return [EncodedRecord(list(sections[a:b])) for a, b in pairwise(bounds)]


def _load_bm25(path: Path, refs: list[Any]) -> Any:
    if not refs:
        return None
    model = load_bm25(str(path))
    if model.scores["num_docs"] != len(refs):
        raise ValueError(f"{path} holds {model.scores['num_docs']} documents, expected {len(refs)}")
    return model


def _swap(new: Path, target: Path) -> None:
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
