"""A stand-in for a competent chat model, for the fake upstream: it reads our prompts the way a
model would (the brief block, the part asked for, its length, the required phrases) and answers
in kind, on the brief's topic.
It lets tests drive the real pipeline through the real openai client; `Faults`
then makes it misbehave in the ways real models do, one fault at a time.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import opencc

from service.drafters.base import PartJob
from service.drafters.builtin import BuiltinDrafter
from service.drafters.fields import rebalanced
from service.knowledge.kit import Kit, default_kit
from service.knowledge.skeletons import Skeleton
from service.pipeline.assembly import assemble
from service.pipeline.outline import Outline, dated, derive_outline
from service.pipeline.pieces import split_items
from service.schemas import Brief
from service.testing.fake_upstream import Status
from service.text.clip import clipped

_MUST = re.compile(r"必须原样写入这些提法，一字不改：([^。\n]+)。")
_QUOTED = re.compile(r"“([^”]+)”")
_T2S = opencc.OpenCC("s2t")
_BRIEF_BLOCK = re.compile(r"<brief>(.*?)</brief>", re.S)
_FIELD = re.compile(
    r"^(讲话类型|会议名称|讲话人|单位|时间|参会对象|会议目的|出席人员|其他说明)：(.+)$", re.M
)
_TARGET = re.compile(r"全文目标字数：约(\d+)字")
_AGENDA = re.compile(r"^\d+\. ([^：\n]+)：([^\n]+)$", re.M)
_THIS_POINT = re.compile(r"这是主体的第(\d+)点")
_SIZE = re.compile(r"篇幅：?约(\d+)字")
_HEADING = re.compile(r"(?:本点标题已定为|标题是|一级标题已定为)“([^”]+)”")
_DRAFT = re.compile(r"<draft>(.*?)</draft>", re.S)
_JUDGE = "评审下面这篇"
_T2S_BACK = opencc.OpenCC("t2s")
# Review findings a careful model answers by writing the part again, not by touching it up.
_REWRITE_CUES = ("提法", "过长", "过短", "篇幅", "繁体", "Markdown", "套话", "对话")
_OTHER_POINTS = re.compile(r"其余几点的标题[^：]*：([^\n]+)")
_PART_LABEL = re.compile(r"这次请你只写其中的?“([^”]+)”部分|“([^”]+)”部分的初稿")
_PIECE = re.compile(r"这次请你只写其中“[^”]+”部分的(?:引导段|第(\d+)条)")
_PART_SIZE = re.compile(r"本部分共约(\d+)字")


@dataclass(frozen=True)
class Faults:
    """Ways the stand-in model misbehaves; each applies to first drafts, not to repairs."""

    markdown_and_chatter: bool = False
    traditional: bool = False
    drop_phrases: bool = False  # leaves out the required phrases until asked to repair
    outline_points: int | None = None  # outline with this many points, whatever was asked
    outline_not_json: bool = False
    judge_not_json: bool = False  # its review of a draft is prose, not the JSON asked for
    judge_fails: bool = False  # the endpoint answers the review with a server error
    # writes the formulas the program adds: a salutation, the part's numbered heading, the
    # sentence announcing the points, and 谢谢大家！ at the end of every answer
    own_formulas: bool = False


@dataclass(frozen=True)
class _Asked:
    """What one part's or piece's prompt asks the stand-in to write."""

    brief: Brief
    skeleton: Skeleton
    outline: Outline
    index: int
    phrases: list[str]
    size: int | None


def _last_user(request: dict[str, Any]) -> str:
    users = [m.get("content", "") for m in request.get("messages", []) if m.get("role") == "user"]
    return str(users[-1]) if users else ""


def brief_from_prompt(prompt: str, kit: Kit) -> tuple[Brief, int | None]:
    """The brief as our prompt shows it (the <brief> block), and the point number a part
    prompt asks for; a part's prompt names the other points by title only."""
    block = _BRIEF_BLOCK.search(prompt)
    text = block.group(1) if block else prompt
    fields = dict(_FIELD.findall(text))
    lists = _lists(text)
    point_number = _THIS_POINT.search(prompt)
    number = int(point_number.group(1)) if point_number else None
    points = [{"title": title, "details": details} for title, details in _points(text)]
    other_line = _OTHER_POINTS.search(text)
    others = _QUOTED.findall(other_line.group(1)) if other_line else []
    if number is not None and others:
        own = points[0] if points else {"title": "", "details": []}
        titles = [{"title": t, "details": []} for t in others]
        points = [*titles[: number - 1], own, *titles[number - 1 :]]
    data: dict[str, Any] = {
        "speech_type": kit.types.get(fields.get("讲话类型", "工作会议讲话")).type,
        "meeting": fields.get("会议名称", "工作会议"),
        "speaker": fields.get("讲话人", "负责同志"),
        "organization": fields.get("单位"),
        "date": fields.get("时间"),
        "audience": fields.get("参会对象"),
        "purpose": fields.get("会议目的"),
        "achievements": lists.get("成绩", []),
        "problems": lists.get("问题", []),
        "points": points,
        "required_phrases": _quoted_after(text, "必须原样出现的提法："),
        "forbidden_phrases": _quoted_after(text, "不得出现的词语："),
        "notes": fields.get("其他说明"),
        "agenda": [{"speaker": a, "topic": b} for a, b in _AGENDA.findall(text)],
        "attendees": [a for a in fields.get("出席人员", "").split("；") if a],
    }
    target = _TARGET.search(text)
    if target:
        data["target_chars"] = int(target.group(1))
    return Brief.model_validate(data), number


