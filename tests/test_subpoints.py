"""Sub-point drafting: the outline read as it streams, each part begun as soon as its entry is
whole, each item written by a call of its own and put together by code, through the real
openai client and the fake upstream on loopback."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest

from service.config import Settings
from service.drafters.base import LEAD, PartJob, Piece
from service.drafters.builtin import BuiltinDrafter
from service.drafters.model import ModelDrafter
from service.errors import UpstreamError
from service.knowledge.kit import default_kit
from service.llm import ChatClient
from service.pipeline.assembly import assemble
from service.pipeline.outline import Outline, OutlinePart, derive_outline, parse_outline_json
from service.pipeline.outline_stream import OutlineStream
from service.pipeline.pieces import (
    PieceOrder,
    bare,
    join_pieces,
    placed_phrases,
    plan_pieces,
    split_items,
)
from service.pipeline.pipeline import DraftEvent, Mode, Pipeline
from service.pipeline.prompts import Prompter
from service.schemas import Brief
from service.scoring import Scorer
from service.testing.fake_upstream import FakeUpstream, Pacing, Status
from service.testing.model_responder import Faults, ModelResponder
from service.text.tokens import TokenBudget
from tests.apphelpers import running_app, settings_for, sse_events

KIT = default_kit()
BRIEF = Brief(
    speech_type="work_meeting",
    meeting="全县安全生产工作会议",
    speaker="县长",
    purpose="部署今年安全生产工作",
    points=[
        {"title": "压实安全生产责任", "details": ["落实党政同责", "落实企业主体责任"]},
        {"title": "深化隐患排查整治", "details": ["聚焦重点行业领域", "建立问题清单"]},
        {"title": "提升应急处置能力"},
    ],
    required_phrases=["人民至上、生命至上"],
    target_chars=2400,
)
SKELETON = KIT.types.get("work_meeting")


def _answer(brief: Brief = BRIEF) -> str:
    """The stand-in model's outline answer for a brief, as it streams it."""
    prompter = Prompter(KIT, TokenBudget.from_settings(Settings()))
    request = {"messages": prompter.outline(brief).messages, "response_format": {"type": "json"}}
    answer = ModelResponder()(request)
    assert isinstance(answer, str)
    return answer


# The outline as it streams.


def test_each_part_is_known_once_its_entry_is_whole_and_only_then() -> None:
    answer = _answer()
    stream = OutlineStream(BRIEF, SKELETON)
    seen: list[tuple[int, int]] = []  # (characters read, part index)
    for position, char in enumerate(answer, start=1):
        seen.extend((position, index) for index, _ in stream.feed(char))
    final = parse_outline_json(answer, BRIEF, SKELETON)
    assert [i for _, i in seen] == list(range(len(final.parts)))  # each once, in order
    assert [stream.known[i] for i in range(len(final.parts))] == final.parts
    entries = json.loads(answer)["parts"]
    for (position, _), entry in zip(seen, entries, strict=True):
        # never before its entry's last field was written out in full
        written = json.dumps(entry, ensure_ascii=False)[-20:-1]
        assert written in answer[:position]
    assert seen[0][0] < len(answer) // 3  # the opening is known long before the end


def test_the_form_with_sections_and_points_is_read_as_it_streams_too() -> None:
    answer = json.dumps(
        {
            "sections": [
                {"role": "opening", "gist": "开场", "items": [], "chars": 300},
                {"role": "points", "heading": "", "gist": "", "items": []},
                {"role": "closing", "gist": "号召", "items": [], "chars": 200},
            ],
            "points": [
                {"heading": p.title, "subpoints": ["一", "二"], "chars": 600} for p in BRIEF.points
            ],
        },
        ensure_ascii=False,
    )
    stream = OutlineStream(BRIEF, SKELETON)
    order = [index for char in answer for index, _ in stream.feed(char)]
    assert sorted(order) == [0, 1, 2, 3, 4] and order.index(4) < order.index(1)  # closing early
    assert [stream.known[i] for i in range(5)] == parse_outline_json(answer, BRIEF, SKELETON).parts


