"""Checks of a speech's form: kind, salutation, opening, closing, numbering, announced counts."""

from __future__ import annotations

import re

from service.knowledge.skeletons import SPEECH_OPENING
from service.scoring.context import Context
from service.scoring.report import Outcome, Skip
from service.text.formulas import sign_off_lines
from service.text.normalise import count_chars
from service.text.structure import (
    LEVEL_ORDER,
    STYLE_DI,
    STYLE_ENUM_SHI,
    STYLE_ENUM_YAO,
    STYLE_QI,
    STYLE_SEQUENCE,
    Item,
    chinese_ordinal,
)

MIN_BODY_CHARS = 300  # the shortest real texts (news items, presiding texts) run 700+ 字
PARAGRAPH_CHARS = 800  # a speech breaks a paragraph at least this often, on average
MIN_PARAGRAPHS = 3
_SIGN_OFF_LINES = 2  # the closing paragraph and the sign-off line itself
_LEVEL_NAMES = ("一、", "（一）", "1.", "（1）")
_PRESIDING_CLOSING = re.compile(r"散会|会议到此结束|会议就开到这里|今天的会议就到这里|会议结束")
_AGENDA_COUNT = re.compile(r"议程(?:共)?有?([0-9一二两三四五六七八九十]{1,3})项")
KIND_NAMES = {
    "speech": "讲话稿",
    "presiding": "主持词",
    "pledge": "表态发言",
    "address": "致辞",
    "news": "会议报道",
    "other": "其他文本",
}
_NOT_A_SPEECH = {
    "news": "这是会议报道（第三人称记述），不是讲话稿",
    "other": "这不是讲话稿",
}


_SPEECH_OPENING = re.compile(SPEECH_OPENING)


def check_is_speech(ctx: Context) -> Outcome:
    """News reports and fiction are not speeches; say which markers gave them away."""
    reasons = "；".join(ctx.verdict.reasons)
    if ctx.is_speech:
        return Outcome(True, f"识别为{KIND_NAMES[ctx.kind]}（{reasons}）")
    return Outcome(False, f"{_NOT_A_SPEECH[ctx.kind]}：{reasons}")


def check_body(ctx: Context) -> Outcome:
    """Enough text after the title and salutation to be a speech at all (not a fragment)."""
    parsed = ctx.parsed
    head = [parsed.title or "", *parsed.meta, parsed.salutation or ""]
    body = parsed.chars - sum(count_chars(part) for part in head)
    if body >= MIN_BODY_CHARS:
        return Outcome(True, f"正文{body}字")
    return Outcome(False, f"正文仅{body}字，不成篇（至少{MIN_BODY_CHARS}字）")


