"""Checks against the example speeches a draft was shown: copied passages and carried-over names."""

from __future__ import annotations

from service.scoring.context import Context
from service.scoring.report import Outcome, Skip
from service.text.overlap import CHUNK, LONG_SENTENCE, MIN_CHUNKS, Overlap, find_overlap

_NO_EXAMPLES = Skip("未提供范文，不检查")
_SHOW = 3


def _overlap(ctx: Context) -> Overlap | None:
    if ctx.examples is None or not ctx.examples.examples:
        return None
    if ctx.overlap is None:
        ctx.overlap = find_overlap(ctx.text, ctx.examples, ctx.common_words, ctx.allowed_phrases)
    return ctx.overlap


def check_copied_text(ctx: Context) -> Outcome | Skip:
    """3+ shared 28-character chunks, or any sentence over 40 characters copied whole."""
    overlap = _overlap(ctx)
    if overlap is None:
        return _NO_EXAMPLES
    problems = []
    if overlap.chunks >= MIN_CHUNKS:
        runs = "；".join(f"第{r.line}行起{r.chars}字“{r.text[:20]}…”" for r in overlap.runs[:_SHOW])
        problems.append(f"与范文相同的{CHUNK}字片段共{overlap.chunks}段：{runs}")
    if overlap.sentences:
        sentences = "；".join(f"第{s.line}行“{s.text[:24]}…”" for s in overlap.sentences[:_SHOW])
        problems.append(f"整句照抄范文（超过{LONG_SENTENCE}字）：{sentences}")
    if problems:
        return Outcome(False, "；".join(problems))
    return Outcome(True, f"与范文相同的{CHUNK}字片段{overlap.chunks}段（上限{MIN_CHUNKS - 1}）")


def check_example_names(ctx: Context) -> Outcome | Skip:
    """Names, places and organisations of the examples that the brief does not mention."""
    overlap = _overlap(ctx)
    if overlap is None:
        return _NO_EXAMPLES
    if overlap.names:
        shown = "、".join(
            f"“{n.name}”（第{'、'.join(map(str, n.lines[:3]))}行）" for n in overlap.names[:5]
        )
        return Outcome(False, f"沿用了范文中的人名、地名或单位名（简报中没有）：{shown}")
    return Outcome(True, "未沿用范文中的人名、地名、单位名")
