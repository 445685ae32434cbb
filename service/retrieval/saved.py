"""Save, load and keep up to date the retrieval index beside the corpus build.

Layout of `corpus/build/index/` (the main segment): meta.json (format, id, segmenter
signature, digest and file state of the speeches.jsonl it was built from, speech types),
vocab.json, and the segment's files (service.retrieval.stored). Records added since live in
`index/delta/`, a small segment of the same layout whose meta names its main and the corpus
state after the additions. Every directory is written under a new name and renamed into
place, under the build lock; a delta that does not load, or belongs to another main, is
ignored, and then the corpus no longer matches and the index is rebuilt from it.

Loading maps arrays and reads two small JSON files: no record is parsed, nothing tokenised,
no BM25 refit. A rebuild reuses the cached term ids of every record whose line is unchanged,
and tokenises the others on every core (service.retrieval.tokenise).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from service.corpus.records import CorpusRecord, read_records, record_line, write_lines
from service.errors import RetrievalError
from service.retrieval.bm25 import PARAMS
from service.retrieval.index import CorpusIndex, Vocabulary
from service.retrieval.lazy import record_lines
from service.retrieval.segment import Segment, TypeCodes
from service.retrieval.stored import load_segment, read_digests, save_segment
from service.retrieval.tokenise import encode_records
from service.text.segment import Segmenter

INDEX_FORMAT = 4  # bump when the saved layout or the scoring changes
INDEX_DIRNAME = "index"
DELTA_DIRNAME = "delta"
CORPUS_FILENAME = "speeches.jsonl"

FileState = list[int]  # inode, mtime_ns, size: a file unchanged since it was hashed


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes: tells whether the corpus changed since the index was built."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def file_state(path: Path) -> FileState | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return [stat.st_ino, stat.st_mtime_ns, stat.st_size]


def record_digest(record: CorpusRecord) -> bytes:
    """Digest of a record's line; equal digests mean its cached terms are valid."""
    return hashlib.sha1(record_line(record).encode("utf-8")).digest()


def read_meta(index_dir: Path) -> dict[str, Any] | None:
    """The index's meta.json, or None when there is no readable index."""
    return _read_json(index_dir / "meta.json")


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        meta: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if meta.get("format") == INDEX_FORMAT else None


