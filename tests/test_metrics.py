"""GET /metrics: drafts by outcome, time per stage, model calls and tokens, drafts in flight
and turned away, in Prometheus format, through the real app (counters are per process, so
each test compares before and after)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from service.testing.fake_upstream import FakeUpstream, Slow, Status
from service.testing.model_responder import ModelResponder
from tests.apphelpers import example_brief, running_app, settings_for

BRIEF = example_brief("work_meeting")


def _samples(client: TestClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics")
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/plain")
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def _value(samples: dict[Any, float], name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_a_finished_draft_is_counted_with_its_stages(tmp_path: Path, build_dir: Path) -> None:
    with running_app(settings_for(tmp_path, build_dir)) as client:
        before = _samples(client)
        assert client.post("/v1/drafts", json=BRIEF).status_code == 201
        after = _samples(client)
    key = {"speech_type": "work_meeting", "drafter": "builtin", "outcome": "passed"}
    assert (
        _value(after, "jianggao_drafts_total", **key)
        == _value(before, "jianggao_drafts_total", **key) + 1
    )
    for stage in ("retrieval", "outline", "sections", "scoring", "total"):
        name, labels = "jianggao_draft_stage_seconds_count", {"stage": stage}
        assert _value(after, name, **labels) == _value(before, name, **labels) + 1
    assert (
        _value(after, "jianggao_draft_score_count")
        == _value(before, "jianggao_draft_score_count") + 1
    )
    assert _value(after, "jianggao_drafts_in_flight") == 0


def test_a_failing_model_is_counted_by_error_and_failed_calls(
    tmp_path: Path, build_dir: Path
) -> None:
    with FakeUpstream(lambda request: Status(500)) as fake:
        settings = settings_for(
            tmp_path, build_dir, drafter="openai", openai_base_url=fake.base_url,
            openai_api_key="k", model="fake-model", max_retries=0,
        )  # fmt: skip
        with running_app(settings) as client:
            before = _samples(client)
            assert client.post("/v1/drafts", json=BRIEF).status_code == 502
            after = _samples(client)
    failed = {"speech_type": "work_meeting", "drafter": "openai", "outcome": "upstream-error"}
    assert (
        _value(after, "jianggao_drafts_total", **failed)
        == _value(before, "jianggao_drafts_total", **failed) + 1
    )
    calls = "jianggao_model_calls_total"
    assert _value(after, calls, outcome="failed") > _value(before, calls, outcome="failed")


def test_drafts_turned_away_are_counted(tmp_path: Path, build_dir: Path) -> None:
    held = threading.Event()
    model = ModelResponder()

    def responder(request: dict[str, Any]) -> Any:
        if not held.is_set():
            held.set()
            return Slow(delay=1.0)
        return model(request)

    with FakeUpstream(responder) as fake:
        settings = settings_for(
            tmp_path, build_dir, drafter="openai", openai_base_url=fake.base_url,
            openai_api_key="k", model="fake-model", max_drafts_in_flight=1, judge=False,
        )  # fmt: skip
        with running_app(settings) as client:
            before = _samples(client)
            worker = threading.Thread(target=lambda: client.post("/v1/drafts", json=BRIEF))
            worker.start()
            assert held.wait(10)
            assert _samples(client)[("jianggao_drafts_in_flight", ())] == 1
            assert client.post("/v1/drafts", json=BRIEF).status_code == 503
            worker.join(30)
            after = _samples(client)
    rejected = "jianggao_drafts_rejected_total"
    assert _value(after, rejected, reason="busy") == _value(before, rejected, reason="busy") + 1
    assert _value(after, "jianggao_drafts_in_flight") == 0
    tokens = "jianggao_model_tokens_total"
    assert _value(after, tokens, kind="completion") > _value(before, tokens, kind="completion")
