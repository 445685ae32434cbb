"""Readiness beside liveness, and backpressure: /readyz names what is not ready (index,
database, model endpoint), and a worker with its limit of drafts in flight answers 503 with
Retry-After at once instead of queueing without end."""

from __future__ import annotations

import shutil
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from service.testing.fake_upstream import FakeUpstream, Slow
from service.testing.model_responder import ModelResponder
from tests.apphelpers import example_brief, free_port, running_app, settings_for, sse_events

BRIEF: dict[str, Any] = {
    "speech_type": "work_meeting",
    "meeting": "全县安全生产工作会议",
    "speaker": "县长",
    "points": ["压实安全生产责任", "深化隐患排查整治", "提升应急处置能力"],
    "target_chars": 1500,
}


def test_ready_when_index_database_and_model_answer(tmp_path: Path, build_dir: Path) -> None:
    with FakeUpstream(ModelResponder()) as fake:
        settings = settings_for(
            tmp_path, build_dir, drafter="openai", openai_base_url=fake.base_url,
            openai_api_key="k", model="fake-model",
        )  # fmt: skip
        with running_app(settings) as client:
            ready = client.get("/readyz")
    assert ready.status_code == 200, ready.text
    checks = ready.json()["checks"]
    assert checks["index"]["ok"] and checks["index"]["records"] >= 5
    assert checks["database"] == {"ok": True} and checks["model"] == {"ok": True}


def test_not_ready_names_each_failing_part(tmp_path: Path, build_dir: Path) -> None:
    private = tmp_path / "build"
    shutil.copytree(build_dir, private)
    corpus = private / "speeches.jsonl"
    corpus.write_text(corpus.read_text(encoding="utf-8")[:-40], encoding="utf-8")  # torn
    shutil.rmtree(private / "index")
    port = free_port()  # no model server listens there
    settings = settings_for(
        tmp_path, private, drafter="openai", openai_base_url=f"http://127.0.0.1:{port}/v1",
        openai_api_key="k", model="fake-model",
    )  # fmt: skip
    with running_app(settings) as client:
        with sqlite3.connect(tmp_path / "drafts.db") as database:
            database.execute("drop table drafts")
        assert client.get("/healthz").status_code == 200  # alive, just not ready
        response = client.get("/readyz")
    assert response.status_code == 503
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert {name for name, check in problem["checks"].items() if not check["ok"]} == {
        "index",
        "database",
        "model",
    }
    assert "语料库索引未加载" in problem["detail"] and "模型服务连不上" in problem["detail"]
    assert str(port) not in response.text


@pytest.mark.parametrize("stream", [False, True])
def test_drafts_beyond_the_limit_in_flight_get_503_with_retry_after(
    tmp_path: Path, build_dir: Path, stream: bool
) -> None:
    held = threading.Event()

    def responder(request: dict[str, Any]) -> Any:
        if not held.is_set():
            held.set()
            return Slow(delay=1.5)  # then answers as the stand-in model does
        return model(request)

    model = ModelResponder()
    with FakeUpstream(responder) as fake:
        settings = settings_for(
            tmp_path, build_dir, drafter="openai", openai_base_url=fake.base_url,
            openai_api_key="k", model="fake-model", max_drafts_in_flight=1, judge=False,
        )  # fmt: skip
        with running_app(settings) as client:
            headers = {"accept": "text/event-stream"} if stream else {}
            first: list[Any] = []
            worker = threading.Thread(
                target=lambda: first.append(client.post("/v1/drafts", json=BRIEF, headers=headers))
            )
            worker.start()
            assert held.wait(10)
            started = time.perf_counter()
            refused = client.post("/v1/drafts", json=BRIEF)
            assert time.perf_counter() - started < 1.0  # at once, not after the first draft
            outline = client.post("/v1/outlines", json=BRIEF)
            worker.join(30)
            again = client.post("/v1/drafts", json=BRIEF)
    assert refused.status_code == 503 and refused.headers["retry-after"] == "5"
    assert refused.json()["type"].endswith("busy")
    assert outline.status_code == 503
    if stream:
        assert sse_events(first[0].text)[-1][0] == "done"
    else:
        assert first[0].status_code == 201
    assert again.status_code == 201, again.text  # the place was given back


def test_a_service_with_no_corpus_at_all_is_ready_and_says_so(
    tmp_path: Path, build_dir: Path
) -> None:
    empty = tmp_path / "nothing-built"
    empty.mkdir()
    with running_app(settings_for(tmp_path, empty)) as client:
        response = client.get("/readyz")
        drafted = client.post("/v1/drafts", json=example_brief("work_meeting"))
    assert response.status_code == 200, response.text
    index = response.json()["checks"]["index"]
    assert index["ok"] and index["records"] == 0 and "不用范文" in index["note"]
    assert drafted.status_code == 201  # drafting works without examples
