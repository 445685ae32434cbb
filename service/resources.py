"""What a worker builds once at start-up, from the settings it is given and nothing else:
the prompts folder's kit, store, corpus index, scorer, drafter and pipeline."""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import uuid
from contextlib import nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path

from service.config import Settings
from service.corpus.dedup import ShingleIndex
from service.corpus.document import build_document
from service.corpus.lock import build_lock
from service.corpus.reading import SUPPORTED_SUFFIXES, read_source
from service.corpus.records import CorpusRecord
from service.drafters.base import Drafter
from service.drafters.builtin import BuiltinDrafter
from service.drafters.model import ModelDrafter
from service.errors import ConfigError, CorpusError, InputError, SkipSource
from service.knowledge.kit import Kit, load_kit
from service.llm import ChatClient, llm_configured
from service.logs import get_logger, log_event
from service.pipeline.judge import Judge
from service.pipeline.pipeline import Pipeline
from service.pipeline.prompts import Prompter
from service.retrieval.index import CorpusIndex
from service.retrieval.saved import CORPUS_FILENAME, open_index, save_added
from service.scoring import Scorer
from service.store import Store
from service.text.tokens import TokenBudget

log = get_logger(__name__)
STAGED_PREFIX = ".incoming-"  # an upload being read; builds skip hidden files
STALE_UPLOAD_S = 600  # a staging file older than this belongs to no running upload
_UNSAFE_NAME = re.compile(r"[^\w.\-\u4e00-\u9fff]+")


def wants_model(settings: Settings) -> bool:
    """Whether drafts come from a model: asked for, or `auto` with an endpoint configured."""
    return settings.drafter == "openai" or (settings.drafter == "auto" and llm_configured(settings))


def make_drafter(settings: Settings, kit: Kit) -> tuple[Drafter, ChatClient | None]:
    """The model drafter when an endpoint is configured (or asked for), else the built-in one."""
    if not wants_model(settings):
        return BuiltinDrafter(kit), None
    if not llm_configured(settings):
        raise ConfigError("JIANGGAO_DRAFTER=openai 需要 OPENAI_API_KEY 或 OPENAI_BASE_URL")
    client = ChatClient.from_settings(settings)
    prompter = Prompter(kit, TokenBudget.from_settings(settings))
    return ModelDrafter(client, prompter), client


def make_pipeline(
    settings: Settings, kit: Kit, drafter: Drafter, index: CorpusIndex | None, scorer: Scorer
) -> Pipeline:
    """The drafting pipeline with the configured repair rounds and deadline, and with a model
    drafter (unless turned off) the model's review of each draft."""
    judge = None
    if settings.judge and isinstance(drafter, ModelDrafter):
        judge = Judge(drafter.client, drafter.prompter)
    return Pipeline(
        kit,
        drafter,
        index,
        scorer,
        repair_rounds=settings.repair_rounds,
        deadline_s=settings.draft_timeout_s,
        judge=judge,
    )


def pipeline_for(
    settings: Settings, kit: Kit, index: CorpusIndex | None
) -> tuple[Pipeline, ChatClient | None]:
    """The pipeline the API would build (drafter, scorer), and its model client to close."""
    drafter, client = make_drafter(settings, kit)
    return make_pipeline(settings, kit, drafter, index, Scorer(kit)), client


# What a corpus build that cannot be used raises while it is read: a missing or torn
# speeches.jsonl, a record that no longer validates, an index that does not load.
_UNUSABLE_BUILD = (CorpusError, ValueError, KeyError, OSError)


def read_index(settings: Settings, kit: Kit, *, locked: bool = False) -> CorpusIndex:
    """The corpus index as the build folder holds it now; raises what makes it unusable.
    Holds the build lock (unless the caller does), since a stale index is rebuilt here."""
    with nullcontext() if locked else build_lock(settings.build_dir):
        index = open_index(settings.build_dir, kit.segmenter)
    index.type_names = kit.types.names()
    return index


def load_index(settings: Settings, kit: Kit) -> CorpusIndex | None:
    """The corpus index, or None (drafting then goes on without examples) when there is none
    or the build cannot be used; start-up never fails on a corpus file."""
    try:
        return read_index(settings, kit)
    except _UNUSABLE_BUILD as exc:
        log_event(log, "corpus.unavailable", logging.WARNING, reason=_reason(exc))
        return None


