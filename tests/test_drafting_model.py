"""The model drafter through the real openai client and a fake upstream on loopback: outline
first, parts in parallel, cleaning, repair, retries, and upstream failures as 502/504.
Drafts here are written a part a call (`parallel`) unless a test says otherwise; sub-point
drafting has its own tests (tests/test_subpoints.py) and shares the cleaning ones here."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.testing.fake_upstream import Drop, FakeUpstream, Pacing, Reply, Slow, Status, Truncate
from service.testing.model_responder import Faults, ModelResponder
from tests.apphelpers import brief_names, example_brief, running_app, settings_for, sse_events

BRIEF: dict[str, Any] = {
    "speech_type": "work_meeting",
    "meeting": "全县安全生产工作会议",
    "speaker": "县长",
    "purpose": "部署今年安全生产工作",
    "points": [
        {"title": "压实安全生产责任", "details": ["落实党政同责", "落实企业主体责任"]},
        {"title": "深化隐患排查整治", "details": ["聚焦重点行业领域"]},
        {"title": "提升应急处置能力", "details": []},
    ],
    "required_phrases": ["人民至上、生命至上", "两个维护"],
    "target_chars": 2400,
}


@pytest.fixture
def upstream() -> Iterator[FakeUpstream]:
    with FakeUpstream(ModelResponder()) as fake:
        yield fake


def _client(tmp_path: Path, build_dir: Path, fake: FakeUpstream, **changes: Any) -> Any:
    values = {
        "drafter": "openai",
        "openai_base_url": fake.base_url,
        "openai_api_key": "test-key",
        "model": "fake-model",
        "request_timeout_s": 2.0,
        "max_retries": 2,
        "draft_mode": "parallel",
        **changes,
    }
    return running_app(settings_for(tmp_path, build_dir, **values))


def _failed(draft: dict[str, Any]) -> list[dict[str, Any]]:
    return [c for c in draft["report"]["checks"] if not c["passed"]]


def _draft(client: TestClient, brief: dict[str, Any] | None = None) -> dict[str, Any]:
    response = client.post("/v1/drafts", json=brief or BRIEF)
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_well_behaved_model_gives_a_passing_draft(
    tmp_path: Path, build_dir: Path, upstream: FakeUpstream
) -> None:
    with _client(tmp_path, build_dir, upstream) as client:
        draft = _draft(client)
    assert draft["drafter"] == "openai" and draft["model"] == "fake-model"
    assert draft["report"]["passed"], _failed(draft)
    chats = upstream.chat_requests
    assert chats[0].body.get("response_format") is not None  # the outline, as JSON
    parts = len(draft["outline"]["parts"])
    # the outline, every part streamed, then one review of the whole draft
    assert len(chats) == 1 + parts + 1 and all(r.stream for r in chats[1:-1])
    assert "评审下面这篇" in chats[-1].messages[-1]["content"] and not chats[-1].stream
    assert draft["usage"]["calls"] == 1 + parts + 1 and draft["usage"]["total_tokens"] > 0
    assert "下面，我讲三点意见。" in draft["text"]
    assert next(p["heading"] for p in draft["outline"]["parts"] if p["heading"])


@pytest.mark.parametrize("mode", ["parallel", "subpoints"])
def test_formulas_a_model_writes_are_the_programs_alone(
    tmp_path: Path, build_dir: Path, mode: str
) -> None:
    """A model that writes salutation, heading, transition and 谢谢大家！ into every part (or
    every item): the finished draft has each once, where the program puts it."""
    faults = Faults(own_formulas=True)
    with (
        FakeUpstream(ModelResponder(faults)) as fake,
        _client(tmp_path, build_dir, fake, draft_mode=mode) as c,
    ):
        draft = _draft(c)
    text = draft["text"]
    assert text.count("谢谢大家") == 1 and text.rstrip().endswith("谢谢大家！")
    assert "谢谢！" not in text
    assert text.count("同志们：") == 1 and text.count("下面，我讲三点意见。") == 1
    headings = [p["heading"] for p in draft["outline"]["parts"] if p["heading"]]
    assert all(text.count(h) == 1 for h in headings)
    checks = {c["name"]: c for c in draft["report"]["checks"]}
    assert checks["sign_off"]["passed"] and draft["report"]["passed"], _failed(draft)


@pytest.mark.parametrize("mode", ["parallel", "subpoints"])
def test_markdown_chatter_and_traditional_are_cleaned(
    tmp_path: Path, build_dir: Path, mode: str
) -> None:
    faults = Faults(markdown_and_chatter=True, traditional=True)
    with (
        FakeUpstream(ModelResponder(faults)) as fake,
        _client(tmp_path, build_dir, fake, draft_mode=mode) as client,
    ):
        draft = _draft(client)
    assert "**" not in draft["text"] and "希望对您有帮助" not in draft["text"]
    checks = {c["name"]: c["passed"] for c in draft["report"]["checks"]}
    assert checks["traditional"] and checks["markdown"] and checks["chatter"]


def test_wrong_point_count_in_outline_falls_back_to_the_brief(
    tmp_path: Path, build_dir: Path
) -> None:
    faults = Faults(outline_points=5)
    with FakeUpstream(ModelResponder(faults)) as fake, _client(tmp_path, build_dir, fake) as client:
        draft = _draft(client)
    outline_calls = [
        r
        for r in fake.chat_requests
        if r.body.get("response_format") and "评审下面这篇" not in r.messages[-1]["content"]
    ]
    assert len(outline_calls) == 2  # asked again once, told what was wrong
    assert "提纲不合要求" in outline_calls[1].messages[-1]["content"]
    assert any("改用按简报生成的提纲" in n for n in draft["notes"])
    assert draft["report"]["structure"]["points_found"] == 3


def test_outline_that_is_not_json_falls_back(tmp_path: Path, build_dir: Path) -> None:
    faults = Faults(outline_not_json=True)
    with FakeUpstream(ModelResponder(faults)) as fake, _client(tmp_path, build_dir, fake) as client:
        draft = _draft(client)
    assert draft["report"]["passed"], _failed(draft)


def test_missing_required_phrase_is_repaired(tmp_path: Path, build_dir: Path) -> None:
    faults = Faults(drop_phrases=True)
    with FakeUpstream(ModelResponder(faults)) as fake, _client(tmp_path, build_dir, fake) as client:
        draft = _draft(client)
    assert "人民至上、生命至上" in draft["text"] and "两个维护" in draft["text"]
    assert any("修改" in n for n in draft["notes"])
    repairs = [r for r in fake.chat_requests if "请修改" in r.messages[-1]["content"]]
    assert repairs and "缺少必用提法（须逐字出现）" in repairs[0].messages[-1]["content"]


def test_truncated_part_is_written_again(tmp_path: Path, build_dir: Path) -> None:
    responder = ModelResponder()
    with FakeUpstream(responder) as fake, _client(tmp_path, build_dir, fake) as client:
        fake.script([Reply(), Truncate("要压实责任，")])  # outline, then one part cut off
        draft = _draft(client)
    repairs = [r for r in fake.chat_requests if "请修改" in r.messages[-1]["content"]]
    assert any("截断" in r.messages[-1]["content"] or "太短" in r.messages[-1]["content"]
               for r in repairs)  # fmt: skip
    assert draft["report"]["passed"], _failed(draft)


def test_rate_limit_is_retried_after_the_wait_it_asks_for(tmp_path: Path, build_dir: Path) -> None:
    with FakeUpstream(ModelResponder()) as fake, _client(tmp_path, build_dir, fake) as client:
        fake.script([Status(429, retry_after=0.3)])
        draft = _draft(client)
    assert draft["report"]["passed"]
    first, second = fake.chat_requests[:2]
    assert second.received_at - first.received_at >= 0.25


def test_server_errors_after_retries_are_a_502_and_recorded(
    tmp_path: Path, build_dir: Path
) -> None:
    with (
        FakeUpstream(ModelResponder()) as fake,
        _client(tmp_path, build_dir, fake, max_retries=1) as client,
    ):
        fake.script([Status(500), Status(500), Status(500)])
        response = client.post("/v1/drafts", json=BRIEF)
        assert response.status_code == 502, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        listing = client.get("/v1/drafts").json()
    assert listing["items"][0]["status"] == "failed" and listing["items"][0]["error"]


def test_silent_upstream_is_a_504(tmp_path: Path, build_dir: Path) -> None:
    with (
        FakeUpstream(ModelResponder()) as fake,
        _client(tmp_path, build_dir, fake, max_retries=0, request_timeout_s=0.5) as client,
    ):
        fake.script([Slow(delay=3)])
        response = client.post("/v1/drafts", json=BRIEF)
    assert response.status_code == 504, response.text


def test_dropped_connection_mid_part_is_a_502_event_when_streaming(
    tmp_path: Path, build_dir: Path
) -> None:
    with (
        FakeUpstream(ModelResponder()) as fake,
        _client(tmp_path, build_dir, fake, max_retries=0) as client,
    ):
        fake.script([Reply(), Drop(after_tokens=5)])
        response = client.post("/v1/drafts", json=BRIEF, headers={"Accept": "text/event-stream"})
    events = sse_events(response.text)
    names = [name for name, _ in events]
    assert names[0] == "outline.delta" and "outline" in names
    name, data = events[-1]
    assert name == "error" and data["status"] == 502


def test_single_mode_writes_the_whole_speech_in_one_call(
    tmp_path: Path, build_dir: Path, upstream: FakeUpstream
) -> None:
    with _client(tmp_path, build_dir, upstream) as client:
        draft = _draft(client, {**BRIEF, "mode": "single"})
    assert draft["mode"] == "single"
    streamed = [r for r in upstream.chat_requests if r.stream]
    assert len(streamed) == 1
    assert draft["report"]["structure"]["points_found"] == 3


@pytest.mark.parametrize("name", brief_names())
def test_every_example_brief_through_the_model(
    tmp_path: Path, build_dir: Path, upstream: FakeUpstream, name: str
) -> None:
    with _client(tmp_path, build_dir, upstream) as client:
        draft = _draft(client, example_brief(name))
    assert draft["drafter"] == "openai"
    assert draft["report"]["passed"], _failed(draft)


def test_a_draft_that_outruns_its_deadline_is_a_504(tmp_path: Path, build_dir: Path) -> None:
    trickle = Pacing(first_token_s=0.0, tokens_per_s=20)  # answers, but far too slowly
    with (
        FakeUpstream(ModelResponder(), pacing=trickle) as fake,
        _client(tmp_path, build_dir, fake, draft_timeout_s=1.0) as client,
    ):
        response = client.post("/v1/drafts", json=BRIEF)
        assert response.status_code == 504, response.text
        assert "秒仍未完成" in response.json()["detail"]
        assert client.get("/v1/drafts").json()["items"][0]["status"] == "failed"


_CLOSING_GIST = (
    "号召全县上下坚持人民至上、生命至上，确保人民群众生命财产安全，以“时时放心不下”的"
    "责任感抓好防汛各项工作，确保安全度汛，以实际行动交出满意答卷。"
)


def _planned_outline(request: dict[str, Any]) -> str:
    """An outline a model proposes (and a leader approves): its own lengths, a point with four
    sub-points, a long closing gist with a quotation, and a title without the speaker."""
    points = [
        {"heading": "压实安全生产责任", "subpoints": ["党政同责", "企业主体责任"], "chars": 500},
        {
            "heading": "深化隐患排查整治",
            "subpoints": ["重点行业领域", "城镇燃气", "自建房", "消防通道"],
            "chars": 900,
        },
        {"heading": "提升应急处置能力", "subpoints": [], "chars": 600},
    ]
    sections = [
        {"role": "opening", "heading": "", "gist": "说明会议任务", "items": [], "chars": 300},
        {"role": "points", "heading": "", "gist": "", "items": [], "chars": 2000},
        {"role": "closing", "heading": "", "gist": _CLOSING_GIST, "items": [], "chars": 250},
    ]
    return json.dumps(
        {"title": "在全县会议上的讲话", "sections": sections, "points": points},
        ensure_ascii=False,
    )


def test_the_approved_outline_is_the_plan_of_every_part_prompt(
    tmp_path: Path, build_dir: Path
) -> None:
    writer = ModelResponder()

    def responder(request: dict[str, Any]) -> Any:
        if request.get("response_format"):
            writer(request)  # the stand-in remembers the brief, as a model's context would
            return _planned_outline(request)
        return writer(request)

    with FakeUpstream(responder) as fake, _client(tmp_path, build_dir, fake) as client:
        draft = _draft(client)
    assert not any("提纲不合格式" in n for n in draft["notes"]), draft["notes"]
    assert draft["title"] == "县长在全县安全生产工作会议上的讲话"  # the program's title
    prompts = [r.messages[-1]["content"] for r in fake.chat_requests[1:] if r.stream]
    by_heading = {h: next(p for p in prompts if f"本点标题已定为“{h}”" in p) for h in
                  ("压实安全生产责任", "深化隐患排查整治", "提升应急处置能力")}  # fmt: skip
    assert "篇幅：约500字" in by_heading["压实安全生产责任"]
    assert "篇幅：约900字" in by_heading["深化隐患排查整治"]
    assert "四是……”（共4条）" in by_heading["深化隐患排查整治"]
    assert "二是……”（共2条）" in by_heading["压实安全生产责任"]
    assert "篇幅：约600字" in by_heading["提升应急处置能力"]
    closing = next(p for p in prompts if "只写其中的“结尾号召”部分" in p)
    assert _CLOSING_GIST in closing  # the part's own gist, whole
    for prompt in prompts:
        outline = prompt.split("<outline>", 1)[-1].split("</outline>", 1)[0]
        for line in outline.split("\n"):
            assert line.count("“") == line.count("”"), line
        assert "谢谢大家" not in outline


def test_no_prompt_shows_an_off_topic_example(
    tmp_path: Path, build_dir: Path, upstream: FakeUpstream
) -> None:
    """The bundled corpus speaks of 主题教育; a flood brief's prompts show none of it."""
    flood = {
        **BRIEF,
        "speech_type": "mobilization",
        "meeting": "全市防汛工作动员部署会议",
        "points": ["压实防汛责任", "排查整治风险隐患", "做好应急准备"],
        "required_phrases": ["人民至上、生命至上"],
    }
    with _client(tmp_path, build_dir, upstream) as client:
        draft = _draft(client, flood)
    prompts = [r.messages[-1]["content"] for r in upstream.chat_requests]
    assert draft["examples"] == [] and all("<examples>" not in p for p in prompts)
    assert all("没有相近的范文" in p for p in prompts if "请直接输出这一部分的正文" in p)
