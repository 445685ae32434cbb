"""Briefs as people write them: lists typed on one line, agenda lines as said, pasted text with
control and zero-width characters; and the briefs no draft can answer, refused before drafting
with the field named."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.schemas import AgendaItem, Brief, split_items
from tests.apphelpers import running_app, settings_for

PROBLEM = "application/problem+json"
FLOOD = {
    "speech_type": "work_meeting",
    "meeting": "全县防汛工作会议",
    "speaker": "县长",
    "organization": "青山县人民政府",
    "date": "2025年5月20日",
    "purpose": "安排部署今年防汛工作，确保安全度汛",
    "required_phrases": ["人民至上、生命至上"],
    "target_chars": 2500,
}


@pytest.fixture
def client(tmp_path: Path, build_dir: Path) -> Iterator[TestClient]:
    with running_app(settings_for(tmp_path, build_dir)) as client:
        yield client


def _problem(response: Any) -> dict[str, Any]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    return body


@pytest.mark.parametrize(
    ("typed", "items"),
    [
        (
            "压实防汛责任；排查风险隐患；做好应急准备",
            ["压实防汛责任", "排查风险隐患", "做好应急准备"],
        ),
        ("压实防汛责任;排查风险隐患", ["压实防汛责任", "排查风险隐患"]),
        ("一、压实防汛责任\n二、排查风险隐患", ["压实防汛责任", "排查风险隐患"]),
        (
            "压实防汛责任、排查风险隐患、做好应急准备",
            ["压实防汛责任", "排查风险隐患", "做好应急准备"],
        ),
        ("压实责任、强化落实", ["压实责任、强化落实"]),  # two short phrases: one point
    ],
)
def test_items_typed_on_one_line_are_split(typed: str, items: list[str]) -> None:
    assert split_items(typed) == items


def test_points_on_one_line_become_points_and_are_drafted(client: TestClient) -> None:
    brief = {**FLOOD, "points": [{"title": "压实防汛责任；排查风险隐患；做好应急准备"}]}
    draft = client.post("/v1/drafts", json=brief).json()
    assert draft["report"]["structure"]["points_found"] == 3
    assert "下面，我讲三点意见" in draft["text"] or "三个方面" in draft["text"]
    headings = [s["heading"] for s in draft["sections"] if s["heading"]]
    assert [h[2:] for h in headings] == ["压实防汛责任", "排查风险隐患", "做好应急准备"]
    as_text = client.post("/v1/drafts", json={**FLOOD, "points": "压实防汛责任；排查风险隐患"})
    assert as_text.json()["report"]["structure"]["points_found"] == 2


def test_agenda_lines_as_said() -> None:
    items = [AgendaItem.model_validate(line) for line in ("县长：讲话", "镇纪委书记宣读实施方案")]
    assert [(a.speaker, a.topic) for a in items] == [
        ("县长", "讲话"),
        ("镇纪委书记", "宣读实施方案"),
    ]
    unnamed = AgendaItem.model_validate("交流发言")
    assert (unnamed.speaker, unnamed.topic) == ("", "交流发言")


def test_a_presiding_brief_with_agenda_lines_drafts(client: TestClient) -> None:
    brief = {
        **FLOOD,
        "speech_type": "presiding",
        "speaker": "县委副书记",
        "agenda": ["县水利局局长通报汛前检查情况", "交流发言", "县长：讲话"],
    }
    draft = client.post("/v1/drafts", json=brief).json()
    text = draft["text"]
    assert "县水利局局长" in text and "交流发言" in text and "同志交流" not in text


def test_control_and_zero_width_characters_are_removed(client: TestClient) -> None:
    brief = {**FLOOD, "meeting": "全县\u0000\u0007防汛工作\u200b会议", "speaker": "县长\ufeff"}
    draft = client.post("/v1/drafts", json=brief).json()
    assert draft["title"] == "县长在全县防汛工作会议上的讲话"
    assert not any(ch in draft["text"] for ch in "\u0000\u0007\u200b\ufeff")
    assert Brief.model_validate(brief).meeting == "全县防汛工作会议"


def test_a_meeting_that_names_no_meeting_is_refused(client: TestClient) -> None:
    problem = _problem(client.post("/v1/drafts", json={**FLOOD, "meeting": "开会"}))
    assert problem["field"] == "meeting" and "开会" in problem["detail"]


def test_a_phrase_both_required_and_forbidden_is_refused(client: TestClient) -> None:
    brief = {**FLOOD, "forbidden_phrases": ["人民至上"]}
    problem = _problem(client.post("/v1/drafts", json=brief))
    assert problem["field"] == "forbidden_phrases" and "人民至上" in problem["detail"]


def test_notes_the_builtin_drafter_cannot_follow_are_answered(client: TestClient) -> None:
    brief = {**FLOOD, "notes": "多引用习近平总书记关于防汛救灾的重要论述"}
    draft = client.post("/v1/drafts", json=brief).json()
    assert any("其他说明" in note and "重要论述" in note for note in draft["notes"])
