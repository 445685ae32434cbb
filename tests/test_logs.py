"""Logs: one structured line per draft, per failed or retried model call and per rejected
request; JSON when asked; never a brief's or a draft's text unless at DEBUG."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest

from service.logs import TextFormatter
from service.testing.fake_upstream import FakeUpstream, Status
from service.testing.model_responder import ModelResponder
from tests.apphelpers import example_brief, running_app, settings_for


def json_lines(text: str) -> list[dict[str, Any]]:
    """The JSON log lines of captured stderr (other lines are left out)."""
    found = []
    for line in text.splitlines():
        if line.startswith("{"):
            found.append(json.loads(line))
    return found


def events(text: str, name: str) -> list[dict[str, Any]]:
    return [line for line in json_lines(text) if line["event"] == name]


def test_a_draft_is_one_json_line_with_its_facts_and_none_of_its_text(
    tmp_path: Path, build_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    brief = example_brief("work_meeting")
    settings = settings_for(tmp_path, build_dir, log_format="json")
    with running_app(settings) as client:
        draft = client.post("/v1/drafts", json=brief).json()
        rejected = client.post("/v1/drafts", json={**brief, "meeting": ""})
    assert rejected.status_code == 422
    err = capsys.readouterr().err
    [line] = events(err, "draft")
    assert line["id"] == draft["id"] and line["type"] == "work_meeting"
    assert line["drafter"] == "builtin" and line["model"] is None
    assert line["passed"] is draft["report"]["passed"] and line["score"] == draft["report"]["score"]
    assert set(line["timings_ms"]) >= {"retrieval", "outline", "sections", "total"}
    assert line["usage"]["calls"] == 0 and line["repair_rounds"] >= 0
    assert line["level"] == "info" and line["logger"].startswith("jianggao.")
    [refused] = events(err, "request.rejected")
    assert refused["status"] == 422 and refused["field"] == "meeting"
    assert refused["path"] == "/v1/drafts"
    for sentence in (brief["meeting"], brief["points"][0]["title"], draft["text"][40:60]):
        assert sentence not in err
    assert not events(err, "draft.brief")


def test_debug_adds_the_brief_of_each_draft(
    tmp_path: Path, build_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    brief = example_brief("pledge")
    settings = settings_for(tmp_path, build_dir, log_format="json", log_level="DEBUG")
    with running_app(settings) as client:
        draft = client.post("/v1/drafts", json=brief).json()
    [line] = events(capsys.readouterr().err, "draft.brief")
    assert line["id"] == draft["id"] and line["brief"]["meeting"] == brief["meeting"]


def test_failed_and_retried_model_calls_are_logged(
    tmp_path: Path, build_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = settings_for(
        tmp_path,
        build_dir,
        log_format="json",
        drafter="openai",
        model="fake-model",
        max_retries=1,
        request_timeout_s=2.0,
    )
    with FakeUpstream(ModelResponder()) as fake:
        fake.script([Status(500), Status(500)])
        url = fake.base_url
        settings = settings.model_copy(
            update={"openai_base_url": fake.base_url, "openai_api_key": None}
        )
        with running_app(settings) as client:
            response = client.post("/v1/drafts", json=example_brief("work_meeting"))
    err = capsys.readouterr().err
    assert response.status_code == 502
    answers = events(err, "model.response")  # the first answer, then the retry's
    assert [a["status"] for a in answers] == [500, 500] and answers[0]["model"] == "fake-model"
    [failed] = events(err, "model.call.failed")
    assert failed["error"] == "upstream-error" and failed["level"] == "warning"
    [draft] = events(err, "draft.failed")
    assert draft["error"] == "upstream-error" and draft["failed_calls"] == 1
    [refused] = events(err, "request.rejected")
    assert refused["status"] == 502 and refused["level"] == "error"
    assert url not in json.dumps([draft, refused])


def test_text_format_is_one_readable_line(
    tmp_path: Path, build_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_app(settings_for(tmp_path, build_dir)) as client:
        client.post("/v1/drafts", json=example_brief("address"))
    lines = [line for line in capsys.readouterr().err.splitlines() if " draft " in line]
    assert len(lines) == 1 and "type=address" in lines[0] and "drafter=builtin" in lines[0]


def test_a_control_character_from_a_request_cannot_start_a_forged_line() -> None:
    record = logging.LogRecord(
        "jianggao.api", logging.INFO, __file__, 1, "request.rejected", None, None
    )
    record.fields = {"field": "x\n2026-01-01 00:00:00 ERROR forged", "path": "/v1/drafts"}
    line = TextFormatter().format(record)
    assert "\n" not in line and 'field="x\\n2026-01-01 00:00:00 ERROR forged"' in line
    assert "path=/v1/drafts" in line  # plain values stay as they were
