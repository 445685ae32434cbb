"""What a worker builds once at start-up, from the settings it is given and nothing else:
the prompts folder's kit, store, corpus index, scorer, drafter and pipeline."""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from service.config import Settings
from service.corpus.dedup import ShingleIndex
from service.corpus.document import build_document
from service.corpus.reading import SUPPORTED_SUFFIXES, read_source
from service.corpus.records import CorpusRecord
from service.drafters.base import Drafter
from service.drafters.builtin import BuiltinDrafter
from service.drafters.model import ModelDrafter
from service.errors import ConfigError, InputError, RetrievalError, SkipSource
from service.knowledge.kit import Kit, load_kit
from service.llm import ChatClient, llm_configured
from service.logs import get_logger
from service.pipeline.judge import Judge
from service.pipeline.pipeline import Pipeline
from service.pipeline.prompts import Prompter
from service.retrieval.index import CorpusIndex
from service.retrieval.saved import (
    CORPUS_FILENAME,
    INDEX_DIRNAME,
    file_digest,
    open_index,
    save_index,
)
from service.scoring import Scorer
from service.store import Store
from service.text.tokens import TokenBudget

log = get_logger(__name__)
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


def load_index(settings: Settings, kit: Kit) -> CorpusIndex | None:
    """The corpus index, or None (drafting then goes on without examples) when there is none."""
    try:
        index = open_index(settings.build_dir, kit.segmenter)
    except RetrievalError as exc:
        log.warning("语料库不可用，起草时不使用范文：%s", exc)
        return None
    index.type_names = kit.types.names()
    return index


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
    _corpus_mtime: float | None = None

    @classmethod
    def build(cls, settings: Settings) -> Resources:
        kit = load_kit(settings.prompts_dir)
        drafter, client = make_drafter(settings, kit)
        index = load_index(settings, kit)
        scorer = Scorer(kit)
        pipeline = make_pipeline(settings, kit, drafter, index, scorer)
        store = Store.from_settings(settings)
        resources = cls(settings, kit, store, index, scorer, pipeline, client)
        resources._corpus_mtime = resources._mtime()
        return resources

    def _mtime(self) -> float | None:
        try:
            return (self.settings.build_dir / CORPUS_FILENAME).stat().st_mtime
        except OSError:
            return None

    def refresh(self) -> None:
        """Pick up a corpus another worker (or a rebuild) changed: one stat per request."""
        current = self._mtime()
        if current == self._corpus_mtime:
            return
        with self._lock:
            if current != self._corpus_mtime:
                self.index = load_index(self.settings, self.kit)
                self.pipeline.index = self.index
                self._shingles = None
                self._corpus_mtime = current

    @property
    def max_upload_bytes(self) -> int:
        return int(self.settings.max_upload_mb * 2**20)

    async def aclose(self) -> None:
        if self.client is not None:
            await self.client.aclose()
        self.store.close()

    def add_source(self, filename: str, data: bytes) -> list[CorpusRecord]:
        """Save an upload into the corpus folder, clean and index it; InputError if unusable."""
        path = self._upload_path(filename, data)
        try:
            source = read_source(path, self.max_upload_bytes)
            records = build_document(path.stem, path.name, source.lines, self.kit.types).records
        except SkipSource as reason:
            path.unlink(missing_ok=True)
            raise InputError(f"文件无法入库：{reason}", field="file") from reason
        with self._lock:
            return self._index_records(records)

    def _upload_path(self, filename: str, data: bytes) -> Path:
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
        path = folder / f"upload-{time.strftime('%Y%m%d%H%M%S')}-{stem}{suffix}"
        path.write_bytes(data)
        return path

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
        self._persist(records)
        return records

    def _shingle_index(self) -> ShingleIndex:
        if self._shingles is None:
            self._shingles = ShingleIndex()
            for record in self.index.records if self.index else []:
                self._shingles.check_and_add(record.id, record.text)
        return self._shingles

    def _persist(self, records: list[CorpusRecord]) -> None:
        """Append to speeches.jsonl and save the index, so other workers and restarts see it."""
        build = self.settings.build_dir
        build.mkdir(parents=True, exist_ok=True)
        corpus = build / CORPUS_FILENAME
        with corpus.open("a", encoding="utf-8") as out:
            for record in records:
                out.write(record.model_dump_json() + "\n")
        assert self.index is not None
        save_index(self.index, build / INDEX_DIRNAME, source_digest=file_digest(corpus))
        self._corpus_mtime = self._mtime()