def _lists(text: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for name, heading in (("成绩", "已取得的成绩"), ("问题", "存在的问题")):
        block = re.search(heading + r"[^\n]*\n((?:- [^\n]+\n?)+)", text)
        if block:
            found[name] = [line[2:].strip() for line in block.group(1).splitlines() if line.strip()]
    return found


def _points(text: str) -> list[tuple[str, list[str]]]:
    block = re.search(r"要讲的意见（按顺序）：\n((?:(?:\d+\. |   - )[^\n]+\n?)+)", text)
    if not block:
        return []
    points: list[tuple[str, list[str]]] = []
    for line in block.group(1).splitlines():
        if line.startswith("   - ") and points:
            points[-1][1].append(line[5:].strip())
        elif re.match(r"\d+\. ", line):
            points.append((line.split(". ", 1)[1].strip(), []))
    return points


def _quoted_after(text: str, label: str) -> list[str]:
    line = next((x for x in text.splitlines() if x.startswith(label)), "")
    return _QUOTED.findall(line)


class ModelResponder:
    """Callable responder for FakeUpstream: outline JSON, part bodies, or a whole speech.

    It writes as a competent model would: on the brief's topic, from its facts, in its
    field's language (it reads the brief from our prompt and writes with the built-in
    drafter's means), so a well-behaved run passes every check and each fault shows."""

    def __init__(self, faults: Faults | None = None, kit: Kit | None = None) -> None:
        self.faults = faults or Faults()
        self.kit = kit or default_kit()
        self.writer = BuiltinDrafter(self.kit)
        self.briefs: dict[str, Brief] = {}  # the whole brief of each meeting it outlined
        self.last: Brief | None = None
        self._outlines: dict[str, Outline] = {}

    def _brief(self, prompt: str) -> tuple[Brief, int | None]:
        """The brief in the prompt; a part's prompt shows only its own point's details, so
        the whole brief seen when outlining is remembered, as a model's context would (and a
        follow-up that repeats no brief is about the last one)."""
        if "<brief>" not in prompt and self.last is not None:
            return self.last, None
        brief, number = brief_from_prompt(prompt, self.kit)
        whole = self.briefs.get(brief.meeting)
        if number is None or whole is None or len(whole.points) != len(brief.points):
            return brief, number
        return whole, number

    def __call__(self, request: dict[str, Any]) -> str | Status:
        prompt = _last_user(request)
        if _JUDGE in prompt:
            return self.review(prompt)
        if request.get("response_format"):
            return self.outline(prompt)
        if "请修改" in prompt:
            return self.part(prompt, repair=True)
        if "起草一篇完整的" in prompt:
            return self.whole(prompt)
        piece = _PIECE.search(prompt)
        if piece is not None:
            return self.piece(prompt, int(piece.group(1)) - 1 if piece.group(1) else None)
        return self.part(prompt, repair=False)

    def _outline_of(self, brief: Brief) -> Outline:
        """The outline a model proposes: the brief's, with two to four sub-points for every
        point the brief gave no details for (as prompts/outline.md asks). The same brief
        always gets the same outline: it is made once (every part's and piece's prompt asks)."""
        key = brief.model_dump_json()
        if key not in self._outlines:
            self._outlines[key] = self._proposed(brief)
        return self._outlines[key]

    def _proposed(self, brief: Brief) -> Outline:
        skeleton = self.kit.types.get(brief.speech_type)
        outline = rebalanced(derive_outline(brief, skeleton), brief, skeleton, self.kit)
        parts = list(outline.parts)
        for index, part in enumerate(parts):
            if part.subpoints or skeleton.section(part.role).numbering != "points":
                continue
            _, items = split_items(self.writer.compose(PartJob(brief, skeleton, outline, index)))
            found = [clipped(re.split(r"[，。；]", item)[0], 30) for item in items[:4]]
            if len(found) >= 2:
                parts[index] = part.model_copy(update={"subpoints": found})
        return outline.model_copy(update={"parts": parts})

    def outline(self, prompt: str) -> str:
        if self.faults.outline_not_json:
            return "好的，提纲如下：一、提高认识；二、抓好落实。"
        brief, _ = self._brief(prompt)
        self.briefs[brief.meeting] = self.last = brief
        outline = self._outline_of(brief)
        skeleton = self.kit.types.get(brief.speech_type)
        points_roles = {s.role for s in skeleton.sections if s.numbering == "points"}
        parts = [  # as prompts/outline.md asks: every part in speaking order
            {"role": p.role, "heading": p.heading, "gist": "" if p.gist == p.heading else p.gist,
             "subpoints": p.subpoints, "chars": p.chars}
            for p in outline.parts
        ]  # fmt: skip
        asked = self.faults.outline_points
        if asked is not None:
            points = [p for p in parts if p["role"] in points_roles]
            others = [p for p in parts if p["role"] not in points_roles]
            extra = [
                dict(points[-1], heading=f"{points[-1]['heading']}（续{i}）") for i in range(asked)
            ]
            parts = others[:1] + (points + extra)[:asked] + others[1:]
        return json.dumps({"parts": parts}, ensure_ascii=False)

    def _asked(self, prompt: str, size: re.Pattern[str]) -> _Asked:
        """What a part's or a piece's prompt asks for: whose part, which, how long, with
        which phrases."""
        brief, number = self._brief(prompt)
        skeleton = self.kit.types.get(brief.speech_type)
        outline = self._outline_of(brief)
        must = _MUST.search(prompt)
        chars = size.search(prompt)
        return _Asked(
            brief, skeleton, outline, self._part_index(prompt, outline, skeleton, number),
            _QUOTED.findall(must.group(1)) if must else [],
            int(chars.group(1)) if chars else None,
        )  # fmt: skip

    def part(self, prompt: str, *, repair: bool) -> str:
        asked = self._asked(prompt, _SIZE)
        brief, skeleton, outline, index = asked.brief, asked.skeleton, asked.outline, asked.index
        phrases, size = asked.phrases, asked.size
        if repair:
            return self.repaired(prompt, brief, skeleton, outline, index, phrases, size)
        if self.faults.drop_phrases:
            phrases = []
        body = self.writer.compose(
            PartJob(brief, skeleton, outline, index, phrases=phrases, size=size)
        )
        if self.faults.drop_phrases:
            body = _without(body, brief.required_phrases)
        if self.faults.own_formulas:
            body = _with_formulas(body, outline.parts[index].heading, first=index == 0)
        return self._misbehave(body)

    def piece(self, prompt: str, item: int | None) -> str:
        """One piece of a part (its lead when `item` is None): the part written whole, as
        `part` does, and the piece asked for cut out of it, carrying its required phrases."""
        asked = self._asked(prompt, _PART_SIZE)
        outline, index, phrases = asked.outline, asked.index, asked.phrases
        job = PartJob(asked.brief, asked.skeleton, outline, index, phrases=phrases, size=asked.size)
        body = self.writer.compose(job)
        lead, items = split_items(body)
        if item is None:
            text = lead or "这是这次会议部署的一项重点任务，必须拿出硬措施、抓出真成效。"
        else:
            text = items[min(item, len(items) - 1)] if items else body
        missing = [p for p in phrases if p not in text]
        carried = [
            s for s in re.findall(r"[^。！？\n]+[。！？]", body) if any(p in s for p in missing)
        ]
        text += "".join(dict.fromkeys(carried))
        if self.faults.own_formulas:
            text = _with_formulas(text, outline.parts[index].heading, first=index == 0)
        return self._misbehave(text)

    def repaired(
        self,
        prompt: str,
        brief: Brief,
        skeleton: Skeleton,
        outline: Outline,
        index: int,
        phrases: list[str],
        size: int | None,
    ) -> str:
        """What a careful model does with the review: the draft kept where nothing is wrong,
        written again to the asked length when it is too long or short or lacks phrases."""
        draft = _DRAFT.search(prompt)
        body = _T2S_BACK.convert(draft.group(1).strip()) if draft else ""
        problems = prompt.split("审核发现的问题：", 1)[-1].split("<draft>", 1)[0]
        if body and not any(cue in problems for cue in _REWRITE_CUES):
            return body
        wanted = [p for p in brief.required_phrases if p in problems] or phrases
        return self.writer.compose(
            PartJob(brief, skeleton, outline, index, phrases=wanted, size=size)
        )

    def _part_index(
        self, prompt: str, outline: Outline, skeleton: Skeleton, number: int | None
    ) -> int:
        heading = _HEADING.search(prompt)
        if heading is not None:
            named = [i for i, p in enumerate(outline.parts) if p.heading == heading.group(1)]
            if named:
                return named[0]
        roles = [p.role for p in outline.parts]
        if number is not None:
            points = [
                i for i, role in enumerate(roles) if skeleton.section(role).numbering == "points"
            ]
            if points:
                return points[min(number, len(points)) - 1]
        found = _PART_LABEL.search(prompt)
        label = next((g for g in found.groups() if g), "") if found else ""
        return next((i for i, role in enumerate(roles) if skeleton.section(role).label == label), 0)

    def whole(self, prompt: str) -> str:
        brief, _ = brief_from_prompt(prompt, self.kit)
        skeleton = self.kit.types.get(brief.speech_type)
        outline = dated(self._outline_of(brief), brief)
        used: set[str] = set()
        bodies = [
            self.writer.compose(PartJob(brief, skeleton, outline, i, used=used))
            for i in range(len(outline.parts))
        ]
        return assemble(outline, bodies, skeleton).text

    def review(self, prompt: str) -> str | Status:
        """A review as a careful reader gives it: each aspect scored, with a sentence of the
        draft quoted (the longest one for what is best, the shortest for what is weakest)."""
        if self.faults.judge_fails:
            return Status(500)
        if self.faults.judge_not_json:
            return "这篇讲话整体不错，结构清楚，建议再精炼一些。"
        draft = _DRAFT.search(prompt)
        sentences = re.findall(r"[^。！？\n]{8,}[。！？]", draft.group(1) if draft else "")
        longest = max(sentences, key=len, default="")
        shortest = min(sentences, key=len, default="")
        scores = {
            aspect: {
                "score": 4 if aspect != "repetition" else 3,
                "quote": longest if aspect != "repetition" else shortest,
                "comment": "紧扣标题和简报" if aspect == "relevance" else "总体得当",
            }
            for aspect in ("relevance", "specificity", "coherence", "register", "repetition")
        }
        return json.dumps(
            {"scores": scores, "summary": "内容扎实，个别句式可再变化。"}, ensure_ascii=False
        )

    def _misbehave(self, body: str) -> str:
        if self.faults.traditional:
            body = _T2S.convert(body)
        if self.faults.markdown_and_chatter:
            body = f"好的，以下是这一部分的正文：\n\n**{body[:10]}**{body[10:]}\n\n希望对您有帮助。"
        return body


def _with_formulas(body: str, heading: str, *, first: bool) -> str:
    """A part as a model that imitates whole example speeches writes it."""
    top = f"一、{heading}\n" if heading else ""
    transition = "下面，我讲三点意见。" if first else ""
    return f"同志们：\n{top}{body}{transition}谢谢大家！\n谢谢！"


def _without(body: str, phrases: list[str]) -> str:
    """The body with every sentence that carries a required phrase left out."""
    kept = [s for s in re.findall(r"[^。！？]+[。！？]?", body) if not any(p in s for p in phrases)]
    return "".join(kept) or body
