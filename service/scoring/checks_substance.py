"""Substance checks: does the text say something, on its topic, in its field, from its brief?

Form can be perfect while the text is hollow: sub-points that belong to another heading,
another field's slogans, the brief's facts left out, stock sentences, the same opening
word again and again, sentences that restate their heading, a speaker praising their own
meeting. Each check quotes what it found and where.
"""

from __future__ import annotations

import re
from collections import Counter

from service.knowledge.domains import BROAD_FIELDS, Domain, home_fields
from service.scoring.context import Context
from service.scoring.report import Outcome, Skip
from service.scoring.substance import MARKER, MIN_SENTENCE, Sentence, Substance, Unit
from service.text.figures import find_figures
from service.text.posts import organization_place
from service.text.structure import split_sentences

_SHOW = 3
MISPLACED_MAX = 0  # a sub-point that uses the facts another part takes up
OFF_HEADING_SHARE = 0.55  # at most this share of sub-points may share nothing with the heading
OFF_HEADING_MIN_UNITS = 3
HOME_WORDS_PER_1000 = 1.0  # a field's own words beyond the brief's, per 1,000 characters
STOCK_SHARE_MAX = 0.12  # share of the text (by characters) in the phrasebank's filler sentences
# Real deployment speeches begin about half their sentences with 要; hollow ones do more.
OPENING_SHARE_MAX = 0.6  # share of sentences that begin with the same character
OPENING_MIN_SENTENCES = 15
COVERAGE_MIN = 0.7  # share of the brief's facts a draft uses
COVERED = 0.5  # share of a fact's content pairs that must appear for it to count as used
CIRCULAR_MAX = 1
RESTATED_MIN = 4  # characters a sentence adds around its heading for it to be a restatement
RESTATED_TEMPLATE = 0.8  # ... share of a restating phrasebank line's fixed words it says
_CJK = re.compile(r"[\u4e00-\u9fff]")

_SELF_PRAISE = re.compile(
    r"(?:这次|本次|今天的?|此次)(?:会议|大会)[^。！？]{0,10}"
    r"(?:开得|准备得?|组织得?)(?:很|非常|十分|比较|相当)?(?:好|成功|圆满|充分|及时|周密)"
    r"|(?:会议|大会)(?:的各项部署)?[，,]?是在深入调研[^。！？]{0,6}(?:基础上|之后)"
    r"|(?:这次|本次)(?:会议|大会)[^。！？]{0,6}意义(?:十分|非常|特别)?重(?:大|要)"
)
_CIRCULAR_LEADS = ("对于", "关于", "抓好", "做好", "围绕", "推进", "在")


def check_relevance(ctx: Context) -> Outcome | Skip:
    """Every sub-point belongs to its own heading: it does not use another part's brief
    point, and most sub-points share content with their heading and brief point."""
    if ctx.brief is None:
        return Skip("没有简报，不判断各部分是否切题")
    measures = ctx.substance
    if len(measures.points) < 2 or len(measures.units) < 2:
        return Skip("一级标题少于两个，无法比较各部分内容")
    problems = []
    misplaced = measures.misplaced
    if len(misplaced) > MISPLACED_MAX:
        shown = "；".join(
            f"{_where(ctx, measures, unit)}应属{_part_name(measures, part)}"
            for unit, part in misplaced[:_SHOW]
        )
        problems.append(f"{len(misplaced)}条内容用的是别的部分的简报要点：{shown}")
    off = measures.off_heading
    units = len(measures.units)
    if units >= OFF_HEADING_MIN_UNITS and len(off) / units > OFF_HEADING_SHARE:
        shown = "；".join(_where(ctx, measures, unit) for unit in off[:_SHOW])
        problems.append(f"{len(off)}/{units}条内容与所在部分的标题无关：{shown}")
    if problems:
        return Outcome(False, "；".join(problems))
    return Outcome(True, f"各部分内容切题（{1 - len(off) / units:.0%}的条目与标题相关）")


def _part_name(measures: Substance, part: int) -> str:
    return f"“{_short(measures.points[part].heading)}”"


def _where(ctx: Context, measures: Substance, unit: Unit) -> str:
    return f"第{ctx.line_no(unit.line)}行{_part_name(measures, unit.part)}下的“{unit.lead}”"


def _short(text: str) -> str:
    text = re.sub(r"^\S{1,4}?[、，．.]", "", text).strip("。")
    return text[:16] + ("…" if len(text) > 16 else "")


