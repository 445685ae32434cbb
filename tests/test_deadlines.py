"""Deadlines that hold and streams that always end: a model that never answers ends a draft,
an outline or a rewrite in 504 at the draft deadline (not after its read timeout and every
retry), and a draft stream ends with `done` or `error` even when the database fails twice."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path
from typing import Any

from service.pipeline.assembly import PROGRAM_PARTS
from service.testing.fake_upstream import FakeUpstream, Slow
from service.testing.model_responder import ModelResponder
from tests.apphelpers import running_app, settings_for, sse_events

BRIEF: dict[str, Any] = {
    "speech_type": "work_meeting",
    "meeting": "全县安全生产工作会议",
    "speaker": "县长",
    "points": ["压实安全生产责任", "深化隐患排查整治", "提升应急处置能力"],
    "target_chars": 1500,
}
DEADLINE_S = 2.0
READ_TIMEOUT_S = 3.0  # with 3 retries a silent model would hold a call for 4 × 3 s and more


class Silenced:
    """The stand-in model, until told to fall silent: then no answer at all, not even headers."""

    def __init__(self) -> None:
        self.model = ModelResponder()
        self.silent = False

    def __call__(self, request: dict[str, Any]) -> Any:
        return Slow(delay=60) if self.silent else self.model(request)


def _model_app(tmp_path: Path, build_dir: Path, fake: FakeUpstream) -> Any:
    settings = settings_for(
        tmp_path, build_dir, drafter="openai", openai_base_url=fake.base_url,
        openai_api_key="k", model="fake-model", request_timeout_s=READ_TIMEOUT_S,
        max_retries=3, draft_timeout_s=DEADLINE_S, judge=False,
        draft_mode="parallel",  # the fewest calls: the first draft fits the short deadline
    )  # fmt: skip
    return running_app(settings)


def _timed(call: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call()
    return result, time.perf_counter() - started


def test_a_silent_model_ends_every_kind_of_request_at_the_deadline(
    tmp_path: Path, build_dir: Path
) -> None:
    model = Silenced()
    with FakeUpstream(model) as fake, _model_app(tmp_path, build_dir, fake) as client:
        draft = client.post("/v1/drafts", json=BRIEF)
        assert draft.status_code == 201, draft.text
        drafted = [
            i for i, s in enumerate(draft.json()["sections"]) if s["role"] not in PROGRAM_PARTS
        ]
        model.silent = True
        calls = {
            "draft": lambda: client.post("/v1/drafts", json=BRIEF),
            "draft in sub-points": lambda: client.post(
                "/v1/drafts", json={**BRIEF, "mode": "subpoints"}
            ),
            "outline": lambda: client.post("/v1/outlines", json=BRIEF),
            "regenerate": lambda: client.post(
                f"/v1/drafts/{draft.json()['id']}/sections/{drafted[0]}/regenerate",
                json={"instruction": "更精炼"},
            ),
        }
        for name, call in calls.items():
            response, elapsed = _timed(call)
            assert response.status_code == 504, (name, response.text)
            assert "秒仍未完成" in response.json()["detail"], name
            assert elapsed < DEADLINE_S + 1.5, (name, elapsed)
        stream, elapsed = _timed(
            lambda: client.post("/v1/drafts", json=BRIEF, headers={"accept": "text/event-stream"})
        )
        event, data = sse_events(stream.text)[-1]
        assert event == "error" and data["status"] == 504
        assert elapsed < DEADLINE_S + 1.5


def test_a_stream_ends_with_error_when_saving_and_recording_both_fail(
    tmp_path: Path, build_dir: Path
) -> None:
    with running_app(settings_for(tmp_path, build_dir)) as client:
        assert client.post("/v1/drafts", json=BRIEF).status_code == 201  # the database works
        with sqlite3.connect(tmp_path / "drafts.db") as database:  # then loses its table
            tables = [row[0] for row in database.execute("select name from sqlite_master")]
            for table in tables:
                if not table.startswith("sqlite_") and not table.startswith("ix_"):
                    database.execute(f'drop table if exists "{table}"')
        response = client.post("/v1/drafts", json=BRIEF, headers={"accept": "text/event-stream"})
        events = sse_events(response.text)
        assert [e for e, _ in events][-2:] == ["report", "error"]
        assert events[-1][1]["status"] == 503
        plain = client.post("/v1/drafts", json=BRIEF)
        assert plain.status_code == 503 and plain.headers["content-type"].startswith(
            "application/problem+json"
        )
