"""All settings in one place: environment variables with the JIANGGAO_ prefix."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

PROJECT_ROOT = Path(__file__).resolve().parent.parent
# How a draft's parts are written: every item its own call, a call per part, or one call.
DraftMode = Literal["subpoints", "parallel", "single"]


class Settings(BaseSettings):
    """Typed settings; a bad value fails at start-up, not mid-request."""

    model_config = SettingsConfigDict(env_prefix="JIANGGAO_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = Field(8000, ge=1, le=65535)

    corpus_dir: Path = PROJECT_ROOT / "corpus" / "raw"
    build_dir: Path = PROJECT_ROOT / "corpus" / "build"
    prompts_dir: Path = PROJECT_ROOT / "prompts"
    max_source_mb: float = Field(
        8.0, gt=0, description="Source files larger than this are skipped with a message."
    )

    openai_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("OPENAI_API_KEY", "JIANGGAO_OPENAI_API_KEY")
    )
    openai_base_url: str | None = Field(
        None, validation_alias=AliasChoices("OPENAI_BASE_URL", "JIANGGAO_OPENAI_BASE_URL")
    )
    model: str = "gpt-4o-mini"
    request_timeout_s: float = Field(
        60.0, gt=0, description="Longest silence from the model endpoint (per read, not per call)."
    )
    max_retries: int = Field(3, ge=0, le=10, description="Retries on 408/409/429/5xx/timeouts.")
    max_concurrency: int = Field(
        16,
        ge=1,
        le=64,
        description="Parallel upstream calls per worker: a sub-point draft makes about 15.",
    )
    temperature: float = Field(0.7, ge=0.0, le=2.0)
    context_window: int = Field(32_000, ge=2_000)
    output_reserve: int = Field(4_000, ge=256)
    token_encoding: str | None = Field(
        None, description="tiktoken encoding to count with; default: the model's, else cl100k."
    )

    database_url: str = f"sqlite:///{PROJECT_ROOT / 'var' / 'jianggao.db'}"

    drafter: Literal["auto", "builtin", "openai"] = Field(
        "auto", description="auto: the model when an endpoint is configured, else built-in."
    )
    draft_mode: DraftMode = Field(
        "subpoints",
        description="How a model drafts when a request names no mode: subpoints (every item "
        "its own call, begun as the outline streams), parallel (a call per part), single.",
    )
    repair_rounds: int = Field(2, ge=0, le=5, description="Rewrites of faulty parts per draft.")
    draft_timeout_s: float = Field(
        600.0, gt=0, description="A draft still streaming after this long ends with a 504."
    )
    shutdown_grace_s: float = Field(
        20.0,
        ge=0,
        le=3600,
        description="A stopping worker lets drafts whose reader has gone run this long, then "
        "stops them and keeps their briefs as failed drafts.",
    )
    max_drafts_in_flight: int = Field(
        32, ge=1, le=10_000, description="Drafts one worker writes at once; beyond, 503."
    )
    rate_limit_per_minute: int = Field(
        0,
        ge=0,
        le=100_000,
        description="Drafts, outlines, rewrites, checks and uploads one API key (or, with no "
        "keys, one client address) may start in any sixty seconds, over every worker and "
        "replica sharing the database; beyond, 429. 0: no limit.",
    )
    judge: bool = Field(
        True, description="With a model: after the checks, the model reviews the draft's substance."
    )
    api_keys: list[SecretStr] = Field(
        default_factory=list, description="Bearer keys; empty means no authentication."
    )
    cors_origins: list[str] = Field(
        default_factory=list, description="Origins allowed to call the API from a browser."
    )
    max_request_kb: int = Field(256, ge=16, description="Largest JSON request body.")
    log_format: Literal["text", "json"] = Field(
        "text", description="text: key=value lines; json: one JSON object a line."
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        "INFO", description="DEBUG adds each draft's brief (to reproduce a case); others never do."
    )
    max_upload_mb: float = Field(8.0, gt=0, description="Largest corpus upload.")
    public_url: str | None = Field(
        None,
        description="The address writers' office software reaches the service at (e.g. "
        "https://jianggao.example.gov.cn); written into the add-ins' manifests. "
        "Unset: the address each request came to.",
    )

    @field_validator("openai_api_key", "openai_base_url", "public_url", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        """`OPENAI_BASE_URL=` (as compose passes a variable left unset) means no endpoint,
        not an endpoint at the empty address."""
        return None if isinstance(value, str) and not value.strip() else value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings; tests call get_settings.cache_clear() after changing env."""
    return Settings()
