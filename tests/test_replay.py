"""Recorded model sessions (evals/recorded/): answers a writer wrote to the service's real
prompts, replayed through the real pipeline and openai client on loopback. The careful
session shows the path works end to end; the habits session (code fences, its own title,
headings, numbering, 谢谢大家！ at the end of parts, chatter, an extra item) shows cleanup and
assembly cope with prose as chat models write it. The sub-point session was written to the
prompts of sub-point mode: a call for each lead and item, put together by code."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from service.config import PROJECT_ROOT, Settings
from service.pipeline.pipeline import Draft
from service.testing.replay import Session, answer_key, replay_draft, session_index
from tests.kits import KIT

RECORDED = PROJECT_ROOT / "evals" / "recorded"
FLOOD = ("flood_careful", "flood_habits", "flood_subpoints", "flood_subpoints_b")


def _replayed(name: str, tmp_path: Path) -> tuple[Session, Draft, list[str]]:
    session = Session.load(RECORDED / f"{name}.json")
    settings = Settings(build_dir=tmp_path, database_url=f"sqlite:///{tmp_path / 'db.sqlite'}")
    draft, missing = asyncio.run(replay_draft(session, KIT, settings, session_index(session, KIT)))
    return session, draft, missing


@pytest.mark.parametrize("name", FLOOD)
def test_a_recorded_session_assembles_into_one_clean_speech(name: str, tmp_path: Path) -> None:
    session, draft, missing = _replayed(name, tmp_path)
    assert all(key.startswith("repair:") for key in missing), missing
    assert not missing or name == "flood_habits"  # the careful writer's parts need no repair
    text = draft.text
    brief = session.brief
    assert draft.title.startswith(brief["speaker"]) and brief["meeting"] in draft.title
    assert text.count("谢谢大家") == 1 and text.rstrip().endswith("谢谢大家！")
    assert text.count("同志们：") == 1
    for mark in ("**", "##", "```", "以上内容", "供参考", "json"):
        assert mark not in text, mark
    headings = re.findall(r"^([一二三四五六七八九十]+)、", text, re.M)
    assert headings == ["一", "二", "三"]
    assert text.count("下面，我讲三点意见。") == 1 or "三点" in text.split("一、", 1)[0]
    checks = {c.name: c.passed for c in draft.report.checks}
    assert checks["markdown"] and checks["chatter"] and checks["sign_off"] and checks["numbering"]
    assert draft.report.judge is not None  # the recorded review, parsed


def test_an_extra_or_a_missing_item_is_sent_back_and_then_said(tmp_path: Path) -> None:
    """The habits writer set out four items where the outline listed three (point 1) and two
    (point 3): both parts are asked again with the count; unanswered, the notes say so."""
    _, draft, missing = _replayed("flood_habits", tmp_path)
    assert sorted(set(missing)) == ["repair:分点意见:1", "repair:分点意见:3"]
    notes = "\n".join(draft.notes)
    assert "列了3条分论点，正文写了4条" in notes and "列了3条分论点，正文写了2条" in notes


@pytest.mark.parametrize(
    "name", ["flood_careful", "flood_subpoints", "flood_subpoints_b", "supervision_subpoints"]
)
def test_the_careful_sessions_pass_every_check(name: str, tmp_path: Path) -> None:
    _, draft, _ = _replayed(name, tmp_path)
    assert draft.report.passed, [(c.name, c.detail) for c in draft.report.failed]
    review = draft.report.judge
    assert review is not None and all(s.quote and s.quote in draft.text for s in review.scores)


def test_the_problem_a_reviewer_saw_told_three_times_is_named_for_merging(
    tmp_path: Path,
) -> None:
    """The first sub-point session's reviewer: 部分山塘水库巡查值守不到位 in the opening, the
    lead and an item. The second session, written after the prompt change, tells it once."""
    restated = {}
    for name in ("flood_subpoints", "flood_subpoints_b"):
        _, draft, _ = _replayed(name, tmp_path / name)
        restated[name] = next(c for c in draft.report.checks if c.name == "restated")
    first, second = restated["flood_subpoints"], restated["flood_subpoints_b"]
    assert first.passed and first.detail.startswith("合稿时可删并")
    assert "“部分山塘水库巡查值守不到位" in first.detail and "在3段都讲了" in first.detail
    assert second.passed and "合稿时可删并" not in second.detail


@pytest.mark.parametrize("name", ["flood_subpoints", "flood_subpoints_b"])
def test_a_subpoint_session_is_one_speech_with_every_item_where_the_outline_put_it(
    name: str, tmp_path: Path
) -> None:
    _, draft, missing = _replayed(name, tmp_path)
    assert draft.mode == "subpoints" and not missing
    for part in draft.outline.parts:
        if part.role != "points":
            continue
        body = next(s.text for s in draft.sections if s.heading.endswith(part.heading))
        markers = [f"{n}是" for n in "一二三四"[: len(part.subpoints)]]
        at = [body.find(m) for m in markers]
        assert -1 not in at and at == sorted(at), (part.heading, at)
        assert "一二三四五"[len(markers)] + "是" not in body  # no item beyond the outline's
        assert not body.startswith(markers[0])  # the lead comes first


def test_a_supervision_speech_evaluates_first_then_the_program_leads_into_the_items(
    tmp_path: Path,
) -> None:
    """The writer's 总体评价 (a lead piece) comes under the heading; the program's 我们感到有
    四个方面的特点： ends it; each item is its own paragraph, numbered once."""
    _, draft, missing = _replayed("supervision_subpoints", tmp_path)
    assert not missing and draft.mode == "subpoints"
    for role, lead, markers in (
        ("evaluation", "我们感到有四个方面的特点：", ("一是", "二是", "三是", "四是")),
        ("suggestions", "我提三点建议，与大家共勉：", ("一要", "二要", "三要")),
    ):
        body = next(s.text for s in draft.sections if s.role == role)
        paragraphs = body.split("\n")
        assert paragraphs[0].endswith(lead) and len(paragraphs[0]) > len(lead) + 50
        assert [p[:2] for p in paragraphs[1:]] == list(markers)
        assert not any(p[2:4] == p[:2] for p in paragraphs[1:])  # not 一是一是


def test_answer_keys_do_not_depend_on_the_order_of_calls() -> None:
    outline = {"messages": [{"role": "user", "content": "请先为下面这篇讲话拟一个提纲"}]}
    part = {
        "messages": [
            {"role": "user", "content": "这次请你只写其中的“分点意见”部分。\n这是主体的第2点"}
        ]
    }
    judge = {"messages": [{"role": "user", "content": "请……评审下面这篇讲话稿草稿"}]}
    lead, item = (
        {"messages": [{"role": "user", "content": f"这次请你只写其中“分点意见”部分的{which}。\n"
                                                   "这是主体的第3点"}]}
        for which in ("引导段", "第2条")
    )  # fmt: skip
    assert [answer_key(r) for r in (outline, part, judge, lead, item)] == [
        "outline",
        "part:分点意见:2",
        "judge",
        "piece:分点意见:3:lead",
        "piece:分点意见:3:2",
    ]