def check_domain(ctx: Context) -> Outcome | Skip:
    """The text stays in its field: no sentences in another field's words, and its own
    field's words beyond what the brief already says."""
    domains = ctx.kit.domains
    if not len(domains):
        return Skip("没有配置工作领域（prompts/domains）")
    home = _home(ctx)
    if not home:
        return Skip("看不出属于哪个工作领域")
    if len(home) >= BROAD_FIELDS:
        return Skip(f"涉及{'、'.join(d.name for d in home)}等多个领域的综合性讲话，不判断跑题")
    measures = ctx.substance
    names = "、".join(d.name for d in home)
    problems = []
    for drift in measures.drift(home):
        first = drift.sentences[0]
        words = "、".join(sorted(drift.words)[:4])
        problems.append(
            f"{len(drift.sentences)}句讲的是{drift.domain.name}（{words}），与{names}无关，"
            f"如第{ctx.line_no(first.line)}行“{_clip(first.text)}”"
        )
    if _sparse(ctx):
        own = _own_words(ctx, home)
        needed = max(2, int(ctx.parsed.chars / 1000 * HOME_WORDS_PER_1000))
        if len(own) < needed:
            have = f"只有“{'、'.join(own)}”" if own else "一个也没有"
            problems.append(f"简报要点没有细节，稿子也没写出{names}的具体内容：专门用语{have}")
    if problems:
        return Outcome(False, "；".join(problems))
    return Outcome(True, f"内容属于{names}，没有跑到别的领域")


def _sparse(ctx: Context) -> bool:
    """A brief whose points come without details: the draft must bring the field's content."""
    brief = ctx.brief
    if brief is None or not brief.points or ctx.kind != "speech":
        return False
    return sum(len(p.details) for p in brief.points) < len(brief.points)


def _home(ctx: Context) -> list[Domain]:
    return home_fields(ctx.kit.domains, ctx.brief, ctx.text, ctx.substance.text_pairs)


def _own_words(ctx: Context, home: list[Domain]) -> list[str]:
    words = ctx.kit.domains.at_home(home[0])
    brief_text = ctx.allowed_text
    return sorted(w for w in words if w in ctx.text and w not in brief_text)


def _clip(text: str) -> str:
    return text[:24] + ("…" if len(text) > 24 else "")


def check_stock_text(ctx: Context) -> Outcome | Skip:
    """Most of the text carries content of its own, not stock sentences from the phrasebank
    (counted by characters: a short label weighs less than a long filler)."""
    measures = ctx.substance
    sentences = measures.sentences
    if len(sentences) < 5:
        return Skip("句子太少，不判断套话比例")
    stock = measures.stock(ctx.kit.stock_index)
    total = sum(len(s.text) for s in sentences)
    share = sum(len(s.text) for s in stock) / total if total else 0.0
    if share > STOCK_SHARE_MAX:
        shown = "；".join(f"第{ctx.line_no(s.line)}行“{_clip(s.text)}”" for s in stock[:_SHOW])
        return Outcome(
            False,
            f"{len(stock)}/{len(sentences)}句（占篇幅{share:.0%}）是现成套话，没有具体内容：{shown}",
        )
    return Outcome(True, f"套话句占篇幅{share:.0%}")


def check_openings(ctx: Context) -> Outcome | Skip:
    """Sentences do not all begin the same way (要……要……要……)."""
    sentences = [s for s in ctx.substance.sentences if len(s.text) >= MIN_SENTENCE]
    if len(sentences) < OPENING_MIN_SENTENCES:
        return Skip(f"句子少于{OPENING_MIN_SENTENCES}句，不判断句式")
    firsts = Counter(_opening(s.text) for s in sentences)
    word, count = firsts.most_common(1)[0]
    share = count / len(sentences)
    if share > OPENING_SHARE_MAX:
        return Outcome(False, f"{count}/{len(sentences)}句（{share:.0%}）以“{word}”开头，句式单调")
    return Outcome(True, f"句式有变化（最多的句首“{word}”占{share:.0%}）")


def _opening(sentence: str) -> str:
    bare = MARKER.sub("", sentence.strip())
    return bare[:1] or sentence[:1]


def check_circularity(ctx: Context) -> Outcome | Skip:
    """No sentence only restates its heading as its claim; no praise of one's own meeting."""
    measures = ctx.substance
    circular = _circular(measures)
    praise = (
        []
        if ctx.kind == "presiding"
        else [s for s in measures.sentences if _SELF_PRAISE.search(s.text)]
    )
    problems = []
    if len(circular) > CIRCULAR_MAX:
        shown = "；".join(f"第{ctx.line_no(s.line)}行“{_clip(s.text)}”" for s in circular[:_SHOW])
        problems.append(f"{len(circular)}句只是把标题换个说法重复一遍：{shown}")
    if praise:
        shown = "；".join(f"第{ctx.line_no(s.line)}行“{_clip(s.text)}”" for s in praise[:_SHOW])
        problems.append(f"讲话人夸自己的会议：{shown}")
    if problems:
        return Outcome(False, "；".join(problems))
    return Outcome(True, "没有空转句，没有自夸会议")