def check_paragraphs(ctx: Context) -> Outcome:
    """Paragraphs a reader can follow: a long text in one or two lines lost its breaks."""
    paragraphs = sum(1 for line in ctx.text.split("\n") if line.strip())
    chars = ctx.parsed.chars
    wanted = max(MIN_PARAGRAPHS, chars // PARAGRAPH_CHARS)
    if chars < PARAGRAPH_CHARS or paragraphs >= wanted:
        return Outcome(True, f"{paragraphs}段")
    return Outcome(
        False,
        f"全文{chars}字只有{paragraphs}段，看不出段落和层次（可能复制时丢了换行）；"
        f"至少应分{wanted}段",
    )


def check_headings(ctx: Context) -> Outcome | Skip:
    """A draft of a type whose form numbers its points (一、二、三、) has them."""
    skeleton = ctx.skeleton
    if not ctx.draft:
        return Skip("只检查草稿（真实讲话不一定分点）")
    if skeleton is None or skeleton.heading_style == "none":
        return Skip("这类讲话不要求一级标题")
    if ctx.parsed.points:
        return Outcome(True, f"{len(ctx.parsed.points)}个一级标题")
    return Outcome(False, f"{skeleton.name}应分点讲，有一级标题（一、二、三、），全文一个也没有")


def check_salutation(ctx: Context) -> Outcome:
    """称呼 present, and 尊敬的… where the type calls for it (致辞、表态发言)."""
    salutation = ctx.salutation
    if salutation is None:
        line = ctx.line_no(ctx.body_start)
        return Outcome(False, f"缺少称呼（如“同志们：”），第{line}行直接开始正文")
    formal = ctx.skeleton is not None and ctx.skeleton.formal_salutation
    if formal and "尊敬的" not in salutation:
        return Outcome(False, f"{ctx.type_name}的称呼应以“尊敬的……”开头，现为“{salutation}”")
    where = "（与正文同行）" if ctx.parsed.salutation is None else ""
    return Outcome(True, f"称呼“{salutation}”{where}")


def check_opening(ctx: Context) -> Outcome:
    """The opening states the meeting's purpose (今天…召开…/主要任务是…) or comments on 刚才."""
    parsed = ctx.parsed
    opening = parsed.opening or "\n".join(parsed.lines[ctx.body_start : ctx.body_start + 1])
    cue = ctx.skeleton.opening_pattern if ctx.skeleton else _SPEECH_OPENING
    found = cue.search(opening[:400])
    if found:
        return Outcome(True, f"开头点明会议：“{found.group()}……”")
    if not opening.strip():
        return Outcome(False, "称呼之后直接进入正文要点，缺少说明会议目的的开头")
    line = ctx.line_no(ctx.body_start)
    return Outcome(False, f"第{line}行起的开头未说明会议目的（如“今天，我们召开……，主要任务是……”）")


def check_closing(ctx: Context) -> Outcome:
    """散会 for presiding texts; a call to action or 谢谢大家 for speeches."""
    parsed = ctx.parsed
    last = parsed.lines[-1] if parsed.lines else ""
    presiding = ctx.skeleton is not None and ctx.skeleton.kind == "presiding"
    if presiding or ctx.kind == "presiding":
        found = _PRESIDING_CLOSING.search("\n".join(parsed.lines[-2:]))
        if found:
            return Outcome(True, f"主持词以“{found.group()}”结束")
        line = ctx.line_no(len(parsed.lines) - 1)
        return Outcome(False, f"主持词结尾（第{line}行）缺少“散会”或“会议到此结束”")
    if parsed.closing:
        return Outcome(True, f"结尾：“{last[-30:]}”")
    return Outcome(
        False,
        f"结尾（第{ctx.line_no(len(parsed.lines) - 1)}行）缺少号召或“谢谢大家”，"
        f"末句为“{last[-30:]}”",
    )


def check_sign_off(ctx: Context) -> Outcome:
    """A sign-off (谢谢大家！, 散会。) ends the speech: one said before its last lines cuts the
    speech off in the middle (a model that signs off every part it writes)."""
    lines = ctx.parsed.lines
    early = [i for i in sign_off_lines(lines) if i < len(lines) - _SIGN_OFF_LINES]
    if not early:
        return Outcome(True, "结束语只在结尾")
    shown = "；".join(f"第{ctx.line_no(i)}行“{lines[i][-12:]}”" for i in early[:3])
    return Outcome(False, f"结束语出现在讲话中间：{shown}，只应在全文最后出现一次")


def _numbers_problem(numbers: list[int]) -> str | None:
    """None when numbers run 1, 2, 3 …; else what is wrong (跳号 or 重号)."""
    for position, number in enumerate(numbers, start=1):
        if number == position:
            continue
        if number < position:
            return f"编号重复（第{position}个编号为{number}）"
        return f"编号跳号（应为{position}，实为{number}）"
    return None


def _heading_rank(style: str, top_style: str | None) -> int | None:
    """Depth of a heading style below the top level; None for styles outside the hierarchy.

    A top level outside GB/T 9704's ladder (第一，/ 其一) stands where 一、 would.
    """
    if style not in LEVEL_ORDER:
        return 0 if style == top_style else None
    base = LEVEL_ORDER.index(top_style) if top_style in LEVEL_ORDER else 0
    return LEVEL_ORDER.index(style) - base


def _heading_problems(ctx: Context) -> list[str]:
    """Level and sub-level numbering faults among heading lines; a parent restarts its children."""
    parsed, problems = ctx.parsed, list[str]()
    if not parsed.points:
        return problems
    first_point = parsed.points[0].line
    last_rank, counters = 0, dict[int, int]()  # rank → last number under the current parent
    for heading in parsed.headings:
        rank = _heading_rank(heading.style, parsed.top_style)
        if heading.line < first_point or rank is None or rank < 0:
            continue
        where = f"第{ctx.line_no(heading.line)}行“{heading.marker}”"
        if rank > last_rank + 1:
            problems.append(f"{where}跳过了上一级编号（{' → '.join(_LEVEL_NAMES)}）")
        expected = counters.get(rank, 0) + 1
        if rank > 0 and heading.number != expected:
            kind = "重复" if heading.number < expected else "跳号"
            problems.append(f"{where}编号{kind}（应为{expected}）")
        counters = {r: n for r, n in counters.items() if r < rank}
        counters[rank], last_rank = heading.number, rank
    return problems


def _enumeration_problems(ctx: Context) -> list[str]:
    problems = []
    for run in ctx.parsed.enumerations:
        problem = _numbers_problem([item.number for item in run.items])
        if problem:
            first = run.items[0]
            problems.append(f"第{ctx.line_no(first.line)}行起的“{first.marker}……”列举{problem}")
    return problems


def check_numbering(ctx: Context) -> Outcome:
    """Top-level points 1..n in one style; sub-levels restart per parent; no level skipped."""
    parsed = ctx.parsed
    problems = []
    if parsed.top_style != STYLE_SEQUENCE:
        top = _numbers_problem([p.number for p in parsed.points])
        if top:
            markers = "、".join(p.marker.rstrip("，,、：:") for p in parsed.points)
            problems.append(f"一级标题{top}：{markers}")
    problems += _heading_problems(ctx) + _enumeration_problems(ctx)
    if problems:
        return Outcome(False, "；".join(dict.fromkeys(problems)))
    if not parsed.points:
        return Outcome(True, "无编号要点；列举编号连续")
    styles = {STYLE_ENUM_SHI: "一是", STYLE_ENUM_YAO: "一要", STYLE_DI: "第一", STYLE_QI: "其一"}
    top_name = styles.get(parsed.top_style or "", parsed.points[0].marker)
    return Outcome(True, f"{len(parsed.points)}个一级要点（{top_name}），编号连续")


def _count_problems(ctx: Context) -> list[str]:
    parsed, problems = ctx.parsed, []
    announced = parsed.announcement
    count = announced.count if announced is not None else None
    if announced is not None and count is not None and count != len(parsed.points):
        markers = "、".join(p.marker.rstrip("，,、：:") for p in parsed.points) or "无"
        problems.append(
            f"第{ctx.line_no(announced.line)}行宣布“{announced.text}”（{count}点），"
            f"实际一级要点{len(parsed.points)}个（{markers}）"
        )
    for run in parsed.enumerations:
        said = run.announcement
        if said is not None and said.count is not None and said.count != len(run.items):
            problems.append(
                f"第{ctx.line_no(said.line)}行宣布“{said.text}”（{said.count}项），"
                f"其后列举{len(run.items)}项（{run.items[0].marker}…{run.items[-1].marker}）"
            )
    return problems + _agenda_problems(ctx)


def _agenda_problems(ctx: Context) -> list[str]:
    """会议议程有3项 in a presiding text: the 一是… run after it must have 3 items."""
    problems = []
    for index, line in enumerate(ctx.parsed.lines):
        found = _AGENDA_COUNT.search(line)
        if found is None:
            continue
        count = chinese_ordinal(found.group(1))
        runs = ctx.parsed.enumerations
        run = next((r for r in runs if _after(r.items[0], index, line, found.end())), None)
        if run is not None and len(run.items) != count:
            problems.append(
                f"第{ctx.line_no(index)}行宣布议程{count}项，其后列举{len(run.items)}项"
            )
    return problems


def _after(item: Item, index: int, line: str, offset: int) -> bool:
    return item.line == index + 1 or (item.line == index and line.find(item.marker, offset) >= 0)


def check_announced_count(ctx: Context) -> Outcome | Skip:
    """ "讲三点意见" with three points; "四个方面的特点" with four 一是-items."""
    problems = _count_problems(ctx)
    if problems:
        return Outcome(False, "；".join(problems))
    announced = ctx.parsed.announcement
    if announced is None or announced.count is None:
        said = [r for r in ctx.parsed.enumerations if r.announcement and r.announcement.count]
        note = f"；{len(said)}处列举的宣布数与实际相符" if said else ""
        return Outcome(True, f"未宣布要点个数{note}")
    return Outcome(True, f"宣布{announced.count}点，实有{len(ctx.parsed.points)}点")