def test_entries_that_do_not_fit_the_skeleton_are_not_begun_and_a_new_answer_starts_afresh() -> (
    None
):
    stream = OutlineStream(BRIEF, SKELETON)
    wrong = '{"parts": [{"role": "closing", "gist": "错位", "chars": 100}, {"role": "opening"'
    assert stream.feed(wrong) == []  # a closing where the opening belongs
    assert stream.feed(', "gist": "开场", "chars": 200}]}') == []
    assert stream.feed('{"parts": [{"role": "opening", "gist": "重写的开场", "chars": 300}, {') == [
        (0, OutlinePart(role="opening", gist="重写的开场", chars=300))
    ]
    stream = OutlineStream(BRIEF, SKELETON)
    headless = '{"parts": [{"role": "opening", "chars": 300}, {"role": "points", "chars": 500}, {'
    assert [i for i, _ in stream.feed(headless)] == [0]  # a point needs its heading


# Pieces: planned, joined and passed on by code.


def _job(part: OutlinePart, **changes: Any) -> PartJob:
    outline = Outline(title="标题", parts=[part])
    skeleton = KIT.types.get(changes.pop("speech_type", "work_meeting"))
    return PartJob(BRIEF, skeleton, outline, 0, **changes)


def test_a_part_is_split_into_its_lead_and_one_piece_per_sub_point() -> None:
    part = OutlinePart(role="points", heading="压实责任", subpoints=["甲", "乙", "丙"], chars=900)
    pieces = plan_pieces(_job(part, phrases=["人民至上、生命至上", "两个维护"]))
    assert [p.number for p in pieces] == [LEAD, 0, 1, 2]
    assert [p.marker for p in pieces] == ["", "一是", "二是", "三是"]
    assert sum(p.chars for p in pieces) in range(880, 901)
    assert [p.phrases for p in pieces] == [(), ("人民至上、生命至上",), ("两个维护",), ()]
    habit = plan_pieces(_job(part, voice_items="enum_yao"))
    assert [p.marker for p in habit][1:] == ["一要", "二要", "三要"]


def test_a_fixed_lead_after_a_paragraph_of_the_models_own_comes_before_the_first_item() -> None:
    """督导组讲话“评价特点”: 总体评价 first (the model's), then the program's 我们感到有四个方面的
    特点：, then 一是…; a part with no such paragraph keeps its lead at the top."""
    skeleton = KIT.types.get("supervision")
    items = ["甲", "乙", "丙", "丁"]
    evaluation = OutlinePart(
        role="evaluation", heading="对主题教育的评价", subpoints=items, chars=1300
    )
    pieces = plan_pieces(_job(evaluation, speech_type="supervision"))
    assert [p.number for p in pieces] == [LEAD, 0, 1, 2, 3]
    outline = Outline(
        title="标题", parts=[OutlinePart(role="comment", gist="评价汇报", chars=300), evaluation]
    )
    body = "局党组高度重视、组织精心、推进扎实、成效明显。\n一是学习深入。二是调研扎实。三是整改有力。四是为民实在。"
    text = assemble(outline, ["刚才的汇报很全面。", body], skeleton).text
    assert "成效明显。我们感到有四个方面的特点：\n一是学习深入。" in text  # then the items
    without = assemble(outline, ["刚才的汇报很全面。", body.split("\n")[1]], skeleton).text
    assert "我们感到有四个方面的特点：一是学习深入。" in without
    progress = OutlinePart(role="achievements", subpoints=["甲", "乙", "丙"], chars=900)
    assert [p.number for p in plan_pieces(_job(progress, speech_type="progress"))] == [0, 1, 2]


def test_sub_points_lose_a_marker_of_their_own() -> None:
    """The program numbers the items: an outline's 一是理论学习 is shown as 理论学习 (else a
    prompt says “二是一是…”); words that only look like one stay."""
    part = OutlinePart(
        role="points", chars=900,
        subpoints=["一是理论学习以上率下", "三要健全机制", "（二）抓整改", "是非曲直看清楚", "一是非曲直"],
    )  # fmt: skip
    assert part.subpoints == [
        "理论学习以上率下",
        "健全机制",
        "抓整改",
        "是非曲直看清楚",
        "一是非曲直",
    ]


