"""The service's own exceptions: every failure a caller should handle is one of these.

The tree::

    JianggaoError            anything this service raises on purpose
    ├── InputError           a brief, file or parameter we cannot use (names the field)
    │   ├── OutlineMismatch      an outline that does not fit the speech type's skeleton
    │   ├── PromptTooLong        a brief that alone does not fit the model's context
    │   └── ScoringInputError    nothing to score (an empty text)
    ├── NotFound             a draft (or other stored thing) that does not exist
    ├── ConfigError          a setting that cannot work (e.g. the model drafter with no endpoint)
    │   └── KnowledgeError       a file of prompts/ that is missing, unreadable or breaks its rules
    │       └── PromptError          a prompt template that is missing or refers to nothing
    ├── CorpusError          the corpus or its index cannot be read, built or searched
    │   ├── CorpusBuildError     a corpus build that cannot start (no source folder)
    │   ├── RetrievalError       an index that cannot be built, loaded or searched
    │   └── SkipSource           one source file the corpus cannot take, and why
    ├── UpstreamError        the model endpoint failed: 5xx, refused, unreachable, dropped
    │   ├── UpstreamTimeout      it did not answer within the timeout
    │   ├── UpstreamRateLimited  it still said 429 after the client's retries
    │   └── UpstreamBadResponse  it answered with something unusable (malformed, cut off)
    ├── StoreError           the draft database failed
    ├── Busy                 this worker has as many drafts in flight as it may take
    └── RateLimited          this key (or address) has used its requests for the minute

Each error carries what an RFC 9457 problem document needs (`code`, `title`,
`detail`, optional `field`); HTTP status codes are chosen in the API's one
error handler, never here, so the CLI and the eval harness can use these too.
"""

from __future__ import annotations

from typing import ClassVar


class JianggaoError(Exception):
    """Base class; raised directly only when no subclass fits."""

    code: ClassVar[str] = "error"
    title: ClassVar[str] = "出错了"
    default_field: ClassVar[str | None] = None

    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field if field is not None else self.default_field

    def __str__(self) -> str:
        return f"{self.field}: {self.detail}" if self.field else self.detail

    def problem(self) -> dict[str, str]:
        """The problem-document fields this error knows (the API adds type and status)."""
        fields = {"code": self.code, "title": self.title, "detail": self.detail}
        if self.field:
            fields["field"] = self.field
        return fields


class InputError(JianggaoError):
    """Raised when a brief, an uploaded file or a parameter cannot be used; `field` names it."""

    code = "input-error"
    title = "输入的内容不能用"


class OutlineMismatch(InputError):
    """Raised when an outline (the model's or the user's) does not fit the skeleton; the
    message says what to fix."""

    code = "outline-mismatch"
    title = "提纲不合要求"
    default_field = "outline"


class PromptTooLong(InputError):
    """Raised when the brief alone, without any example, does not fit the token budget."""

    code = "prompt-too-long"
    title = "简报太长，大模型一次读不下"
    default_field = "brief"


class ScoringInputError(InputError):
    """Raised when there is nothing to score (an empty text)."""

    code = "nothing-to-score"
    title = "没有可检查的文字"
    default_field = "text"


class NotFound(JianggaoError):
    """Raised when a draft id (or version, or other stored item) does not exist."""

    code = "not-found"
    title = "找不到"


class ConfigError(JianggaoError):
    """Raised when a setting makes a requested feature impossible, e.g. no model endpoint."""

    code = "config-error"
    title = "服务没有为此配置"


class KnowledgeError(ConfigError):
    """Raised when a file of the prompts folder (skeletons, roles, lexicon, phrasebank,
    templates) is missing, unreadable or breaks a rule of its form; names the file."""

    code = "knowledge-error"
    title = "prompts 文件夹里的文件有误"


class PromptError(KnowledgeError):
    """Raised when a template is missing, refers to an undefined variable, or cannot compile."""

    code = "prompt-error"
    title = "提示词模板有误"


class CorpusError(JianggaoError):
    """Raised when the corpus or its index cannot be read, built or searched."""

    code = "corpus-error"
    title = "语料库不可用"


class CorpusBuildError(CorpusError):
    """Raised when a corpus build cannot start (the source folder does not exist)."""

    code = "corpus-build-error"
    title = "语料库无法构建"


class RetrievalError(CorpusError):
    """Raised when the index cannot be built, loaded or searched (missing corpus, bad query)."""

    code = "retrieval-error"
    title = "语料库索引不可用"


class SkipSource(CorpusError):
    """Raised for one source file the corpus cannot take (empty, binary, too large); the
    message is the reason, which the build reports and an upload answers with."""

    code = "source-skipped"
    title = "这个文件不能加入语料库"


class UpstreamError(JianggaoError):
    """Raised when the model endpoint fails after the client's retries (5xx, 4xx, unreachable)."""

    code = "upstream-error"
    title = "大模型服务出错"


class UpstreamTimeout(UpstreamError):
    """Raised when the model endpoint sends nothing for longer than the request timeout."""

    code = "upstream-timeout"
    title = "大模型服务超时"


class UpstreamRateLimited(UpstreamError):
    """Raised when the model endpoint still answers 429 Too Many Requests after retries."""

    code = "upstream-rate-limited"
    title = "大模型服务限流，请稍后再试"


class UpstreamBadResponse(UpstreamError):
    """Raised when the model's answer is malformed, or unusable output persists after retries."""

    code = "upstream-bad-response"
    title = "大模型的回答无法使用"


class StoreError(JianggaoError):
    """Raised when the draft database cannot be opened, read or written."""

    code = "store-error"
    title = "草稿保存失败"


class JudgeAnswerError(JianggaoError):
    """The model's review of a draft is not the JSON asked for (the draft stands; the review
    is left out with a note)."""

    code = "judge-answer"
    title = "模型评审的回答无法读取"


class Busy(JianggaoError):
    """Raised when a worker already has its limit of drafts in flight: try again shortly
    (the API answers 503 with Retry-After)."""

    code = "busy"
    title = "服务繁忙"

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class RateLimited(JianggaoError):
    """Raised when one API key (or client address) has made its allowed number of costly
    requests in the last minute (the API answers 429 with Retry-After)."""

    code = "rate-limited"
    title = "请求太频繁"

    def __init__(self, detail: str, *, retry_after_s: int) -> None:
        super().__init__(detail)
        self.retry_after_s = retry_after_s