def _circular(measures: Substance) -> list[Sentence]:
    """Sentences that hold their part's heading (or a sub-point's lead) and nothing else of
    content: 对于提高思想认识，大家一定要有清醒的认识。 A sub-point's own first sentence and a
    sub-heading line say their lead by right."""
    background = measures.background
    leads: dict[int, list[str]] = {}
    firsts: set[str] = set()
    for part, point in enumerate(measures.points):
        leads[part] = [core] if len(core := _core(point.heading)) >= 4 else []
    for unit in measures.units:
        if MARKER.match(unit.text):  # 一是用好考核指挥棒，…: the item's own first sentence
            firsts.add(split_sentences(unit.text)[0].strip())
        if len(core := _core(unit.lead)) >= 4:
            leads.setdefault(unit.part, []).append(core)
    restating = measures.ctx.kit.restating_index
    found = []
    for sentence in measures.sentences:
        if sentence.part is None or sentence.text in firsts or MARKER.match(sentence.text):
            continue
        for lead in leads.get(sentence.part, []):
            at = sentence.text.find(lead)
            if at < 0:
                continue
            rest = sentence.text[:at] + sentence.text[at + len(lead) :]
            if len(_CJK.findall(rest)) < RESTATED_MIN:
                continue  # the heading's own sentence, not a restatement of it
            empty = not background.content(rest) - background.content(lead)
            if empty or restating.template_share(rest) >= RESTATED_TEMPLATE:
                found.append(sentence)
                break
    return found


def _core(heading: str) -> str:
    """A heading without its number and end punctuation."""
    return MARKER.sub("", heading.strip()).strip("。；，")


def check_brief_coverage(ctx: Context) -> Outcome | Skip:
    """Every fact of the brief is used: achievements, problems, point details, the date, the
    organisation; what is left out is listed."""
    brief = ctx.brief
    if brief is None:
        return Skip("没有简报，不检查简报内容是否用全")
    facts = [
        *(("成绩", a) for a in brief.achievements),
        *(("问题", p) for p in brief.problems),
        *(("要点细节", d) for point in brief.points for d in point.details),
    ]
    unused = [(kind, fact) for kind, fact in facts if not _used(ctx, fact)]
    missing = []
    if brief.date and not _date_used(ctx.text, brief.date):
        missing.append(f"日期“{brief.date}”")
    if brief.organization and not _organization_used(ctx.text, brief.organization):
        missing.append(f"单位“{brief.organization}”")
    used = len(facts) - len(unused)
    share = used / len(facts) if facts else 1.0
    problems = []
    if missing:
        problems.append(f"没有写出{'、'.join(missing)}")
    if share < COVERAGE_MIN:
        shown = "；".join(f"{kind}“{_clip(fact)}”" for kind, fact in unused[:_SHOW])
        problems.append(f"简报的{len(facts)}条内容只用了{used}条，没用上：{shown}")
    if problems:
        return Outcome(False, "；".join(problems))
    if unused:
        shown = "；".join(f"{kind}“{_clip(fact)}”" for kind, fact in unused[:_SHOW])
        return Outcome(True, f"简报内容用了{used}/{len(facts)}条，未用：{shown}", advice=True)
    return Outcome(True, f"简报内容全部用上（{len(facts)}条）")


def _used(ctx: Context, fact: str) -> bool:
    background = ctx.kit.background
    figures = [f.text for f in find_figures(fact, ctx.lexicon.fixed_numeral_words)]
    if figures and all(f in ctx.text for f in figures):
        return True
    wanted = background.content(fact)
    if not wanted:
        return fact in ctx.text
    return len(wanted & background.content(ctx.text)) >= COVERED * len(wanted)


_DATE_PARTS = re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?")


def _date_used(text: str, date: str) -> bool:
    if date in text:
        return True
    found = _DATE_PARTS.search(date)
    if found is None:
        return False
    year, month, day = found.groups()
    if day and f"{int(month)}月{int(day)}日" in text:
        return True
    return f"{year}年{int(month)}月" in text


def _organization_used(text: str, organization: str) -> bool:
    """Named in full, by its place (青山市), or as a speaker names their own jurisdiction
    (全市 for 青山市人民政府: a mayor at a city meeting seldom says the city's name)."""
    if organization in text:
        return True
    place = organization_place(organization)
    return place is not None and (place in text or f"全{place[-1]}" in text)