def test_a_required_phrase_goes_to_the_item_whose_sub_point_names_it() -> None:
    subpoints = ["坚定拥护“两个确立”、坚决做到“两个维护”", "扎实整改", "健全机制"]
    assert placed_phrases(["两个确立", "两个维护"], subpoints) == [["两个确立", "两个维护"], [], []]
    assert placed_phrases(["两个确立", "人民至上"], ["甲", "乙确立"]) == [
        ["两个确立"],
        ["人民至上"],
    ]


def test_parts_that_gain_nothing_from_splitting_are_written_whole() -> None:
    prose = OutlinePart(role="opening", gist="开场", subpoints=["甲", "乙"], chars=400)
    one = OutlinePart(role="points", heading="压实责任", subpoints=["甲"], chars=900)
    short = OutlinePart(role="points", heading="压实责任", subpoints=list("甲乙丙丁"), chars=300)
    assert plan_pieces(_job(prose)) == plan_pieces(_job(one)) == plan_pieces(_job(short)) == []
    # a lead the skeleton fixes (从前一阶段情况看……) is the program's: no lead piece
    fixed = OutlinePart(role="achievements", subpoints=["甲", "乙", "丙"], chars=900)
    pieces = plan_pieces(_job(fixed, speech_type="progress"))
    assert [p.number for p in pieces] == [0, 1, 2]


def test_each_item_prompt_names_the_brief_facts_that_are_its_own() -> None:
    """Items are written side by side: each is handed the clauses of the brief's problems and
    details that share its wording, and told the rest belong to the other items."""
    brief = Brief(
        speech_type="mobilization",
        meeting="全市防汛工作动员部署会议",
        speaker="市长",
        achievements=["去年转移避险群众1.2万人", "汛前排查风险隐患382处，已整改到位351处"],
        problems=["部分山塘水库巡查值守不到位，仍有31处隐患未整改", "应急物资储备不均衡"],
        points=[{"title": "全面排查整治风险隐患"}, {"title": "扎实做好应急准备"}],
    )
    subpoints = ["山塘水库责任人上岗到位，巡查值守不留空档", "31处未整改隐患逐一销号"]
    prompter = Prompter(KIT, TokenBudget.from_settings(Settings()))
    prompts = [
        prompter.section(
            brief, "points", point=1, heading="全面排查整治风险隐患", subpoints=subpoints,
            piece=Piece(number, 400, marker),
        ).messages[-1]["content"]
        for number, marker in ((LEAD, ""), (0, "一是"), (1, "二是"))
    ]  # fmt: skip
    lead, first, second = prompts
    assert "这句接在“二是”后面要读得通，如“二是31处未整改隐患逐一销号”" in second
    assert "归这一条用的事实" not in lead
    assert "归这一条用的事实：“部分山塘水库巡查值守不到位”。" in first
    assert "归这一条用的事实：“仍有31处隐患未整改”。" in second
    assert "应急物资储备不均衡”。" not in first + second  # no item's: left to the brief block


def test_markers_are_written_by_code_whatever_the_model_put_at_the_head() -> None:
    pieces = [Piece(LEAD, 100), Piece(0, 200, "一是"), Piece(1, 200, "二是"), Piece(2, 200, "三是")]
    texts = ["安全生产是底线。", "一是压实责任。要……", "（二）排查隐患。\n要……", "3.强化应急。要……"]
    assert join_pieces(pieces, texts) == (
        "安全生产是底线。\n一是压实责任。要……\n二是排查隐患。\n要……\n三是强化应急。要……"
    )
    assert bare("二要，落实责任。") == "落实责任。" and bare("一是一套制度") == "一套制度"
    lead, items = split_items("总的要求。一是压实责任。二是排查隐患。\n三是强化应急。")
    assert (lead, items) == ("总的要求。", ["压实责任。", "排查隐患。", "强化应急。"])


