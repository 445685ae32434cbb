"""`corpus build`: every source file of a folder → cleaned, classified, de-duplicated records."""

from __future__ import annotations

import multiprocessing
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from service.corpus.dedup import Duplicate, ShingleIndex
from service.corpus.document import build_document
from service.corpus.reading import read_source
from service.corpus.records import CorpusRecord, write_records
from service.cpu import cores
from service.errors import CorpusBuildError, SkipSource
from service.knowledge.speech_types import SpeechTypes

Progress = Callable[[int, int], None]
PARALLEL_MIN = 64  # fewer files than this are read in this process (a pool takes ~1 s to start)
_CHUNK = 8  # files per task


@dataclass(frozen=True)
class Skipped:
    """A source file that gave no record, and why."""

    source: str
    reason: str


@dataclass
class BuildReport:
    """What a build produced, for the summary table and for tests."""

    records: list[CorpusRecord]
    skipped: list[Skipped] = field(default_factory=list)
    removed_by_category: Counter[str] = field(default_factory=Counter)
    duplicates: list[Duplicate] = field(default_factory=list)
    files: int = 0
    seconds: float = 0.0
    out: Path | None = None


def source_files(source: Path) -> list[Path]:
    """All files under a folder (recursively, sorted), or the one file given; hidden files
    (an upload still being read, editors' lock files) are not sources."""
    if source.is_file():
        return [source]
    if not source.is_dir():
        raise CorpusBuildError(f"源目录不存在：{source}")
    hidden = [
        p
        for p in source.rglob("*")
        if any(part.startswith(".") for part in p.relative_to(source).parts)
    ]
    return sorted(p for p in source.rglob("*") if p.is_file() and p not in set(hidden))


def build_corpus(
    source: Path,
    out: Path | None,
    types: SpeechTypes,
    *,
    max_source_mb: float,
    progress: Progress | None = None,
    workers: int | None = None,
    parallel_min: int = PARALLEL_MIN,
) -> BuildReport:
    """Read, clean, classify and de-duplicate every source; write the records when `out` is set.

    Files are read and cleaned in a process pool sized to the cores (when there are at least
    `parallel_min` of them), then de-duplicated here in file order: the records are the same
    whatever the number of workers."""
    started = time.perf_counter()
    files = source_files(source)
    root = source if source.is_dir() else source.parent
    report = BuildReport(records=[], files=len(files), out=out)
    ids = _record_ids(files, root)
    jobs = [(path, path.relative_to(root).as_posix(), ids[path]) for path in files]
    index = ShingleIndex()
    outcomes = _read_all(jobs, int(max_source_mb * 2**20), types, workers, parallel_min)
    for done, ((_, name, _), outcome) in enumerate(zip(jobs, outcomes, strict=True), start=1):
        _add_outcome(name, outcome, report, index)
        if progress is not None:
            progress(done, len(files))
    if out is not None:
        write_records(out, report.records)
    report.seconds = time.perf_counter() - started
    return report


Job = tuple[Path, str, str]  # file, name in the corpus, record id
Outcome = tuple[list[CorpusRecord], list[str]] | str  # records and removed categories, or why not
_SETUP: tuple[int, SpeechTypes] | None = None


def _read_all(
    jobs: list[Job], max_bytes: int, types: SpeechTypes, workers: int | None, parallel_min: int
) -> Iterator[Outcome]:
    """Each job's outcome, in order; in worker processes when there are enough files."""
    count = cores() if workers is None else workers
    if count < 2 or len(jobs) < max(parallel_min, 1):
        yield from (_read(job, max_bytes, types) for job in jobs)
        return
    context = multiprocessing.get_context("spawn")  # never fork a threaded server
    with ProcessPoolExecutor(
        count, mp_context=context, initializer=_start, initargs=(max_bytes, types)
    ) as pool:
        yield from pool.map(_read_in_worker, jobs, chunksize=_CHUNK)


def _start(max_bytes: int, types: SpeechTypes) -> None:
    global _SETUP
    _SETUP = (max_bytes, types)


def _read_in_worker(job: Job) -> Outcome:
    assert _SETUP is not None
    return _read(job, *_SETUP)


def _read(job: Job, max_bytes: int, types: SpeechTypes) -> Outcome:
    """Turn one file into records, or into the reason it gave none; never raise for a bad file."""
    path, name, doc_id = job
    try:
        source = read_source(path, max_bytes)
        result = build_document(doc_id, name, source.lines, types)
    except SkipSource as reason:
        return str(reason)
    except OSError as error:
        return f"无法读取文件（{error.strerror or error}）"
    except Exception as error:  # one odd file must not lose a build of thousands
        return f"处理出错，已跳过（{type(error).__name__}: {error}）"
    if source.encoding not in ("utf-8", "utf-8-sig", "docx"):
        result.records[0].flags.insert(0, f"按 {source.encoding} 编码读取")
    return result.records, [r.category for r in result.removals]


def _add_outcome(name: str, outcome: Outcome, report: BuildReport, index: ShingleIndex) -> None:
    """A file's records into the report, each checked against the earlier ones for copies."""
    if isinstance(outcome, str):
        report.skipped.append(Skipped(name, outcome))
        return
    records, removed = outcome
    report.removed_by_category.update(removed)
    for record in records:
        duplicate = index.check_and_add(record.id, record.text)
        if duplicate is not None:
            record.duplicate_of = duplicate.original_id
            record.flags.append(duplicate.describe())
            report.duplicates.append(duplicate)
        report.records.append(record)


def _record_ids(files: list[Path], root: Path) -> dict[Path, str]:
    """Stable ids from the relative path without extension; with it when two files collide."""
    stems = Counter(p.relative_to(root).with_suffix("").as_posix() for p in files)
    ids: dict[Path, str] = {}
    for path in files:
        relative = path.relative_to(root)
        stem = relative.with_suffix("").as_posix()
        ids[path] = stem if stems[stem] == 1 else relative.as_posix()
    return ids
