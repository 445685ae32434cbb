"""The HTTP API with the built-in drafter: drafts, streaming, outlines, versions, checks, corpus,
and every error a user can cause answered as problem+json."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from service.pipeline.assembly import PROGRAM_PARTS
from tests.apphelpers import (
    brief_names,
    example_brief,
    running_app,
    settings_for,
    sse_events,
)
from tests.kits import KIT

PROBLEM = "application/problem+json"


@pytest.fixture
def client(tmp_path: Path, build_dir: Path) -> Iterator[TestClient]:
    with running_app(settings_for(tmp_path, build_dir)) as running:
        yield running


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


def test_healthz_names_the_builtin_drafter(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["drafter"] == "builtin"
    assert body["corpus_records"] >= 5


@pytest.mark.parametrize("name", brief_names())
def test_every_example_brief_drafts_and_passes(client: TestClient, name: str) -> None:
    response = client.post("/v1/drafts", json=example_brief(name))
    assert response.status_code == 201, response.text
    draft = response.json()
    assert draft["drafter"] == "builtin" and draft["model"] is None
    failed = [c for c in draft["report"]["checks"] if not c["passed"]]
    assert draft["report"]["passed"], failed
    assert draft["text"].startswith(draft["title"])
    assert {"id", "sections", "outline", "examples", "usage", "timings_ms", "created_at"} <= set(
        draft
    )
    stored = client.get(f"/v1/drafts/{draft['id']}").json()
    assert stored["text"] == draft["text"] and stored["version"] == 1


def test_curl_style_form_body_is_read_as_json(client: TestClient) -> None:
    raw = json.dumps(example_brief("work_meeting"), ensure_ascii=False).encode()
    response = client.post(
        "/v1/drafts",
        content=raw,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 201, response.text


def test_examples_never_include_the_news_report(client: TestClient) -> None:
    draft = client.post("/v1/drafts", json=example_brief("supervision")).json()
    assert draft["examples"]  # a 主题教育 brief, like the seeds
    assert all(not e["id"].startswith("003") for e in draft["examples"])


def test_a_brief_in_a_field_the_corpus_lacks_gets_no_off_topic_example(
    client: TestClient,
) -> None:
    """The seeds are 主题教育 speeches; a flood-control mobilisation is shown none of them."""
    brief = {
        "speech_type": "mobilization",
        "meeting": "全市防汛工作动员部署会议",
        "speaker": "市长",
        "points": ["压实防汛责任", "排查整治风险隐患", "做好应急准备"],
        "target_chars": 2000,
    }
    draft = client.post("/v1/drafts", json=brief).json()
    assert draft["examples"] == []
    assert any("没有与这次会议领域或内容相近的范文" in n for n in draft["notes"])
    assert draft["report"]["passed"]


def test_streaming_sends_outline_first_and_the_saved_draft_last(client: TestClient) -> None:
    response = client.post(
        "/v1/drafts", json=example_brief("work_meeting"), headers={"Accept": "text/event-stream"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = sse_events(response.text)
    names = [name for name, _ in events]
    assert names[0].startswith("outline") and names[-2:] == ["report", "done"]
    assert names.index("outline") < names.index("section.delta")
    assert "section.delta" in names and "section.done" in names
    done = events[-1][1]
    assert client.get(f"/v1/drafts/{done['id']}").json()["text"] == done["text"]
    deltas = "".join(d["text"] for n, d in events if n == "section.delta")
    assert deltas and all(d["index"] is not None for n, d in events if n == "section.delta")


def test_edited_outline_is_drafted_as_given(client: TestClient) -> None:
    brief = example_brief("work_meeting")
    outline = client.post("/v1/outlines", json=brief).json()
    points = [p for p in outline["parts"] if p["heading"]]
    points[0]["heading"] = "坚持问题导向，扎实推进专项整治"
    response = client.post("/v1/drafts", json={**brief, "outline": outline})
    assert response.status_code == 201, response.text
    assert "一、坚持问题导向，扎实推进专项整治" in response.json()["text"]


def test_outline_with_missing_parts_is_refused(client: TestClient) -> None:
    brief = example_brief("work_meeting")
    outline = client.post("/v1/outlines", json=brief).json()
    outline["parts"] = outline["parts"][:1]
    body = _problem(client.post("/v1/drafts", json={**brief, "outline": outline}), 422)
    assert body["field"] == "outline"


def test_regenerating_a_part_makes_a_new_version_and_keeps_the_old(client: TestClient) -> None:
    draft = client.post("/v1/drafts", json=example_brief("work_meeting")).json()
    index = next(i for i, s in enumerate(draft["sections"]) if s["role"] == "points")
    response = client.post(
        f"/v1/drafts/{draft['id']}/sections/{index}/regenerate", json={"instruction": "更精炼"}
    )
    assert response.status_code == 201, response.text
    new = response.json()
    assert new["id"] == draft["id"] and new["version"] == 2
    assert len(new["sections"][index]["text"]) < len(draft["sections"][index]["text"])
    assert new["sections"][index]["heading"] == draft["sections"][index]["heading"]
    assert any("更精炼" in note for note in new["notes"])
    assert client.get(f"/v1/drafts/{draft['id']}").json()["version"] == 2
    old = client.get(f"/v1/drafts/{draft['id']}?version=1").json()
    assert old["text"] == draft["text"]


def test_list_drafts_pages(client: TestClient) -> None:
    for name in ("work_meeting", "pledge"):
        client.post("/v1/drafts", json=example_brief(name))
    page = client.get("/v1/drafts?limit=1").json()
    assert page["total"] == 2 and len(page["items"]) == 1
    assert page["items"][0]["status"] == "complete"


def test_checks_score_any_text(client: TestClient) -> None:
    draft = client.post("/v1/drafts", json=example_brief("summary")).json()
    report = client.post("/v1/checks", json={"text": draft["text"]}).json()
    assert report["passed"] and report["structure"]["points_found"] >= 1
    broken = draft["text"].replace("同志们：", "", 1)
    report = client.post("/v1/checks", json={"text": broken, "speech_type": "总结讲话"}).json()
    salutation = next(c for c in report["checks"] if c["name"] == "salutation")
    assert not salutation["passed"]


def test_speech_types_lists_every_skeleton_in_order(client: TestClient) -> None:
    types = client.get("/v1/speech-types").json()
    assert [t["type"] for t in types] == KIT.types.values
    assert [t["order"] for t in types] == sorted(t["order"] for t in types)
    assert all(t["sections"] and t["formulas"]["salutation"] for t in types)
    assert all(s["label"] for t in types for s in t["sections"])
    presiding = next(t for t in types if t["kind"] == "presiding")
    assert {"agenda", "attendees"} <= set(presiding["brief_lists"])


def test_roles_name_every_part_and_say_which_the_program_writes(client: TestClient) -> None:
    roles = client.get("/v1/roles").json()
    assert set(roles["program"]) == PROGRAM_PARTS
    assert roles["drafted"]["points"] == "分点意见" and roles["program"]["salutation"] == "称呼"
    used = {s.role for skeleton in KIT.types for s in skeleton.sections}
    assert used <= set(roles["drafted"])


def test_corpus_listing_and_record(client: TestClient) -> None:
    listing = client.get("/v1/corpus").json()
    ids = [item["id"] for item in listing["items"]]
    assert "000_2bdf9da61f1c4d4c#2" in ids
    news = next(i for i in listing["items"] if i["kind"] == "news")
    assert news["example"] is False
    record = client.get("/v1/corpus/" + quote("000_2bdf9da61f1c4d4c#2")).json()
    assert record["kind"] == "speech" and record["sections"]
    _problem(client.get("/v1/corpus/no-such-record"), 404)


@pytest.fixture
def own_corpus_client(tmp_path: Path, build_dir: Path) -> Iterator[TestClient]:
    """An app on a private copy of the corpus build, for tests that add to it."""
    private = tmp_path / "build"
    shutil.copytree(build_dir, private)
    with running_app(settings_for(tmp_path, private)) as running:
        yield running


def test_upload_is_cleaned_indexed_and_searchable(own_corpus_client: TestClient) -> None:
    client = own_corpus_client
    text = "在全县防汛工作会议上的讲话\n同志们：\n今天召开全县防汛工作会议。下面，我讲两点意见。\n一、提高认识\n防汛工作责任重大，要压实责任。\n二、狠抓落实\n要加强值守，确保安全度汛。\n同志们，让我们共同努力，确保全县安全度汛！"
    response = client.post(
        "/v1/corpus", files={"file": ("防汛讲话.txt", text.encode("gb18030"), "text/plain")}
    )
    assert response.status_code == 201, response.text
    record = response.json()["records"][0]
    assert record["kind"] == "speech" and record["title"] == "在全县防汛工作会议上的讲话"
    assert client.get(f"/v1/corpus/{quote(record['id'])}").json()["text"].startswith("在全县防汛")


def test_upload_errors(own_corpus_client: TestClient) -> None:
    client = own_corpus_client
    body = _problem(client.post("/v1/corpus", files={"file": ("a.pdf", b"%PDF-1.4", "x")}), 422)
    assert body["field"] == "file"
    _problem(client.post("/v1/corpus", files={"file": ("a.txt", b"", "text/plain")}), 422)
    binary = bytes(range(256)) * 64
    _problem(client.post("/v1/corpus", files={"file": ("a.txt", binary, "text/plain")}), 422)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"meeting": None}, "meeting"),
        ({"speech_type": "讲故事"}, "speech_type"),
        ({"target_chars": 100}, "target_chars"),
        ({"colour": "red"}, "colour"),
        ({"points": 5}, "points"),
    ],
)
def test_bad_briefs_name_the_field(client: TestClient, change: dict[str, Any], field: str) -> None:
    brief = {**example_brief("work_meeting"), **change}
    brief = {k: v for k, v in brief.items() if v is not None}
    body = _problem(client.post("/v1/drafts", json=brief), 422)
    assert body["field"] == field, body


def test_malformed_json_and_unknown_things(client: TestClient) -> None:
    _problem(
        client.post(
            "/v1/drafts", content=b"{not json", headers={"Content-Type": "application/json"}
        ),
        422,
    )
    _problem(client.get("/v1/drafts/does-not-exist"), 404)
    _problem(client.get("/v1/nowhere"), 404)
    draft = client.post("/v1/drafts", json=example_brief("pledge")).json()
    url = f"/v1/drafts/{draft['id']}/sections/99/regenerate"
    assert _problem(client.post(url, json={"instruction": "更精炼"}), 422)["field"] == "index"
    salutation = f"/v1/drafts/{draft['id']}/sections/1/regenerate"
    assert (
        "程序" in _problem(client.post(salutation, json={"instruction": "更精炼"}), 422)["detail"]
    )


def test_oversized_body_is_refused(client: TestClient) -> None:
    huge = {"text": "同志们：" + "好" * 300_000}
    _problem(client.post("/v1/checks", json=huge), 413)


def test_api_keys_and_cors(tmp_path: Path, build_dir: Path) -> None:
    settings = settings_for(
        tmp_path, build_dir, api_keys=["s3cret"], cors_origins=["https://wps.example"]
    )
    with running_app(settings) as client:
        assert client.get("/healthz").status_code == 200
        denied = _problem(client.get("/v1/drafts"), 401)
        assert "Bearer" in denied["detail"]
        ok = client.get("/v1/drafts", headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 200
        preflight = client.options(
            "/v1/drafts",
            headers={"Origin": "https://wps.example", "Access-Control-Request-Method": "POST"},
        )
        assert preflight.headers["access-control-allow-origin"] == "https://wps.example"


def test_a_second_worker_sees_an_upload(tmp_path: Path, build_dir: Path) -> None:
    private = tmp_path / "build"
    shutil.copytree(build_dir, private)
    settings = settings_for(tmp_path, private)
    text = "在全镇秋收工作会议上的讲话\n同志们：\n今天召开全镇秋收工作会议。下面，我讲两点意见。\n一、抓好颗粒归仓\n要组织力量抢收。\n二、抓好安全生产\n要防范各类事故。\n同志们，让我们共同努力！"
    with running_app(settings) as first, running_app(settings) as second:
        before = second.get("/v1/corpus").json()["total"]
        uploaded = first.post(
            "/v1/corpus", files={"file": ("秋收.txt", text.encode(), "text/plain")}
        ).json()["records"][0]
        assert second.get("/v1/corpus").json()["total"] == before + 1
        assert second.get(f"/v1/corpus/{quote(uploaded['id'])}").status_code == 200