def test_pieces_are_passed_on_in_speaking_order_however_their_calls_finish() -> None:
    pieces = [Piece(LEAD, 100), Piece(0, 200, "一是"), Piece(1, 200, "二是")]
    sent: list[str] = []
    order = PieceOrder(pieces, sent.append)
    order.text(2, "排查")  # the last item streams first: held
    order.text(0, "总的")
    order.text(1, "压实")
    order.finish(2)
    order.text(0, "要求。")
    assert sent == ["总的", "要求。"]
    order.finish(0)  # the lead is done: the first item's text so far, behind its marker
    order.text(1, "责任。")
    order.finish(1)  # and the second item, already finished, all at once
    assert "".join(sent) == "总的要求。\n一是压实责任。\n二是排查"


# The pipeline in sub-point mode, against the fake upstream.


def _pipeline(fake: FakeUpstream, concurrency: int = 32) -> tuple[Pipeline, ChatClient]:
    client = ChatClient(
        model="fake-model", base_url=fake.base_url, api_key="test",
        timeout_s=10, max_retries=0, max_concurrency=concurrency,
    )  # fmt: skip
    drafter = ModelDrafter(client, Prompter(KIT, TokenBudget.from_settings(Settings())))
    return Pipeline(KIT, drafter, None, Scorer(KIT), repair_rounds=1), client


def _events(fake: FakeUpstream, brief: Brief = BRIEF, mode: Mode = "subpoints") -> list[Any]:
    async def run() -> list[tuple[float, DraftEvent]]:
        pipeline, client = _pipeline(fake)
        loop = asyncio.get_running_loop()
        try:
            return [(loop.time(), e) async for e in pipeline.events(brief, mode=mode)]
        finally:
            await client.aclose()

    return asyncio.run(run())


def test_a_subpoint_draft_passes_with_every_item_its_own_call() -> None:
    with FakeUpstream(ModelResponder()) as fake:
        events = [e for _, e in _events(fake)]
        prompts = [r.messages[-1]["content"] for r in fake.chat_requests]
    done = events[-1].data
    assert done["mode"] == "subpoints" and done["report"]["passed"], done["report"]["checks"]
    outline = Outline.model_validate(done["outline"])
    split = [p for p in outline.parts if len(p.subpoints) >= 2 and p.role == "points"]
    assert split, "the outline gives the points sub-points"
    pieces = [p for p in prompts if "分条同时起草" in p]
    assert len(pieces) == sum(len(p.subpoints) + 1 for p in split)  # a lead and each item
    assert done["usage"]["calls"] == len(prompts)
    for part in split:  # as many items as the outline lists, numbered by code
        section = next(s for s in done["sections"] if s["heading"].endswith(part.heading))
        markers = [f"{n}是" for n in "一二三四"[: len(part.subpoints)]]
        positions = [section["text"].find(m) for m in markers]
        assert -1 not in positions and positions == sorted(positions)
    names = [e.event for e in events]
    assert names.index("outline") < min(i for i, n in enumerate(names) if n.startswith("section"))
    assert "人民至上、生命至上" in done["text"]


def test_the_stream_shows_each_part_in_order_even_when_its_items_finish_out_of_order() -> None:
    with FakeUpstream(ModelResponder(), pacing=Pacing(tokens_per_s=2000)) as fake:
        events = [e for _, e in _events(fake)]
    streamed: dict[int, str] = {}
    for event in events:
        if event.event == "section.delta":
            index = event.data["index"]
            streamed[index] = streamed.get(index, "") + event.data["text"]
    done = {e.data["index"]: e.data["text"] for e in events if e.event == "section.done"}
    assert set(streamed) == set(done)
    for index, text in streamed.items():  # what streamed is, paragraph by paragraph, the part
        assert [line[:6] for line in text.split("\n") if line] == [
            line[:6] for line in done[index].split("\n") if line
        ], index


def test_parts_begin_while_the_outline_is_still_being_written() -> None:
    with FakeUpstream(ModelResponder(), pacing=Pacing(tokens_per_s=300)) as fake:
        timed = _events(fake)
        requests = fake.chat_requests
    outline_at = next(t for t, e in timed if e.event == "outline")
    first_part = min(r.received_at for r in requests[1:])
    # the fake's clock is time.monotonic, as the event loop's is
    assert first_part < outline_at - 0.3, (first_part, outline_at)


