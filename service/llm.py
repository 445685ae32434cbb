"""Async chat client for any OpenAI-compatible endpoint; the only module that imports `openai`.

Works with OpenAI, DeepSeek, Qwen (DashScope), vLLM and Ollama: base URL, key and
model come from Settings. Retries are the openai client's own (checked in its
source, openai 3.x `_base_client.py`): on connection errors, timeouts, 408, 409,
429 and 5xx it retries up to `max_retries` times, waiting 0.5 s doubling to 8 s
(minus up to 25 % jitter), or exactly what `retry-after-ms` / `Retry-After` asks
when that is between 0 and 120 s; a longer Retry-After means no retry at all.
Retries stop once a stream's response headers have arrived. The timeout is
httpx's per-operation timeout: it bounds each wait for bytes (the whole
generation for `complete`, each silence for `stream`), not a call's total time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import re
from collections.abc import AsyncGenerator, AsyncIterator, Iterator, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from types import TracebackType
from typing import Any, cast

import openai
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from openai.types.shared_params import ResponseFormatJSONObject

from service.config import Settings
from service.errors import (
    ConfigError,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamTimeout,
)
from service.logs import get_logger, log_event
from service.text.tokens import Message

log = get_logger(__name__)
# Local servers (Ollama, vLLM without --api-key) ignore the key, but the client insists on one.
DUMMY_API_KEY = "not-needed"
CONNECT_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class TokenUsage:
    """Tokens one call used, as the endpoint reported them."""

    prompt_tokens: int
    completion_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens


@dataclass
class UsageTally:
    """Running totals over many calls: what a draft reports as its cost."""

    calls: int = 0
    failed_calls: int = 0
    unreported_calls: int = 0  # finished calls whose endpoint sent no usage
    prompt_tokens: int = 0
    completion_tokens: int = 0

    @property
    def total_tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    def add(self, usage: TokenUsage | None, *, ok: bool) -> None:
        """Count one call; failed calls count too, since the endpoint may have billed them."""
        self.calls += 1
        self.failed_calls += not ok
        if usage is None:
            self.unreported_calls += ok
            return
        self.prompt_tokens += usage.prompt_tokens
        self.completion_tokens += usage.completion_tokens


_usage_scopes: ContextVar[tuple[UsageTally, ...]] = ContextVar("usage_scopes", default=())


@contextlib.contextmanager
def track_usage() -> Iterator[UsageTally]:
    """Tally every call made in this context, including tasks it starts (e.g. one draft)."""
    tally = UsageTally()
    token = _usage_scopes.set((*_usage_scopes.get(), tally))
    try:
        yield tally
    finally:
        _usage_scopes.reset(token)


@dataclass(frozen=True)
class Completion:
    """A finished answer; `finish_reason == "length"` means the token limit cut it off."""

    text: str
    finish_reason: str
    usage: TokenUsage | None

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"


def llm_configured(settings: Settings) -> bool:
    """True when an endpoint is configured: an API key, or a base URL (local servers need none)."""
    key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else ""
    return bool(key.strip() or (settings.openai_base_url or "").strip())


class ChatClient:
    """One endpoint and model; build once per process, share across requests."""

    def __init__(
        self,
        *,
        model: str,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        max_concurrency: int = 4,
        temperature: float = 0.7,
    ) -> None:
        self.model = model
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.temperature = temperature
        self.usage = UsageTally()
        self._slots = asyncio.Semaphore(max_concurrency)
        self._openai = openai.AsyncOpenAI(
            api_key=api_key or DUMMY_API_KEY,
            base_url=base_url,
            timeout=openai.Timeout(timeout_s, connect=min(timeout_s, CONNECT_TIMEOUT_S)),
            max_retries=max_retries,
            http_client=openai.DefaultAsyncHttpxClient(
                event_hooks={"request": [_count_attempt], "response": [self._log_refusal]}
            ),
        )

    @classmethod
    def from_settings(cls, settings: Settings) -> ChatClient:
        """The client the settings describe; ConfigError when no endpoint is configured."""
        if not llm_configured(settings):
            raise ConfigError(
                "No model endpoint is configured: set OPENAI_API_KEY, or OPENAI_BASE_URL "
                "for a local server such as Ollama or vLLM.",
                field="openai_api_key",
            )
        key = settings.openai_api_key.get_secret_value() if settings.openai_api_key else None
        return cls(
            model=settings.model,
            base_url=settings.openai_base_url,
            api_key=key,
            timeout_s=settings.request_timeout_s,
            max_retries=settings.max_retries,
            max_concurrency=settings.max_concurrency,
            temperature=settings.temperature,
        )

    async def complete(
        self, messages: Sequence[Message], *, max_tokens: int, json_mode: bool = False
    ) -> Completion:
        """One whole answer; truncation is reported in `finish_reason`, not raised."""
        response_format = _response_format(json_mode)
        completion: Completion | None = None
        async with self._slots:
            try:
                with self._mapped_errors():
                    response = await self._openai.chat.completions.create(
                        model=self.model,
                        messages=_params(messages),
                        max_tokens=max_tokens,
                        temperature=self.temperature,
                        response_format=response_format,
                    )
                completion = _read_completion(response)
            finally:
                ok = completion is not None
                self._account(completion.usage if completion else None, ok=ok)
        return completion

    def stream(
        self, messages: Sequence[Message], *, max_tokens: int, json_mode: bool = False
    ) -> ChatStream:
        """Text deltas as they arrive; the request starts on first iteration."""
        return ChatStream(self, list(messages), max_tokens, json_mode=json_mode)

    async def models(self) -> list[str]:
        """Model ids the endpoint offers: a cheap reachability check."""
        with self._mapped_errors():
            page = await self._openai.models.list()
        return [model.id for model in page.data]

    async def unreachable(self, timeout_s: float) -> str | None:
        """Why the endpoint cannot be reached, or None when it answers at all (any HTTP
        status counts: it is there). One request, no retries, for readiness checks."""
        try:
            await asyncio.wait_for(
                self._openai.with_options(max_retries=0).models.list(), timeout_s
            )
        except (TimeoutError, openai.APITimeoutError):
            return f"no answer within {timeout_s:g} s"
        except openai.APIStatusError:
            return None
        except openai.APIError as exc:
            return _without_addresses(str(exc.__cause__ or exc))[:200]
        return None

    async def aclose(self) -> None:
        await self._openai.close()

    async def __aenter__(self) -> ChatClient:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    def _account(self, usage: TokenUsage | None, *, ok: bool) -> None:
        for tally in (self.usage, *_usage_scopes.get()):
            tally.add(usage, ok=ok)

    async def _log_refusal(self, response: Any) -> None:
        """Every answer of 400 or above, each attempt of a retried call included."""
        attempts = _attempts.get()
        if attempts is not None:
            attempts.retry_after = response.headers.get("retry-after")
        if response.status_code >= 400:
            log_event(
                log,
                "model.response",
                logging.WARNING,
                model=self.model,
                status=response.status_code,
                retry_after=response.headers.get("retry-after"),
            )

    @contextlib.contextmanager
    def _mapped_errors(self, *, mid_stream: bool = False) -> Iterator[None]:
        """Our errors for the openai client's, each failed call logged once."""
        try:
            with self._translated(mid_stream):
                yield
        except UpstreamError as error:
            log_event(
                log,
                "model.call.failed",
                logging.WARNING,
                model=self.model,
                error=error.code,
                mid_stream=mid_stream,
                detail=error.detail[:200],
            )
            raise

    @contextlib.contextmanager
    def _translated(self, mid_stream: bool) -> Iterator[None]:
        """Translate the openai client's exceptions into ours, in plain words: the retries
        said are those made, and no message carries the endpoint's address."""
        attempts = _Attempts()
        _attempts.set(attempts)  # this call's own: each task runs in a copy of the context
        try:
            yield
        except openai.APIError as exc:
            retries = _retries_said(attempts, mid_stream)
            raise self._ours(exc, retries) from exc
        except json.JSONDecodeError as exc:
            raise UpstreamBadResponse(
                f"The model endpoint's answer is not valid JSON ({exc.msg} at {exc.pos})."
            ) from exc

    def _ours(self, exc: openai.APIError, retries: str) -> UpstreamError:
        """The openai client's error as ours, in plain words."""
        if isinstance(exc, openai.APITimeoutError):  # before its base, APIConnectionError
            return UpstreamTimeout(
                f"The model endpoint sent nothing for {self.timeout_s:g} s {retries}."
            )
        if isinstance(exc, openai.RateLimitError):
            return UpstreamRateLimited(
                f"The model endpoint is still rate limiting (429) {retries}: {_said(exc)}"
            )
        if isinstance(exc, openai.APIConnectionError):
            return UpstreamError(
                f"The connection to the model endpoint failed {retries}: "
                f"{_without_addresses(str(exc.__cause__ or exc))}"
            )
        if isinstance(exc, openai.APIStatusError):
            return _status_error(exc, self.model, retries)
        if isinstance(exc, openai.APIResponseValidationError):
            return UpstreamBadResponse(f"The model endpoint's answer is malformed: {exc}")
        return UpstreamError(f"The model endpoint reported an error: {_said(exc)}")


