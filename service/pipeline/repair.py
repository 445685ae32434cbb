"""What is wrong with one part of a draft, in words a drafter can act on.

The scorer judges the whole speech; these checks judge one part's body with the
same primitives (figures, copying, phrases, length), so only the parts at fault
are written again, each told what to fix.
"""

from __future__ import annotations

from collections.abc import Sequence

from service.knowledge.lexicon import Lexicon
from service.schemas import Brief
from service.scoring.checks_brief import LENGTH_RANGE
from service.text.figures import invented_figures
from service.text.normalise import count_chars, traditional_chars
from service.text.overlap import ExampleIndex, find_overlap

LENGTH_BAND = (0.6, 1.6)  # of the part's planned length; the whole speech is held to 0.9–1.2


def part_problems(
    body: str,
    *,
    brief: Brief,
    planned_chars: int,
    phrases: Sequence[str],
    lexicon: Lexicon,
    examples: ExampleIndex | None = None,
    truncated: bool = False,
) -> list[str]:
    """Problems of one part body; empty when it can stand as it is."""
    problems: list[str] = []
    if not body.strip():
        return ["这一部分是空的，请写出正文。"]
    missing = [p for p in phrases if p not in body]
    if missing:
        problems.append("缺少必须原样写入的提法：" + "、".join(f"“{p}”" for p in missing))
    forbidden = [p for p in brief.forbidden_phrases if p in body]
    if forbidden:
        problems.append("出现了简报禁止的说法：" + "、".join(f"“{p}”" for p in forbidden))
    problems.extend(_length_problem(body, planned_chars, truncated))
    fixed = [*brief.required_phrases, *lexicon.canonical_terms, *lexicon.fixed_numeral_words]
    invented = invented_figures(body, brief.fact_text(), fixed)
    if invented:
        shown = "、".join(f"“{f.text}”" for f in invented[:5])
        problems.append(f"这些数字或日期简报里没有，不能编造：{shown}；删去或改为定性表述。")
    if examples is not None:
        problems.extend(_copying_problems(body, brief, examples))
    old = traditional_chars(body)
    if old:
        problems.append("有繁体字：" + "".join(old[:10]) + "，请全部用简体。")
    return problems


def _length_problem(body: str, planned: int, truncated: bool) -> list[str]:
    chars = count_chars(body)
    if truncated:
        return [f"上次输出被截断（约{chars}字），请写得紧凑些，约{planned}字，完整收尾。"]
    low, high = LENGTH_BAND
    if chars < planned * low:
        return [f"篇幅太短：约{chars}字，应约{planned}字，请充实内容（事实只取自简报）。"]
    if chars > planned * high:
        return [f"篇幅太长：约{chars}字，应约{planned}字，请压缩。"]
    return []


def _copying_problems(body: str, brief: Brief, examples: ExampleIndex) -> list[str]:
    overlap = find_overlap(body, examples, brief.fact_text(), brief.required_phrases)
    problems = []
    if overlap.copies_text:
        copied = overlap.sentences or overlap.runs
        shown = "；".join(f"“{c.text[:30]}”" for c in copied[:3])
        problems.append(f"与范文雷同，范文只能学结构和语气，请用自己的话重写：{shown}")
    if overlap.names:
        names = "、".join(n.name for n in overlap.names[:5])
        problems.append(f"出现了范文里的人名、地名或单位名（简报里没有）：{names}，请删去。")
    return problems


def length_requests(
    bodies: Sequence[str], planned: Sequence[int], total: int, target: int
) -> dict[int, str]:
    """When the whole speech is outside 0.9–1.2 of its target, ask parts to change length:
    the longest first when too long (they have the most to give), the furthest below their
    plan first when too short, until the gap is covered."""
    low, high = LENGTH_RANGE
    if low * target <= total <= high * target:
        return {}
    too_long = total > target
    sizes = [count_chars(body) for body in bodies]
    if too_long:
        order = sorted(range(len(sizes)), key=lambda i: -sizes[i])
    else:
        order = sorted(range(len(sizes)), key=lambda i: sizes[i] - planned[i])
    asks: dict[int, str] = {}
    left = abs(total - target)
    word = "太长" if too_long else "太短"
    for index in order:
        if left <= 0:
            break
        share = min(left, sizes[index] // 3 if too_long else max(planned[index] // 2, 20))
        wanted = sizes[index] - share if too_long else sizes[index] + share
        asks[index] = f"全文篇幅{word}（约{total}字，目标约{target}字）：本部分请改为约{wanted}字。"
        left -= share
    return asks