def test_parts_begun_from_an_outline_that_is_then_refused_are_written_again() -> None:
    """A model that outlines four points where three were asked: the parts begun from its
    stream are dropped, and the draft is written from the outline that replaces it."""
    with FakeUpstream(ModelResponder(Faults(outline_points=4))) as fake:
        events = [e for _, e in _events(fake)]
    done = events[-1].data
    assert any("改用按简报生成的提纲" in n for n in done["notes"])
    assert done["report"]["passed"], [c for c in done["report"]["checks"] if not c["passed"]]
    headings = [p["heading"] for p in done["outline"]["parts"] if p["heading"]]
    assert headings == [p.title for p in BRIEF.points]
    assert "（续" not in done["text"]
    finished = [e.data["index"] for e in events if e.event == "section.done"]
    assert sorted(finished) == list(range(len(done["outline"]["parts"])))  # each part once


def test_a_failing_item_call_fails_the_draft_with_the_upstream_error() -> None:
    responder = ModelResponder()

    def failing(request: dict[str, Any]) -> Any:
        prompt = request["messages"][-1]["content"]
        return Status(500) if "第2条" in prompt else responder(request)

    with FakeUpstream(failing) as fake, pytest.raises(UpstreamError):
        _events(fake)


def test_the_builtin_drafter_writes_parts_whole_and_says_so_in_the_mode() -> None:
    pipeline = Pipeline(KIT, BuiltinDrafter(KIT), None, Scorer(KIT))
    draft = asyncio.run(pipeline.draft(BRIEF, mode="subpoints"))
    assert draft.mode == "parallel" and draft.report.passed


def test_an_approved_outline_is_written_in_pieces_too() -> None:
    outline = derive_outline(BRIEF, SKELETON)
    with FakeUpstream(ModelResponder()) as fake:

        async def run() -> Any:
            pipeline, client = _pipeline(fake)
            try:
                return await pipeline.draft(BRIEF, outline, mode="subpoints")
            finally:
                await client.aclose()

        draft = asyncio.run(run())
        outlines = [r for r in fake.chat_requests if r.body.get("response_format")]
    assert not outlines and draft.outline.parts[1].subpoints == ["落实党政同责", "落实企业主体责任"]
    assert "一是落实党政同责" in draft.text or "一是" in draft.sections[3].text


def test_the_api_drafts_in_subpoint_mode_by_default_with_a_model(
    tmp_path: Path, build_dir: Path
) -> None:
    with FakeUpstream(ModelResponder()) as fake:
        settings = settings_for(
            tmp_path, build_dir, drafter="openai", openai_base_url=fake.base_url,
            openai_api_key="k", model="fake-model", judge=False,
        )  # fmt: skip
        with running_app(settings) as client:
            brief = BRIEF.model_dump(mode="json")
            response = client.post("/v1/drafts", json=brief)
            assert response.status_code == 201, response.text
            assert response.json()["mode"] == "subpoints"
            parallel = client.post("/v1/drafts", json={**brief, "mode": "parallel"})
            assert parallel.json()["mode"] == "parallel"
            streamed = client.post(
                "/v1/drafts", json=brief, headers={"Accept": "text/event-stream"}
            )
            names = [name for name, _ in sse_events(streamed.text)]
    assert names[-1] == "done" and names.index("outline") < names.index("section.done")


def test_a_part_begun_early_is_shown_only_the_outline_written_so_far() -> None:
    """A part begun before the outline is finished is told which parts are still being
    planned, not shown the brief's guesses for them as if they were the outline."""
    with FakeUpstream(ModelResponder(), pacing=Pacing(tokens_per_s=300)) as fake:
        _events(fake)
        prompts = [r.messages[-1]["content"] for r in fake.chat_requests[1:]]
    opening = next(p for p in prompts if "只写其中的“开场”部分" in p)
    shown = opening.split("<outline>", 1)[1].split("</outline>", 1)[0]
    assert "（提纲还在拟定）" in shown and "压实安全生产责任" not in shown
    late = next(p for p in prompts if "第3条" in p and "本点标题已定为“提升应急处置能力”" in p)
    shown = late.split("<outline>", 1)[1].split("</outline>", 1)[0]
    assert all(point.title in shown for point in BRIEF.points)  # every point written by then
    assert shown.count("（提纲还在拟定）") <= 1  # the closing, at most
