"""ChatClient against the fake upstream: the real openai client over real loopback HTTP."""

from __future__ import annotations

import asyncio
import itertools
import time
from typing import Any

import pytest

from service.config import Settings
from service.errors import (
    ConfigError,
    UpstreamBadResponse,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamTimeout,
)
from service.llm import DUMMY_API_KEY, ChatClient, llm_configured, track_usage
from service.testing.fake_upstream import (
    Drop,
    FakeUpstream,
    Malformed,
    Pacing,
    Reply,
    Slow,
    Status,
    Truncate,
    split_tokens,
)
from service.text.tokens import Message
from tests.apphelpers import free_port

pytestmark = pytest.mark.anyio

PROMPT: list[Message] = [
    {"role": "system", "content": "你是讲话稿起草助手。"},
    {"role": "user", "content": "写一段开场白"},
]
CONNECTION_FAILED = r"connection to the model endpoint failed"
OPENING = "同志们：今天，我们召开全市安全生产工作会议，主要任务是部署今年工作。"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def client_for(fake: FakeUpstream, **overrides: Any) -> ChatClient:
    options: dict[str, Any] = {
        "model": "fake-model",
        "base_url": fake.base_url,
        "api_key": "test-key",
        "timeout_s": 2.0,
        "max_retries": 2,
        "max_concurrency": 4,
    }
    return ChatClient(**(options | overrides))


def gaps(fake: FakeUpstream) -> list[float]:
    times = [r.received_at for r in fake.chat_requests]
    return [b - a for a, b in itertools.pairwise(times)]


async def test_complete_returns_text_finish_reason_and_usage(fake_upstream: FakeUpstream) -> None:
    async with client_for(fake_upstream) as client:
        result = await client.complete(PROMPT, max_tokens=300)
    assert result.text == "收到：写一段开场白"
    assert result.finish_reason == "stop" and not result.truncated
    prompt_tokens = sum(len(split_tokens(m["content"])) for m in PROMPT)
    assert result.usage is not None
    assert (result.usage.prompt_tokens, result.usage.completion_tokens) == (
        prompt_tokens,
        len(split_tokens(result.text)),
    )
    [sent] = fake_upstream.chat_requests
    assert sent.messages == PROMPT and sent.max_tokens == 300 and not sent.stream
    assert sent.body["model"] == "fake-model" and sent.body["temperature"] == 0.7
    assert "response_format" not in sent.body
    assert sent.headers["authorization"] == "Bearer test-key"


async def test_stream_deltas_join_to_the_full_text(fake_upstream: FakeUpstream) -> None:
    fake_upstream.script([Reply(OPENING)])
    async with client_for(fake_upstream) as client:
        stream = client.stream(PROMPT, max_tokens=200)
        deltas = [delta async for delta in stream]
    assert len(deltas) == len(split_tokens(OPENING)) and "".join(deltas) == OPENING
    assert stream.finish_reason == "stop" and stream.usage is not None
    assert stream.usage.completion_tokens == len(deltas)
    [sent] = fake_upstream.chat_requests
    assert sent.stream and sent.body["stream_options"] == {"include_usage": True}
    assert sent.max_tokens == 200


async def test_stream_from_a_server_that_sends_no_usage(fake_upstream: FakeUpstream) -> None:
    fake_upstream.script([Reply(OPENING, usage=False)])
    async with client_for(fake_upstream) as client:
        stream = client.stream(PROMPT, max_tokens=200)
        text = "".join([delta async for delta in stream])
    assert text == OPENING and stream.finish_reason == "stop" and stream.usage is None
    assert client.usage.calls == 1 and client.usage.unreported_calls == 1
    assert client.usage.total_tokens == 0


async def test_length_finish_reason_is_surfaced(fake_upstream: FakeUpstream) -> None:
    fake_upstream.script([Truncate("同志们：今天"), Truncate("同志们：今天")])
    async with client_for(fake_upstream) as client:
        result = await client.complete(PROMPT, max_tokens=4)
        stream = client.stream(PROMPT, max_tokens=4)
        streamed = "".join([delta async for delta in stream])
    assert result.truncated and result.finish_reason == "length" and result.text == "同志们：今天"
    assert stream.truncated and streamed == "同志们：今天"


async def test_usage_is_tallied_per_client_and_per_context(fake_upstream: FakeUpstream) -> None:
    async with client_for(fake_upstream) as client:
        await client.complete(PROMPT, max_tokens=50)  # outside the draft's scope
        with track_usage() as draft:
            stream = client.stream(PROMPT, max_tokens=50)
            first = [d async for d in stream]
            results = await asyncio.gather(
                *(client.complete(PROMPT, max_tokens=50) for _ in range(3))
            )
    per_call = results[0].usage
    assert per_call is not None and first
    assert draft.calls == 4 and draft.failed_calls == 0
    assert draft.total_tokens == 4 * per_call.total_tokens
    assert client.usage.calls == 5 and client.usage.total_tokens == 5 * per_call.total_tokens


