"""The corpus record: one cleaned source document, as written to speeches.jsonl."""

from __future__ import annotations

import hashlib
import json
import os
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from service.limits import EXAMPLE_MAX_CHARS

Kind = Literal["speech", "presiding", "pledge", "address", "news", "other"]
SectionRole = Literal[
    "title",
    "meta",
    "salutation",
    "opening",
    "achievements",
    "problems",
    "agenda",
    "transition",
    "point",
    "closing",
    "other",
]

# How a prompt names each kind of section when it shows an example.
SECTION_LABELS: dict[str, str] = {
    "title": "标题",
    "meta": "署名",
    "salutation": "称呼",
    "opening": "开场",
    "achievements": "成绩",
    "problems": "问题",
    "agenda": "议程",
    "transition": "过渡",
    "point": "分点",
    "closing": "结尾",
    "other": "其他",
}


class RecordSection(BaseModel):
    """A part of a document with its conventional role."""

    role: SectionRole
    heading: str = ""
    text: str


class RecordMeta(BaseModel):
    """What the source says about who spoke, when and at what level, where it says it."""

    speaker: str | None = None
    date: str | None = None
    level: str | None = None  # 省/市/县/区/乡镇/单位 …


class CorpusRecord(BaseModel):
    """One document of the corpus; `removed` keeps every dropped line so nothing is lost."""

    id: str
    source: str
    title: str
    kind: Kind
    speech_type: str | None
    text: str
    sections: list[RecordSection]
    chars: int
    meta: RecordMeta = Field(default_factory=RecordMeta)
    removed: list[str] = Field(default_factory=list)
    duplicate_of: str | None = None
    flags: list[str] = Field(default_factory=list)

    @property
    def is_example(self) -> bool:
        """Whether the record may be shown to a model as an example of form (not news, not a
        duplicate, not so long that searching and scrubbing it would slow every draft)."""
        if self.kind in ("news", "other") or self.duplicate_of is not None:
            return False
        return self.chars <= EXAMPLE_MAX_CHARS


def write_records(path: Path, records: Iterable[CorpusRecord]) -> None:
    """Write records as JSON lines (UTF-8, Chinese unescaped), atomically (see write_lines)."""
    write_lines(path, (record_line(r).encode("utf-8") for r in records))


def write_lines(path: Path, lines: Iterable[bytes]) -> str:
    """Write JSON lines atomically: into a new file of its own name (two writers never share
    one), synced, then renamed over the old, so a reader sees the old file or the new one and
    a crash or full disk leaves no torn line. Returns the SHA-256 of what was written."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:12]}.tmp")
    digest = hashlib.sha256()
    try:
        with tmp.open("wb") as out:
            for line in lines:
                digest.update(line)
                out.write(line)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return digest.hexdigest()


def record_line(record: CorpusRecord) -> str:
    """A record as one line of speeches.jsonl (with its newline)."""
    return json.dumps(record.model_dump(mode="json"), ensure_ascii=False) + "\n"


def read_records(path: Path) -> Iterator[CorpusRecord]:
    """Read records written by write_records."""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield CorpusRecord.model_validate_json(line)