class ChatStream:
    """An async iterator of text deltas; `finish_reason` and `usage` are set once it ends."""

    def __init__(
        self, client: ChatClient, messages: list[Message], max_tokens: int, *, json_mode: bool
    ) -> None:
        self.json_mode = json_mode
        self.finish_reason: str | None = None
        self.usage: TokenUsage | None = None
        self._client = client
        self._messages = messages
        self._max_tokens = max_tokens
        self._deltas = self._run()

    @property
    def truncated(self) -> bool:
        return self.finish_reason == "length"

    def __aiter__(self) -> ChatStream:
        return self

    async def __anext__(self) -> str:
        return await self._deltas.__anext__()

    async def aclose(self) -> None:
        """Stop early: closes the connection and frees the concurrency slot."""
        await self._deltas.aclose()

    async def __aenter__(self) -> ChatStream:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def _run(self) -> AsyncGenerator[str, None]:
        client = self._client
        finished = False
        async with client._slots:
            try:
                async for delta in self._receive():
                    yield delta
                finished = True
            finally:  # failed, abandoned and cancelled streams are counted too
                client._account(self.usage, ok=finished)

    async def _receive(self) -> AsyncIterator[str]:
        """The deltas of one streamed answer. Chunks already buffered (a fast model, a burst
        over the network) are parsed without the loop ever waiting for bytes, so after each
        one other requests get their turn: with an instant model, /healthz p95 fell from
        0.86 s to 40 ms (evals/bench/bench_load.py 1 --model instant)."""
        client = self._client
        with client._mapped_errors():
            chunks = await client._openai.chat.completions.create(
                model=client.model,
                messages=_params(self._messages),
                max_tokens=self._max_tokens,
                temperature=client.temperature,
                stream=True,
                stream_options={"include_usage": True},
                response_format=_response_format(self.json_mode),
            )
        with client._mapped_errors(mid_stream=True):
            async with chunks:
                async for chunk in chunks:
                    delta = self._take(chunk)
                    if delta:
                        yield delta
                    await asyncio.sleep(0)  # a buffered burst must not hold the loop
        if self.finish_reason is None:
            raise UpstreamBadResponse(
                "The model endpoint ended the stream without saying why (no finish_reason); "
                "the answer may be incomplete."
            )

    def _take(self, chunk: object) -> str:
        """Note usage and finish_reason from one chunk; return its text, if any."""
        self.usage = _read_usage(getattr(chunk, "usage", None)) or self.usage
        choice = _first(getattr(chunk, "choices", None))
        finish = getattr(choice, "finish_reason", None)
        if isinstance(finish, str):
            self.finish_reason = finish
        content = getattr(getattr(choice, "delta", None), "content", None)
        return content if isinstance(content, str) else ""


