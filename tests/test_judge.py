"""The model's review of a draft: after the checks, one call, shown beside them and never
deciding the verdict; a malformed or failing review is left out with a note. Through the
real openai client and the fake upstream on loopback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from service.errors import JudgeAnswerError
from service.pipeline.judge import parse_review
from service.scoring.review import ASPECTS
from service.testing.fake_upstream import FakeUpstream
from service.testing.model_responder import Faults, ModelResponder
from tests.test_drafting_model import BRIEF, _client


def _draft_with(tmp_path: Path, build_dir: Path, faults: Faults, **settings: Any) -> Any:
    with FakeUpstream(ModelResponder(faults)) as fake:
        with _client(tmp_path, build_dir, fake, max_retries=0, **settings) as client:
            response = client.post("/v1/drafts", json=BRIEF)
        judged = [r for r in fake.chat_requests if "评审下面这篇" in r.messages[-1]["content"]]
    assert response.status_code == 201, response.text
    return response.json(), judged


def test_a_well_formed_review_sits_beside_the_checks(tmp_path: Path, build_dir: Path) -> None:
    draft, judged = _draft_with(tmp_path, build_dir, Faults())
    assert len(judged) == 1  # one call per draft
    asked = judged[0].messages[-1]["content"]
    assert draft["text"] in asked
    # the scale is spelled out, and facts not in the brief are a fault to name
    assert "3 分，要成段修改" in asked and "简报没有的具体事实" in asked
    review = draft["report"]["judge"]
    assert [s["aspect"] for s in review["scores"]] == list(ASPECTS)
    assert all(1 <= s["score"] <= 5 for s in review["scores"])
    assert all(s["quote"] and s["quote"] in draft["text"] for s in review["scores"])
    assert review["model"] == "fake-model" and 0 < review["overall"] <= 1
    assert draft["report"]["passed"]  # the verdict is the checks'


def test_a_review_that_is_not_json_is_left_out_with_a_note(tmp_path: Path, build_dir: Path) -> None:
    draft, judged = _draft_with(tmp_path, build_dir, Faults(judge_not_json=True))
    assert len(judged) == 1
    assert draft["report"]["judge"] is None
    assert any("模型评审没有完成" in note for note in draft["notes"])
    assert draft["report"]["passed"]


def test_a_failing_judge_leaves_the_draft_standing(tmp_path: Path, build_dir: Path) -> None:
    draft, _ = _draft_with(tmp_path, build_dir, Faults(judge_fails=True))
    assert draft["report"]["judge"] is None
    assert any("模型评审没有完成" in note for note in draft["notes"])


def test_the_judge_can_be_turned_off(tmp_path: Path, build_dir: Path) -> None:
    draft, judged = _draft_with(tmp_path, build_dir, Faults(), judge=False)
    assert judged == [] and draft["report"]["judge"] is None


def test_quotes_not_in_the_draft_are_dropped_and_bad_answers_named() -> None:
    draft = "同志们：\n要压实防汛责任，确保安全度汛。\n"
    scores = {
        a: {"score": 4, "quote": "要压实防汛责任，确保安全度汛。", "comment": "好"} for a in ASPECTS
    }
    scores["register"]["quote"] = "这句话草稿里没有。"
    review = parse_review(
        '好的：{"scores": ' + json.dumps(scores, ensure_ascii=False) + "}",
        draft,
        "m",
    )
    quotes = {s.aspect: s.quote for s in review.scores}
    assert quotes["relevance"] and quotes["register"] == ""
    with pytest.raises(JudgeAnswerError, match="五个方面"):
        parse_review('{"scores": {"relevance": {"score": 4}}}', draft, "m")
    with pytest.raises(JudgeAnswerError, match="分数"):
        bad = {a: {"score": 9, "quote": "", "comment": ""} for a in ASPECTS}
        parse_review(json.dumps({"scores": bad}), draft, "m")
