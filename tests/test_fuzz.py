"""Hostile and careless input, generated (hypothesis): briefs, checks, rewrite requests and raw
bodies sent to the real app either succeed or get a 4xx problem+json that names the field in
plain Chinese; never a 500, never a Python repr. Bounded: a fixed seed and a few hundred
examples in all, no per-example deadline, so the run takes about the same time every time."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.apphelpers import brief_names, example_brief, running_app, settings_for

FUZZ = settings(
    max_examples=150,
    deadline=None,
    derandomize=True,  # the same examples on every run: CI never flakes on a new one
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
HAN = re.compile(r"[\u4e00-\u9fff]")
REPR = re.compile(r"Traceback|object at 0x|<class '|\{'type': '|\[\{'|Error\(|\bNone\b|ctx")

# Text as people paste it: Chinese, ASCII, full-width punctuation, separators, controls, emoji.
_chars = st.one_of(
    st.characters(min_codepoint=0x4E00, max_codepoint=0x4E80),
    st.sampled_from(
        list("，。；、：！？（）《》“”\n\t\r \u200b\u3000\ufeff\x00\x07;,.-1234567890")
    ),
    st.characters(codec="utf-8"),
)
texts = st.text(_chars, max_size=60) | st.text(_chars, min_size=190, max_size=320)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
BRIEFS = [example_brief(name) for name in brief_names()]


@st.composite
def briefs(draw: st.DrawFn) -> dict[str, Any]:
    """An example brief with some fields dropped, replaced, or made up."""
    brief = dict(draw(st.sampled_from(BRIEFS)))
    for key in draw(st.lists(st.sampled_from(sorted(brief)), max_size=3, unique=True)):
        choice = draw(st.integers(0, 2))
        if choice == 0:
            del brief[key]
        else:
            brief[key] = draw(texts if choice == 1 else json_values)
    if draw(st.booleans()) and brief.get("points"):
        points = list(brief["points"])
        points[draw(st.integers(0, len(points) - 1))] = draw(
            st.fixed_dictionaries({"title": texts}, optional={"details": st.lists(texts)})
            | json_values
        )
        brief["points"] = points
    if draw(st.integers(0, 9)) == 0:
        brief[draw(texts)] = draw(json_values)
    return brief


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, build_dir: Path) -> Iterator[TestClient]:
    root = tmp_path_factory.mktemp("fuzz")
    with running_app(settings_for(root, build_dir)) as app:
        yield app


@pytest.fixture(scope="module")
def draft_id(client: TestClient) -> str:
    created = client.post("/v1/drafts", json=example_brief("work_meeting"))
    assert created.status_code == 201
    return str(created.json()["id"])


def answered_plainly(response: Any, accepted: set[int]) -> None:
    """Success, or a 4xx problem+json naming its field in plain Chinese with no repr in it."""
    event(f"status {response.status_code}")  # shown by --hypothesis-show-statistics
    if response.status_code in accepted:
        return
    assert 400 <= response.status_code < 500, (response.status_code, response.text[:500])
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    detail = problem["detail"]
    assert isinstance(detail, str) and HAN.search(detail), detail
    assert not REPR.search(detail) and not REPR.search(problem["title"]), detail
    if response.status_code == 422:
        assert problem.get("field"), problem


@FUZZ
@given(brief=briefs())
def test_drafts_from_any_brief(client: TestClient, brief: dict[str, Any]) -> None:
    answered_plainly(client.post("/v1/drafts", json=brief), {201})


@FUZZ
@given(
    body=st.fixed_dictionaries(
        {"text": texts},
        optional={"brief": briefs() | json_values, "speech_type": texts | json_values},
    )
    | json_values
)
def test_checks_of_any_text(client: TestClient, body: Any) -> None:
    answered_plainly(client.post("/v1/checks", json=body), {200})


instructions = st.sampled_from(["更精炼", "更充实", "增加安全生产的内容"]) | texts.map(
    lambda words: f"增加{words}的内容"
)


@settings(FUZZ, max_examples=100)
@given(
    index=st.sampled_from([3, 5, 6, 8]) | st.integers(-(2**70), 2**70),  # drafted parts, or any
    body=st.fixed_dictionaries({"instruction": instructions | texts}) | json_values,
)
def test_rewrites_of_any_part(client: TestClient, draft_id: str, index: int, body: Any) -> None:
    response = client.post(f"/v1/drafts/{draft_id}/sections/{index}/regenerate", json=body)
    answered_plainly(response, {201})


@settings(FUZZ, max_examples=60)
@given(
    path=st.sampled_from(["/v1/drafts", "/v1/outlines", "/v1/checks"]),
    body=st.binary(max_size=300)
    | texts.map(str.encode)
    | json_values.map(json.dumps).map(str.encode)
    | st.sampled_from([b'{"meeting": NaN}', b'{"text": Infinity}', b"\xff\xfe{", b"[]" * 200]),
)
def test_any_body_bytes(client: TestClient, path: str, body: bytes) -> None:
    response = client.post(path, content=body, headers={"Content-Type": "application/json"})
    answered_plainly(response, {200, 201})
