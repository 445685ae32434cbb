"""Checks against the brief: required and forbidden phrases, point count, length,
meeting and speaker named, and figures that the brief does not give."""

from __future__ import annotations

from service.schemas import Brief
from service.scoring.context import Context, PartScope
from service.scoring.report import Outcome, Skip
from service.text.figures import invented_figures
from service.text.normalise import count_chars

LENGTH_RANGE = (0.9, 1.2)  # of the brief's target 字数
PART_LENGTH_BAND = (0.6, 1.6)  # of a part's planned length; the whole is held to LENGTH_RANGE
_SHOW = 5
_NO_BRIEF = Skip("未提供简报（brief），不检查")
_MEETING_SHARE = 0.7  # this share of the meeting's name, in one piece, counts as naming it


def _brief(ctx: Context) -> Brief | None:
    return ctx.brief


def check_required_phrases(ctx: Context) -> Outcome | Skip:
    """Every required phrase appears verbatim (in a part: the phrases given to that part)."""
    if _brief(ctx) is None:
        return _NO_BRIEF
    wanted = ctx.required_phrases
    if not wanted:
        return Skip("简报未列必用提法" if ctx.part is None else "这一部分没有分到必用提法")
    missing = [p for p in wanted if p not in ctx.text]
    if missing:
        return Outcome(False, "缺少必用提法（须逐字出现）：" + "、".join(f"“{p}”" for p in missing))
    return Outcome(True, f"{len(wanted)}条必用提法均逐字出现")


def check_forbidden_phrases(ctx: Context) -> Outcome | Skip:
    """No forbidden phrase appears."""
    if (brief := _brief(ctx)) is None:
        return _NO_BRIEF
    if not brief.forbidden_phrases:
        return Skip("简报未列禁用词语")
    lines = ctx.text.split("\n")
    found = [
        f"“{p}”（第{i}行）"
        for p in brief.forbidden_phrases
        for i, line in enumerate(lines, 1)
        if p in line
    ]
    if found:
        return Outcome(False, "出现禁用词语：" + "、".join(found[:_SHOW]))
    return Outcome(True, "未出现禁用词语")


def check_point_count(ctx: Context) -> Outcome | Skip:
    """As many top-level points as the brief asks for.

    Where a type's top-level parts are fixed by its form (评价/建议, 成效/经验/下步), the
    brief's listed points are items inside a part, so only an explicit point_count counts;
    a presiding text's points are its wrap-up's, not numbered headings.
    """
    if (brief := _brief(ctx)) is None:
        return _NO_BRIEF
    skeleton = ctx.skeleton
    fixed = skeleton is not None and skeleton.has_fixed_parts
    wanted = brief.point_count if fixed else brief.effective_point_count
    if wanted is None or (skeleton is not None and skeleton.kind == "presiding"):
        return Skip("简报未规定要点个数")
    found = len(ctx.parsed.points)
    if found != wanted:
        return Outcome(False, f"简报要求{wanted}个要点，稿中有{found}个")
    return Outcome(True, f"{found}个要点，与简报一致")


def check_length(ctx: Context) -> Outcome | Skip:
    """字数 within 0.9×–1.2× of the target (a part: within 0.6×–1.6× of its plan)."""
    if (brief := _brief(ctx)) is None:
        return _NO_BRIEF
    if ctx.part is not None:
        return _part_length(ctx.text, ctx.part)
    target = ctx.skeleton.target_chars(brief) if ctx.skeleton else brief.target_chars
    if target is None:
        return Skip("简报未给目标字数")
    low, high = round(target * LENGTH_RANGE[0]), round(target * LENGTH_RANGE[1])
    chars = ctx.parsed.chars
    if low <= chars <= high:
        return Outcome(True, f"{chars}字，在目标{target}字的{low}–{high}字范围内")
    side = "过短" if chars < low else "过长"
    return Outcome(False, f"{side}：{chars}字，目标{target}字（应在{low}–{high}字之间）")


def _part_length(body: str, part: PartScope) -> Outcome:
    chars, planned = count_chars(body), part.planned_chars
    if part.truncated:
        return Outcome(
            False, f"上次输出被截断（约{chars}字），请写得紧凑些，约{planned}字，完整收尾"
        )
    low, high = PART_LENGTH_BAND
    if chars < planned * low:
        return Outcome(False, f"篇幅太短：约{chars}字，应约{planned}字")
    if chars > planned * high:
        return Outcome(False, f"篇幅太长：约{chars}字，应约{planned}字")
    return Outcome(True, f"约{chars}字，计划约{planned}字")


def _longest_shared(name: str, text: str) -> int:
    """Length of the longest piece of name that occurs in text."""
    best = 0
    for start in range(len(name)):
        length = best + 1
        while start + length <= len(name) and name[start : start + length] in text:
            best, length = length, length + 1
    return best


def check_meeting_named(ctx: Context) -> Outcome | Skip:
    """The meeting is named (verbatim, or most of its name in one piece)."""
    if (brief := _brief(ctx)) is None:
        return _NO_BRIEF
    meeting = brief.meeting
    if meeting in ctx.text:
        return Outcome(True, f"提到会议“{meeting}”")
    shared = _longest_shared(meeting, ctx.text)
    if shared >= max(4, _MEETING_SHARE * len(meeting)):
        return Outcome(True, f"提到会议（简称，{shared}/{len(meeting)}字一致）")
    return Outcome(False, f"稿中未提到会议“{meeting}”")


def check_speaker_named(ctx: Context) -> Outcome | Skip:
    """The speaker's role appears (usually in the title: "市委书记在…上的讲话")."""
    if (brief := _brief(ctx)) is None:
        return _NO_BRIEF
    if brief.speaker in ctx.text:
        return Outcome(True, f"提到讲话人“{brief.speaker}”")
    return Outcome(False, f"稿中未出现讲话人职务“{brief.speaker}”（可在标题中写明）")


def check_invented_figures(ctx: Context) -> Outcome | Skip:
    """Every number, percentage and date comes from the brief."""
    if _brief(ctx) is None:
        return _NO_BRIEF
    fixed = [*ctx.allowed_phrases, *ctx.lexicon.fixed_numeral_words]
    invented = invented_figures(ctx.text, ctx.allowed_text, fixed)
    if invented:
        shown = "；".join(f"第{f.line}行“{f.text}”" for f in invented[:_SHOW])
        more = f"等共{len(invented)}处" if len(invented) > _SHOW else ""
        return Outcome(False, f"简报中没有的数字或日期：{shown}{more}")
    return Outcome(True, "数字、百分比、日期均出自简报")
