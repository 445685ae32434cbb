"""Repetition a writer cuts when merging the parts: a sentence said again in other words in
another paragraph, and one fact of the brief told paragraph after paragraph (drafted part by
part, each part restates the opening's figures and problems). Verbatim repeats are
checks_text's; a theme named throughout (创建全国文明城市) is not a repetition, a fact is.

Measured on the calibration set (`make calibrate`): no strong speech tells a brief fact in
more than three paragraphs or has two reworded repeats; a recorded model draft that told one
problem in three paragraphs is passed with the places named, as a reviewer named them.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass

from service.scoring.context import Context
from service.scoring.report import Outcome, Skip
from service.scoring.substance import Sentence
from service.text.figures import find_figures

NEAR_SAME = 0.8  # share of the shorter sentence's character pairs the longer one holds
NEAR_MIN_CHARS = 15  # Chinese characters: shorter sentences may well sound alike
REWORDED_MAX = 1  # sentences said again in other words a text may have
FACT_RUN = 8  # characters of a fact's own wording that show it is being told
FACT_PARAGRAPHS_MAX = 3  # paragraphs a fact may be told in: opening, its point, the closing
_CJK_RUN = re.compile(r"[\u4e00-\u9fff]+")
_SHOW = 3


@dataclass(frozen=True)
class Reworded:
    """A sentence and an earlier one in another paragraph that says nearly the same."""

    first: Sentence
    again: Sentence


def check_restated(ctx: Context) -> Outcome | Skip:
    """No sentence said twice in other words; no brief fact told in more than three
    paragraphs. What is restated but allowed is named, for the writer to merge."""
    sentences = ctx.substance.sentences
    if len(sentences) < 5:
        return Skip("句子太少，不判断内容重复")
    # A presiding speech announces each agenda item, then calls it: the same words by design.
    reworded = [] if ctx.kind == "presiding" else reworded_sentences(ctx, sentences)
    facts = told_facts(ctx, sentences)
    heavy = {fact: lines for fact, lines in facts.items() if len(lines) > FACT_PARAGRAPHS_MAX}
    told = "；".join(
        f"“{_clip(fact)}”在{len(lines)}段都讲了（第{_lines(ctx, lines)}行）"
        for fact, lines in sorted(facts.items(), key=lambda told: -len(told[1]))[:_SHOW]
    )
    said = "；".join(
        f"第{ctx.line_no(r.again.line)}行“{_clip(r.again.text)}”"
        f"与第{ctx.line_no(r.first.line)}行几乎一样"
        for r in reworded[:_SHOW]
    )
    found = "；".join(x for x in (said, told) if x)
    if len(reworded) > REWORDED_MAX or heavy:
        return Outcome(False, f"内容重复：{found}")
    if found:
        return Outcome(True, f"合稿时可删并：{found}", advice=True)
    return Outcome(True, "没有换个说法重复的句子，简报的事实不反复讲")


def reworded_sentences(ctx: Context, sentences: list[Sentence]) -> list[Reworded]:
    """Pairs of sentences in different paragraphs, not identical, the shorter's character
    pairs nearly all in the longer, with no figure of the shorter missing from the longer
    (增长6.2% as a result and 增长6%左右 as a target are two sentences)."""
    headings = {item.line for item in ctx.parsed.headings}
    kept = [
        s
        for s in sentences
        if s.line not in headings and sum(map(len, _CJK_RUN.findall(s.text))) >= NEAR_MIN_CHARS
    ]
    grams = [s.pairs for s in kept]
    postings: dict[str, list[int]] = defaultdict(list)
    for index, pairs in enumerate(grams):
        for pair in pairs:
            postings[pair].append(index)
    numerals = ctx.lexicon.fixed_numeral_words
    found = []
    for index, pairs in enumerate(grams):
        shared = Counter(j for pair in pairs for j in postings[pair] if j < index)
        for earlier, count in shared.items():
            first, again = kept[earlier], kept[index]
            if first.line == again.line or first.text == again.text:
                continue
            if count < NEAR_SAME * min(len(pairs), len(grams[earlier])):
                continue
            shorter, longer = sorted((first.text, again.text), key=len)
            if {f.text for f in find_figures(shorter, numerals)} <= set(
                f.text for f in find_figures(longer, numerals)
            ):
                found.append(Reworded(first, again))
                break
    return found


def told_facts(ctx: Context, sentences: list[Sentence]) -> dict[str, list[int]]:
    """The brief's facts told in FACT_PARAGRAPHS_MAX paragraphs or more, each with the parser
    lines it is told on: a paragraph tells a fact when it holds FACT_RUN characters running
    of the fact's own wording (not of a formulation every part may use)."""
    brief = ctx.brief
    if brief is None:
        return {}
    paragraphs: dict[int, str] = defaultdict(str)
    for sentence in sentences:
        paragraphs[sentence.line] += sentence.text
    shared = [p for p in (*ctx.lexicon.canonical_terms, *brief.required_phrases) if p]
    facts = [*brief.achievements, *brief.problems, *(d for p in brief.points for d in p.details)]
    told = {}
    for fact in facts:
        runs = {
            run[i : i + FACT_RUN]
            for run in _CJK_RUN.findall(fact)
            for i in range(len(run) - FACT_RUN + 1)
        }
        runs = {r for r in runs if not any(r in phrase for phrase in shared)}
        lines = [line for line, text in paragraphs.items() if any(r in text for r in runs)]
        if len(lines) >= FACT_PARAGRAPHS_MAX:
            told[fact] = sorted(lines)
    return told


def _lines(ctx: Context, indexes: list[int]) -> str:
    return "、".join(str(ctx.line_no(index)) for index in indexes)


def _clip(text: str) -> str:
    return text[:20] + ("…" if len(text) > 20 else "")