def save_index(
    index: CorpusIndex,
    index_dir: Path,
    *,
    source_digest: str | None = None,
    source_state: FileState | None = None,
) -> None:
    """Write the index (its delta too); the old one is replaced only once the new one is whole.
    The index then serves from the saved files (its main segment mapped from disk)."""
    tmp = index_dir.with_name(index_dir.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    name = uuid.uuid4().hex
    ids = index.record_ids()
    save_segment(index.main, tmp, ids[: len(index.main)])
    vocab_size = len(index.vocab.terms)
    (tmp / "vocab.json").write_text(json.dumps(index.vocab.terms, ensure_ascii=False), "utf-8")
    source = {"source_digest": source_digest, "source_state": source_state}
    meta = {
        "format": INDEX_FORMAT,
        "id": name,
        "segmenter": index.signature,
        "bm25": PARAMS,
        "records": len(index.main),
        "vocabulary": vocab_size,
        "types": index.types.names,
        **source,
    }
    _write_json(tmp / "meta.json", meta)
    if index.delta is not None:
        _save_delta_dir(index, tmp / DELTA_DIRNAME, name, vocab_size, source, ids)
    _swap(tmp, index_dir)
    index.adopt(_load(index_dir, index.segmenter)[0])


def save_delta(index: CorpusIndex, index_dir: Path, source: dict[str, Any]) -> None:
    """Write only the delta beside the saved main it was added to."""
    meta = read_meta(index_dir)
    if meta is None or index.delta is None or meta["id"] != index.main.name:
        raise RetrievalError("增量索引只能写在它所依附的主索引旁")
    target = index_dir / DELTA_DIRNAME
    tmp = target.with_name(target.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    _save_delta_dir(index, tmp, meta["id"], int(meta["vocabulary"]), source, index.record_ids())
    _swap(tmp, target)


def _save_delta_dir(
    index: CorpusIndex,
    path: Path,
    main: str,
    main_vocab: int,
    source: dict[str, Any],
    ids: list[str],
) -> None:
    assert index.delta is not None
    save_segment(index.delta, path, ids[len(index.main) :])
    added = index.vocab.terms[main_vocab:]
    (path / "vocab.json").write_text(json.dumps(added, ensure_ascii=False), "utf-8")
    meta = {
        "format": INDEX_FORMAT,
        "main": main,
        "records": len(index.delta),
        "vocabulary": len(index.vocab.terms),
        "types": index.types.names,
        **source,
    }
    _write_json(path / "meta.json", meta)


def load_index(index_dir: Path, segmenter: Segmenter) -> CorpusIndex:
    """Load a saved index: arrays mapped, no record parsed, no tokenisation, no BM25 refit."""
    return _load(index_dir, segmenter)[0]


def _load(index_dir: Path, segmenter: Segmenter) -> tuple[CorpusIndex, dict[str, Any]]:
    """The index and the meta of the corpus state it reflects (the delta's when it has one)."""
    meta = read_meta(index_dir)
    if meta is None:
        raise RetrievalError(f"没有可读的检索索引：{index_dir}")
    main = load_segment(index_dir, meta["id"], int(meta["records"]))
    terms: list[str] = json.loads((index_dir / "vocab.json").read_text(encoding="utf-8"))
    if len(terms) != meta["vocabulary"]:
        raise ValueError(f"vocab.json holds {len(terms)} terms, meta {meta['vocabulary']}")
    delta, source = _load_delta(index_dir / DELTA_DIRNAME, meta, terms)
    ids_file = index_dir / "ids.json"
    index = CorpusIndex(
        main,
        Vocabulary(terms),
        TypeCodes(source["types"]),
        segmenter=segmenter,
        signature=meta["segmenter"],
        delta=delta,
        record_ids=lambda: list(json.loads(ids_file.read_text(encoding="utf-8"))),
    )
    return index, source


def _load_delta(
    path: Path, meta: dict[str, Any], terms: list[str]
) -> tuple[Segment | None, dict[str, Any]]:
    """The delta of this main, or none (missing, torn, or another main's): terms grow."""
    delta_meta = _read_json(path / "meta.json")
    if delta_meta is None or delta_meta.get("main") != meta["id"]:
        return None, meta
    try:
        segment = load_segment(path, "", int(delta_meta["records"]))
        added = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError):
        return None, meta
    if len(terms) + len(added) != delta_meta["vocabulary"]:
        return None, meta
    terms.extend(added)
    return segment, delta_meta


def build_index(
    records: Iterable[CorpusRecord],
    index_dir: Path,
    segmenter: Segmenter,
    *,
    source_digest: str | None = None,
    source: Path | None = None,
    workers: int | None = None,
) -> CorpusIndex:
    """Index records and save; records unchanged since the last build are not re-tokenised.
    `source`, the corpus file they were read from, is hashed and its state kept."""
    unique = list({record.id: record for record in records}.values())
    vocab, previous, cached = _previous_terms(index_dir, segmenter)
    digests = [record_digest(r) for r in unique]
    missing = [r for r, d in zip(unique, digests, strict=True) if d not in cached]
    fresh = iter(encode_records(missing, segmenter, vocab, workers=workers))
    encoded = [
        previous.terms_of(cached[d]) if previous and d in cached else next(fresh) for d in digests
    ]
    index = CorpusIndex.fitted(unique, encoded, vocab, segmenter=segmenter)
    state = None
    if source is not None:
        source_digest, state = file_digest(source), file_state(source)
    save_index(index, index_dir, source_digest=source_digest, source_state=state)
    return index


def add_document(index_dir: Path, record: CorpusRecord, segmenter: Segmenter) -> CorpusIndex:
    """Add one record to a saved index: only that record is tokenised, only the delta refitted
    (the whole index when the delta has outgrown its share)."""
    index, source = _load(index_dir, segmenter)
    index.add(record)
    kept = {k: source.get(k) for k in ("source_digest", "source_state")}
    _save_added(index, index_dir, kept)
    return index


def save_added(index: CorpusIndex, build_dir: Path) -> None:
    """After records were added: speeches.jsonl written whole (new file, then rename; lines
    of the saved index are copied, not parsed), then the delta, or the index when compacted.
    The caller holds the build lock."""
    corpus = build_dir / CORPUS_FILENAME
    digest = write_lines(corpus, record_lines(index.records))
    source = {"source_digest": digest, "source_state": file_state(corpus)}
    _save_added(index, build_dir / INDEX_DIRNAME, source)


def _save_added(index: CorpusIndex, index_dir: Path, source: dict[str, Any]) -> None:
    meta = read_meta(index_dir)
    if index.delta is not None and meta is not None and meta["id"] == index.main.name:
        save_delta(index, index_dir, source)
    else:
        save_index(index, index_dir, **source)


def open_index(build_dir: Path, segmenter: Segmenter) -> CorpusIndex:
    """The index of the corpus build, (re)built first when missing or stale."""
    corpus = build_dir / CORPUS_FILENAME
    if not corpus.is_file():
        raise RetrievalError(f"语料库尚未构建：找不到 {corpus}；请先运行 jianggao corpus build")
    index_dir = build_dir / INDEX_DIRNAME
    meta = read_meta(index_dir)
    if meta and meta["segmenter"] == segmenter.signature:
        try:
            index, source = _load(index_dir, segmenter)
            if _describes(source, corpus):
                return index
        except (OSError, ValueError, KeyError):
            pass  # a damaged index is rebuilt below
    return build_index(read_records(corpus), index_dir, segmenter, source=corpus)


def _describes(source: dict[str, Any], corpus: Path) -> bool:
    """Whether the index reflects the corpus file: the same file state, else the same bytes."""
    if source.get("source_state") and source["source_state"] == file_state(corpus):
        return True
    return bool(source.get("source_digest") == file_digest(corpus))


def _previous_terms(
    index_dir: Path, segmenter: Segmenter
) -> tuple[Vocabulary, CorpusIndex | None, dict[bytes, int]]:
    """The saved vocabulary, the saved index and, by record digest, the position of each
    record whose term ids it holds, if made by the same segmenter."""
    meta = read_meta(index_dir)
    if meta is None or meta["segmenter"] != segmenter.signature:
        return Vocabulary(), None, {}
    try:
        index, _ = _load(index_dir, segmenter)
        digests = read_digests(index_dir)
        if index.delta is not None:
            digests += read_digests(index_dir / DELTA_DIRNAME)
    except (OSError, ValueError, KeyError):
        return Vocabulary(), None, {}
    if len(digests) != len(index.records):
        return Vocabulary(), None, {}
    return Vocabulary(index.vocab.terms), index, {d: i for i, d in enumerate(digests)}


def _write_json(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")


def _swap(new: Path, target: Path) -> None:
    old = target.with_name(target.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if target.exists():
        target.rename(old)
    new.rename(target)
    shutil.rmtree(old, ignore_errors=True)
    _sync_dir(target.parent)


def _sync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
