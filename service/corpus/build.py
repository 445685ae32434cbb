"""`corpus build`: every source file of a folder → cleaned, classified, de-duplicated records."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from service.corpus.dedup import Duplicate, ShingleIndex
from service.corpus.document import build_document
from service.corpus.reading import read_source
from service.corpus.records import CorpusRecord, write_records
from service.errors import CorpusBuildError, SkipSource
from service.knowledge.speech_types import SpeechTypes

Progress = Callable[[int, int], None]


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
) -> BuildReport:
    """Read, clean, classify and de-duplicate every source; write the records when `out` is set."""
    started = time.perf_counter()
    files = source_files(source)
    root = source if source.is_dir() else source.parent
    report = BuildReport(records=[], files=len(files), out=out)
    ids = _record_ids(files, root)
    index = ShingleIndex()
    for done, path in enumerate(files, start=1):
        name = path.relative_to(root).as_posix()
        _add_source(path, name, ids[path], int(max_source_mb * 2**20), report, index, types)
        if progress is not None:
            progress(done, len(files))
    if out is not None:
        write_records(out, report.records)
    report.seconds = time.perf_counter() - started
    return report


def _add_source(
    path: Path,
    name: str,
    doc_id: str,
    max_bytes: int,
    report: BuildReport,
    index: ShingleIndex,
    types: SpeechTypes,
) -> None:
    """Turn one file into records, or into a skip entry; never raise for a bad file."""
    try:
        source = read_source(path, max_bytes)
        result = build_document(doc_id, name, source.lines, types)
    except SkipSource as reason:
        report.skipped.append(Skipped(name, str(reason)))
        return
    except OSError as error:
        report.skipped.append(Skipped(name, f"无法读取文件（{error.strerror or error}）"))
        return
    except Exception as error:  # one odd file must not lose a build of thousands
        report.skipped.append(Skipped(name, f"处理出错，已跳过（{type(error).__name__}: {error}）"))
        return
    if source.encoding not in ("utf-8", "utf-8-sig", "docx"):
        result.records[0].flags.insert(0, f"按 {source.encoding} 编码读取")
    report.removed_by_category.update(r.category for r in result.removals)
    for record in result.records:
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