def _reason(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"[:300]


def _file_state(path: Path) -> tuple[int, int, int] | None:
    """What tells a replaced or rewritten file from the one last read: inode, mtime, size."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return (stat.st_ino, stat.st_mtime_ns, stat.st_size)


@dataclass
class Resources:
    """Everything a request needs, built once per worker process."""

    settings: Settings
    kit: Kit
    store: Store
    index: CorpusIndex | None
    scorer: Scorer
    pipeline: Pipeline
    client: ChatClient | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _shingles: ShingleIndex | None = None
    _corpus_state: tuple[int, int, int] | None = None

    @classmethod
    def build(cls, settings: Settings) -> Resources:
        kit = load_kit(settings.prompts_dir).warmed()
        drafter, client = make_drafter(settings, kit)
        state = _file_state(settings.build_dir / CORPUS_FILENAME)
        index = load_index(settings, kit)
        scorer = Scorer(kit)
        pipeline = make_pipeline(settings, kit, drafter, index, scorer)
        store = Store.from_settings(settings)
        resources = cls(settings, kit, store, index, scorer, pipeline, client)
        resources._corpus_state = state
        _remove_stale_uploads(settings.corpus_dir)
        return resources

    def _state(self) -> tuple[int, int, int] | None:
        return _file_state(self.settings.build_dir / CORPUS_FILENAME)

    def refresh(self) -> None:
        """Pick up a corpus another worker (or a rebuild) changed: one stat per request.
        A build that cannot be used is ignored with the reason logged, and the last good
        index goes on serving until the file changes again."""
        if self._state() == self._corpus_state:
            return
        with self._lock:
            self._reload_if_changed(locked=False)

    def _reload_if_changed(self, *, locked: bool) -> None:
        current = self._state()
        if current == self._corpus_state:
            return
        try:
            index = read_index(self.settings, self.kit, locked=locked)
        except _UNUSABLE_BUILD as exc:
            log_event(log, "corpus.ignored", logging.WARNING, reason=_reason(exc))
        else:
            self.index = index
            self.pipeline.index = index
            self._shingles = None
        self._corpus_state = current

    @property
    def max_upload_bytes(self) -> int:
        return int(self.settings.max_upload_mb * 2**20)

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        self.store.close()

    def add_source(self, filename: str, data: bytes) -> list[CorpusRecord]:
        """Clean and index an upload, then put it into the corpus folder; InputError if unusable.

        The bytes are read from a hidden staging file that builds skip; the file takes its
        unique name in the folder only once its records are saved, so an upload killed midway
        leaves no source file without records. Other workers' uploads are read in first, under
        the build lock, so no upload overwrites another's."""
        final = self._upload_path(filename, data)
        staged = final.with_name(f"{STAGED_PREFIX}{uuid.uuid4().hex}{final.suffix}")
        staged.write_bytes(data)
        try:
            try:
                source = read_source(staged, self.max_upload_bytes)
                records = build_document(final.stem, final.name, source.lines, self.kit.types)
            except SkipSource as reason:
                raise InputError(f"文件无法入库：{reason}", field="file") from reason
            with self._lock, build_lock(self.settings.build_dir):
                self._reload_if_changed(locked=True)
                added = self._index_records(records.records)
                os.replace(staged, final)
            return added
        finally:
            staged.unlink(missing_ok=True)

    def _upload_path(self, filename: str, data: bytes) -> Path:
        """A name no other upload has: the time, a random part and the file's own name."""
        suffix = Path(filename).suffix.lower()
        if suffix not in SUPPORTED_SUFFIXES:
            raise InputError("只接受 .txt 或 .docx 文件", field="file")
        if not data:
            raise InputError("文件是空的", field="file")
        if len(data) > self.max_upload_bytes:
            raise InputError(f"文件超过 {self.settings.max_upload_mb:g} MB 上限", field="file")
        stem = _UNSAFE_NAME.sub("_", Path(filename).stem).strip("._")[:60] or "upload"
        folder = self.settings.corpus_dir
        folder.mkdir(parents=True, exist_ok=True)
        unique = f"{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
        return folder / f"upload-{unique}-{stem}{suffix}"

    def _index_records(self, records: list[CorpusRecord]) -> list[CorpusRecord]:
        if self.index is None:
            self.index = CorpusIndex.from_records([], self.kit.segmenter)
            self.index.type_names = self.kit.types.names()
            self.pipeline.index = self.index
        shingles = self._shingle_index()
        for record in records:
            duplicate = shingles.check_and_add(record.id, record.text)
            if duplicate is not None:
                record.duplicate_of = duplicate.original_id
                record.flags.append(duplicate.describe())
            self.index.add(record)
        self._persist()
        return records

    def _shingle_index(self) -> ShingleIndex:
        if self._shingles is None:
            self._shingles = ShingleIndex()
            for record in self.index.records if self.index else []:
                self._shingles.check_and_add(record.id, record.text)
        return self._shingles

    def _persist(self) -> None:
        """Write speeches.jsonl whole (new file, then rename) and save the index's delta, so
        other workers and restarts see it; the caller holds the build lock."""
        assert self.index is not None
        try:
            save_added(self.index, self.settings.build_dir)
        except OSError as exc:
            self._corpus_state = None  # read the corpus from disk again before the next use
            raise CorpusError(f"语料库无法写入（{exc.strerror or exc}），上传未保存") from exc
        self._corpus_state = self._state()


def _remove_stale_uploads(folder: Path) -> None:
    """Staging files left by uploads that were killed midway."""
    cutoff = time.time() - STALE_UPLOAD_S
    for staged in folder.glob(f"{STAGED_PREFIX}*") if folder.is_dir() else ():
        with suppress(OSError):
            if staged.stat().st_mtime < cutoff:
                staged.unlink()