def _response_format(json_mode: bool) -> ResponseFormatJSONObject | openai.Omit:
    return {"type": "json_object"} if json_mode else openai.omit


def _params(messages: Sequence[Message]) -> list[ChatCompletionMessageParam]:
    return cast(list[ChatCompletionMessageParam], [dict(m) for m in messages])


def _first(items: object) -> object:
    return items[0] if isinstance(items, list) and items else None


def _read_usage(usage: object) -> TokenUsage | None:
    prompt = getattr(usage, "prompt_tokens", None)
    completion = getattr(usage, "completion_tokens", None)
    if isinstance(prompt, int) and isinstance(completion, int):
        return TokenUsage(prompt, completion)
    return None


def _read_completion(response: object) -> Completion:
    """Check the shape ourselves: the openai client does not validate responses by default."""
    if not isinstance(response, ChatCompletion):
        raise UpstreamBadResponse(
            f"The model endpoint answered with something that is not a chat completion: "
            f"{str(response)[:120]!r}"
        )
    choice = _first(getattr(response, "choices", None))
    text = getattr(getattr(choice, "message", None), "content", None)
    finish = getattr(choice, "finish_reason", None)
    if not isinstance(finish, str) or not isinstance(text, str | None):
        raise UpstreamBadResponse("The model endpoint's answer has no message or finish reason.")
    return Completion(text or "", finish, _read_usage(getattr(response, "usage", None)))


@dataclass
class _Attempts:
    """The HTTP requests one call made (the openai client retries inside one call)."""

    count: int = 0
    retry_after: str | None = None


_attempts: ContextVar[_Attempts | None] = ContextVar("model_call_attempts", default=None)


async def _count_attempt(request: Any) -> None:
    attempts = _attempts.get()
    if attempts is not None:
        attempts.count += 1


def _retries_said(attempts: _Attempts, mid_stream: bool) -> str:
    """The retries made, not the ones allowed: none when the endpoint asked to wait longer
    than the client waits, or when the stream had begun."""
    if mid_stream:
        return "mid-answer (a started stream is not retried)"
    retries = max(attempts.count - 1, 0)
    if retries == 0:
        asked = f" (it asked to wait {attempts.retry_after} s)" if attempts.retry_after else ""
        return f"without a retry{asked}"
    return f"after {retries} {'retry' if retries == 1 else 'retries'}"


_ADDRESS = re.compile(r"\b(?:https?|wss?)://[^\s'\"<>)]+|\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b")


def _without_addresses(text: str) -> str:
    """An error text with URLs and IP addresses left out: never echo internal endpoints."""
    return _ADDRESS.sub("（地址已略去）", text)


def _said(exc: openai.APIError) -> str:
    """The endpoint's own error message, shortened."""
    body = exc.body
    message = body.get("message") if isinstance(body, dict) else None
    return _without_addresses(str(message or exc.message))[:300]


def _status_error(exc: openai.APIStatusError, model: str, retries: str) -> UpstreamError:
    code = exc.status_code
    if code in (401, 403):
        what = f"rejected the API key ({code}); check OPENAI_API_KEY"
    elif code == 404:
        what = f"has no model {model!r} or no chat API at this base URL (404)"
    elif code >= 500:
        what = f"failed with {code} {retries}"
    else:
        what = f"refused the request ({code})"
    return UpstreamError(f"The model endpoint {what}: {_said(exc)}")