async def test_429_waits_for_retry_after_then_succeeds(fake_upstream: FakeUpstream) -> None:
    fake_upstream.script([Status(429, retry_after=1), Reply("好的")])
    async with client_for(fake_upstream) as client:
        result = await client.complete(PROMPT, max_tokens=10)
    assert result.text == "好的"
    [gap] = gaps(fake_upstream)
    assert 0.95 <= gap < 1.5  # the header's 1 s, not the 0.5 s backoff
    assert fake_upstream.chat_requests[1].headers["x-stainless-retry-count"] == "1"


async def test_500_then_success_backs_off(fake_upstream: FakeUpstream) -> None:
    fake_upstream.script([Status(500), Reply("好的")])
    async with client_for(fake_upstream) as client:
        result = await client.complete(PROMPT, max_tokens=10)
    assert result.text == "好的"
    [gap] = gaps(fake_upstream)
    assert 0.35 <= gap < 0.9  # first backoff: 0.5 s less up to 25 % jitter
    assert client.usage.calls == 1 and client.usage.failed_calls == 0


async def test_500s_until_retries_run_out(fake_upstream: FakeUpstream) -> None:
    fake_upstream.script([Status(503, retry_after_ms=20)] * 3)
    async with client_for(fake_upstream, max_retries=2) as client:
        with pytest.raises(UpstreamError) as caught:
            await client.complete(PROMPT, max_tokens=10)
    assert type(caught.value) is UpstreamError
    assert "503" in caught.value.detail and "2 retries" in caught.value.detail
    assert len(fake_upstream.chat_requests) == 3
    assert client.usage.calls == 1 and client.usage.failed_calls == 1


async def test_429s_until_retries_run_out(fake_upstream: FakeUpstream) -> None:
    fake_upstream.script([Status(429, retry_after_ms=20, message="slow down")] * 2)
    async with client_for(fake_upstream, max_retries=1) as client:
        with pytest.raises(UpstreamRateLimited, match="slow down"):
            await client.complete(PROMPT, max_tokens=10)
    assert len(fake_upstream.chat_requests) == 2


async def test_retry_after_over_two_minutes_is_not_waited_for(
    fake_upstream: FakeUpstream,
) -> None:
    fake_upstream.script([Status(429, retry_after=600)])
    async with client_for(fake_upstream, max_retries=3) as client:
        with pytest.raises(UpstreamRateLimited) as caught:
            await client.complete(PROMPT, max_tokens=10)
    assert len(fake_upstream.chat_requests) == 1
    # the retries said are those made, not those allowed
    assert "without a retry" in caught.value.detail and "600" in caught.value.detail
    assert "retries" not in caught.value.detail


async def test_a_refused_connection_never_shows_the_endpoint_address() -> None:
    port = free_port()  # nothing listens there
    base_url = f"http://127.0.0.1:{port}/internal/v1"
    async with ChatClient(model="m", base_url=base_url, api_key="k", max_retries=1) as client:
        with pytest.raises(UpstreamError) as caught:
            await client.complete(PROMPT, max_tokens=10)
    detail = caught.value.detail
    assert "after 1 retry" in detail
    assert str(port) not in detail and "127.0.0.1" not in detail and "internal" not in detail


async def test_auth_failure_is_not_retried_and_says_so(fake_upstream: FakeUpstream) -> None:
    fake_upstream.script([Status(401, message="invalid key")])
    async with client_for(fake_upstream) as client:
        with pytest.raises(UpstreamError, match="API key"):
            await client.complete(PROMPT, max_tokens=10)
    assert len(fake_upstream.chat_requests) == 1


async def test_slow_answer_times_out_after_retrying(fake_upstream: FakeUpstream) -> None:
    fake_upstream.script([Slow(delay=3), Slow(delay=3)])
    started = time.monotonic()
    async with client_for(fake_upstream, timeout_s=0.3, max_retries=1) as client:
        with pytest.raises(UpstreamTimeout, match=r"0\.3 s"):
            await client.complete(PROMPT, max_tokens=10)
    assert time.monotonic() - started < 1.6  # 0.3 + backoff ≤ 0.5 + 0.3, nowhere near 3 s
    assert len(fake_upstream.chat_requests) == 2  # timeouts are retried too


async def test_stream_timeout_bounds_silence_not_total_time(fake_upstream: FakeUpstream) -> None:
    steady = Pacing(first_token_s=0.1, tokens_per_s=20)  # ~0.6 s in all, no gap over 0.1 s
    stalling = Pacing(first_token_s=0.05, tokens_per_s=2)  # 0.5 s between tokens
    fake_upstream.script(
        [
            Reply("一二三四五六七八九十", pacing=steady),
            Reply("一二三四五六七八九十", pacing=stalling),
        ]
    )
    async with client_for(fake_upstream, timeout_s=0.25, max_retries=0) as client:
        started = time.monotonic()
        whole = "".join([d async for d in client.stream(PROMPT, max_tokens=20)])
        assert whole == "一二三四五六七八九十" and time.monotonic() - started > 0.25
        received: list[str] = []
        with pytest.raises(UpstreamTimeout):
            async for delta in client.stream(PROMPT, max_tokens=20):
                received.append(delta)
    assert received == ["一"]


