"""Every error a writer can cause reads as plain Chinese: the field named in words, the limit
that was passed given with its number, and no Python lists, quotes, `None` or `null`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.api.problems import field_label
from service.limits import MEETING_MAX_CHARS
from tests.apphelpers import example_brief, running_app, settings_for

# What a developer's message looks like: a Python list or repr, None/null, an English sentence.
DEVELOPER_TEXT = re.compile(r"\[|\]|'|\bNone\b|\bnull\b|undefined|[A-Za-z]{4,} [A-Za-z]{3,}")


@pytest.fixture
def client(tmp_path: Path, build_dir: Path) -> Iterator[TestClient]:
    with running_app(settings_for(tmp_path, build_dir)) as running:
        yield running


def _plain(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    shown = [body["title"], body["detail"], *(e["message"] for e in body.get("errors", []))]
    for text in shown:
        assert not DEVELOPER_TEXT.search(text), text
    return body


def test_a_limit_that_is_passed_is_named_with_its_number(client: TestClient) -> None:
    brief = example_brief("work_meeting")
    long_name = _plain(client.post("/v1/drafts", json={**brief, "meeting": "会" * 300}), 422)
    limit = MEETING_MAX_CHARS  # one home for the limit: what the title can take
    assert long_name["errors"][0]["message"] == f"内容太长，最多 {limit} 个字，现在是 300 个字"
    assert long_name["detail"].startswith("会议名称：")
    many = _plain(client.post("/v1/outlines", json={**brief, "points": ["压实责任"] * 13}), 422)
    assert "最多 12 条" in many["detail"] and "13 条" in many["detail"]
    short = _plain(client.post("/v1/drafts", json={**brief, "target_chars": 100}), 422)
    assert short["errors"][0]["message"] == "数值太小，不能少于 500"
    assert short["detail"].startswith("目标字数：")
    missing = {k: v for k, v in brief.items() if k != "speaker"}
    assert (
        _plain(client.post("/v1/drafts", json=missing), 422)["detail"] == "讲话人职务：必填，请填写"
    )
    said = _plain(client.post("/v1/drafts", json={**brief, "meeting": "开会"}), 422)
    assert said["errors"][0]["message"].startswith("会议名称“开会”没有说明")  # no "Value error,"


def test_an_outline_that_does_not_fit_is_told_in_part_names(client: TestClient) -> None:
    brief = example_brief("work_meeting")
    outline = client.post("/v1/outlines", json=brief).json()
    shuffled = {**outline, "parts": outline["parts"][::-1]}
    wrong = _plain(client.post("/v1/drafts", json={**brief, "outline": shuffled}), 422)
    assert wrong["title"] == "提纲不合要求"
    assert "应依次为：开场、" in wrong["detail"] and "现在是：" in wrong["detail"]
    headless = {**outline, "parts": [dict(p) for p in outline["parts"]]}
    for part in headless["parts"][2:4]:
        part["heading"] = ""
    missing = _plain(client.post("/v1/drafts", json={**brief, "outline": headless}), 422)
    assert missing["detail"] == "第3、4部分是编号部分，要有标题"


def test_an_instruction_the_builtin_drafter_cannot_follow_makes_no_new_version(
    client: TestClient,
) -> None:
    draft = client.post("/v1/drafts", json=example_brief("work_meeting")).json()
    index = next(i for i, s in enumerate(draft["sections"]) if s["role"] == "points")
    url = f"/v1/drafts/{draft['id']}/sections/{index}/regenerate"
    refused = _plain(client.post(url, json={"instruction": "改得生动一些"}), 422)
    assert refused["field"] == "instruction"
    assert "没有生成新版本" in refused["detail"] and "更精炼" in refused["detail"]
    assert client.get(f"/v1/drafts/{draft['id']}").json()["version"] == 1
    followed = client.post(url, json={"instruction": "更精炼"})
    assert followed.status_code == 201 and followed.json()["version"] == 2
    title = f"/v1/drafts/{draft['id']}/sections/0/regenerate"  # a part the program writes
    fixed = _plain(client.post(title, json={"instruction": "更精炼"}), 422)
    assert fixed["detail"] == "第 0 部分（标题）由程序按格式写成，不需要重写"


def test_what_does_not_exist_is_said_in_words(client: TestClient) -> None:
    gone = _plain(client.get("/v1/drafts/nothing-here"), 404)
    assert gone["detail"] == "没有编号为 nothing-here 的草稿" and gone["title"] == "找不到"
    draft = client.post("/v1/drafts", json=example_brief("pledge")).json()
    later = _plain(client.get(f"/v1/drafts/{draft['id']}", params={"version": 5}), 404)
    assert later["detail"] == f"草稿 {draft['id']} 没有第 5 版"
    assert _plain(client.get("/v1/nowhere"), 404)["detail"] == "没有这个地址"


def test_field_paths_in_words() -> None:
    assert field_label("points.1.details.0") == "要讲的几点第2点的具体内容第1条"
    assert field_label("achievements.3") == "成绩第4行"
    assert field_label("agenda.0.topic") == "议程第1项的内容"
    assert field_label("outline.parts.2.heading") == "提纲第3部分的标题"