async def test_dropped_connection_is_an_upstream_error(fake_upstream: FakeUpstream) -> None:
    fake_upstream.script([Drop(), Drop()])
    async with client_for(fake_upstream, max_retries=1) as client:
        with pytest.raises(UpstreamError, match=CONNECTION_FAILED) as caught:
            await client.complete(PROMPT, max_tokens=10)
    assert not isinstance(caught.value, UpstreamTimeout)
    assert len(fake_upstream.chat_requests) == 2


async def test_connection_dropped_mid_stream(fake_upstream: FakeUpstream) -> None:
    fake_upstream.script([Drop(after_tokens=3, text=OPENING)])
    received: list[str] = []
    async with client_for(fake_upstream) as client:
        with pytest.raises(UpstreamError, match=CONNECTION_FAILED):
            async for delta in client.stream(PROMPT, max_tokens=100):
                received.append(delta)
    assert "".join(received) == OPENING[:3]
    assert len(fake_upstream.chat_requests) == 1  # a started stream is never retried
    assert client.usage.failed_calls == 1


@pytest.mark.parametrize(
    "answer",
    [
        Malformed(),
        Malformed(body='{"choices": [', content_type="application/json"),
        Malformed(body='{"object": "chat.completion"}', content_type="application/json"),
    ],
    ids=["html", "broken-json", "no-choices"],
)
async def test_malformed_answer_is_a_bad_response(
    fake_upstream: FakeUpstream, answer: Malformed
) -> None:
    fake_upstream.script([answer])
    async with client_for(fake_upstream) as client:
        with pytest.raises(UpstreamBadResponse):
            await client.complete(PROMPT, max_tokens=10)


async def test_concurrency_cap_holds_across_calls_and_streams(
    fake_upstream: FakeUpstream,
) -> None:
    fake_upstream.pacing = Pacing(first_token_s=0.15)

    async def drain(client: ChatClient) -> str:
        return "".join([d async for d in client.stream(PROMPT, max_tokens=20)])

    async with client_for(fake_upstream, max_concurrency=2) as client:
        calls = [client.complete(PROMPT, max_tokens=20) for _ in range(4)]
        await asyncio.gather(*calls, *(drain(client) for _ in range(4)))
    assert len(fake_upstream.chat_requests) == 8
    assert fake_upstream.max_in_flight == 2
    async with client_for(fake_upstream, max_concurrency=8) as client:
        await asyncio.gather(*(client.complete(PROMPT, max_tokens=20) for _ in range(8)))
    assert fake_upstream.max_in_flight >= 4  # the fake does see parallel calls when allowed


async def test_closing_a_stream_early_frees_its_slot(fake_upstream: FakeUpstream) -> None:
    fake_upstream.script([Reply(OPENING, pacing=Pacing(tokens_per_s=20))])
    async with client_for(fake_upstream, max_concurrency=1) as client:
        async with client.stream(PROMPT, max_tokens=100) as stream:
            first = await anext(stream)
        result = await asyncio.wait_for(client.complete(PROMPT, max_tokens=10), timeout=3)
    assert first == OPENING[0] and result.finish_reason == "stop"


async def test_json_mode_asks_for_a_json_object(fake_upstream: FakeUpstream) -> None:
    fake_upstream.script([Reply('{"sections": []}')])
    async with client_for(fake_upstream) as client:
        result = await client.complete(PROMPT, max_tokens=50, json_mode=True)
    assert result.text == '{"sections": []}'
    assert fake_upstream.chat_requests[0].body["response_format"] == {"type": "json_object"}


async def test_from_settings_for_a_local_server_without_key(fake_upstream: FakeUpstream) -> None:
    settings = Settings(
        openai_base_url=fake_upstream.base_url,
        openai_api_key=None,
        model="qwen2.5:7b",
        max_retries=0,
        request_timeout_s=5,
    )
    assert llm_configured(settings)
    async with ChatClient.from_settings(settings) as client:
        assert await client.models() == ["fake-model"]
        await client.complete(PROMPT, max_tokens=10)
    sent = fake_upstream.chat_requests[0]
    assert sent.headers["authorization"] == f"Bearer {DUMMY_API_KEY}"
    assert sent.body["model"] == "qwen2.5:7b"


def test_unconfigured_settings_are_refused() -> None:
    settings = Settings(openai_api_key=None, openai_base_url=None)
    assert not llm_configured(settings)
    assert llm_configured(Settings(openai_api_key="sk-test", openai_base_url=None))
    with pytest.raises(ConfigError, match="OPENAI_API_KEY"):
        ChatClient.from_settings(settings)
