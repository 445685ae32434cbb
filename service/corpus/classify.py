"""Rule-based, explainable classification: news report, presiding text, speech type, other.

Every decision returns its reasons, which the build writes into the record's flags.
File names are never looked at: only the title, the speaker and the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.corpus.records import Kind
from service.knowledge.skeletons import Cue, Skeleton
from service.knowledge.speech_types import SpeechTypes
from service.text.posts import ROLE_END

_NEWS_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("“在讲话中指出/强调”", re.compile(r"在讲话中(指出|强调|要求|表示)")),
    # A name at a sentence start; speeches quote "总书记强调，" in the same way.
    (
        "“X强调，”",
        re.compile(r"(^|。)(?!总书记)[\u4e00-\u9fffX×]{2,4}(强调|指出|要求|表示)[，：]", re.M),
    ),
    ("“在会上讲话”", re.compile(r"在会上(讲话|发言|作.{0,8}讲话|宣读|传达|通报)")),
    ("“出席/参加会议”", re.compile(r"(出席|参加|列席)(了)?(会议|大会|活动)[。，并]")),
    ("“主持会议”", re.compile(r"主持(了)?(会议|大会)[。，]")),
    ("“会议指出/强调”", re.compile(r"(^|。)会议(指出|强调|要求|认为|号召)", re.M)),
    (
        "电头",
        re.compile(
            r"^\d{1,2}月\d{1,2}日[，,]?(上午|下午|晚上)?[，,]?.{0,20}(召开|举行|举办)", re.M
        ),
    ),
    ("记者/本报讯", re.compile(r"本报讯|记者.{0,8}(报道|摄)|通讯员")),
)
_NEWS_MIN_MARKERS = 2
# The speaker talking in the first person: a speech quoting a meeting, not a report on it.
_FIRST_PERSON = re.compile(r"我们要|我讲|我再讲|我强调|我再强调|我提|我代表|大家要|希望大家")
_FIRST_PERSON_MIN = 2

_PRESIDING_MARKERS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("现在开会", re.compile(r"现在(开会|正式开会)")),
    ("出席今天会议的有", re.compile(r"(出席|参加)(今天|本次)(会议|大会)的(领导|同志)?(有|还有)")),
    (
        "会议议程",
        re.compile(r"会议(议程|共有|有)[^。]{0,4}项|议程[有共]|第[一二三四五六七八九十]项议程"),
    ),
    ("首先请/下面请", re.compile(r"(首先|下面|接下来|现在)请")),
    ("散会", re.compile(r"散会|会议到此结束|会议就开到这里")),
)
_PRESIDING_MIN_MARKERS = 2
_EDGE_LINES = 3  # 现在开会 opens a presiding text and 散会 ends it: within this many lines
# Speeches of none of the types: reports to a congress or plenum, duty reports, Party
# lectures, eulogies, commemorations.
_OTHER_SPEECH_TITLE = re.compile(
    r"工作报告|上的报告|所作的报告|报告[（(]摘要[）)]|述职|述责|党课|悼词|追悼"
    r"|纪念[^，。]{0,40}(?:大会|周年)"
)
_OTHER_SPEECH_HEAD = re.compile(r"悼词|追悼会|讲[^，。]{0,6}党课|述职如下")
_OTHER_SPEECH_TAIL = re.compile(r"安息吧|万岁[！!]")
# Texts that are not spoken: an appeal, an open letter, a 函 or a notice.
_LETTER = re.compile(
    r"倡议书|^倡议[：:]|一封信|公开信|致[^，。]{2,24}的信|关于[^。]{2,80}的(?:复?函|(?:紧急)?通知)$|(?:商请|邀请)函$"
)

# The presider hands the floor to a speech: "下面请……XXX同志讲话。"
_HANDOVER = re.compile(r"请[^。；]{0,80}?(同志)?(作)?(重要)?讲话[。！]?$")
_HANDOVER_WHO = re.compile(r"请(?P<who>[^。；请]{2,80}?)(同志)?(作)?(重要)?讲话[。！]?$")
_NUMBERED = re.compile(r"^(第[一二三四五六七八九十]+[，、]|[一二三四五六七八九十]+、)")
_SPEECH_AFTER_PRESIDING = re.compile(r"^((同志们|各位领导|各位同志)[，,：:]\s*)?刚才[，,]?")
_SPLIT_MIN_CHARS = 500
_SPLIT_LONG_CHARS = 1500

_CHAPTER = re.compile(r"^第[一二三四五六七八九十百千\d]+[章回节]")
_NARRATIVE = re.compile(r"(他|她)(说|道|笑|问|想|看|点了点头|皱)|”(他|她)?(说|道|问)")
_NARRATIVE_PER_1000 = 2.0
_AUDIENCE = re.compile(r"同志们|各位|大家|我们|朋友们|代表们")

_SALUTATION_LINE = re.compile(r"^[^。！？]{0,40}[：:]$")
_OPENING_CHARS = 120
_ANNOUNCED = re.compile(r"讲[一二三四五六七八九十两几\d]+(点|个方面|个问题|条)")
_MEETING_IN_TITLE = re.compile(r"在(?P<name>.+?)上的(讲话|发言|主持词|致辞|总结讲话)")
_MEETING_IN_OPENING = re.compile(
    r"(召开|举行|举办)(了|的|这次|此次|今天的)?(?P<name>[^，。；：！？、“”]{2,40}?(会议|大会|会))"
    r"(?=[，。；：！？（]|$)"
)


# How sure a type is by where its cue was found: the document itself, the meeting's name,
# the opening's words.
_CUE_SURE = {0: 0.9, 1: 0.8, 2: 0.65}
# The speech type of a speech that is none of the prompts folder's types.
OTHER_TYPE = "other"


@dataclass
class Verdict:
    """A classification with the reasons for it."""

    kind: Kind
    speech_type: str | None
    reasons: list[str] = field(default_factory=list)
    confidence: float = 0.5  # how sure: a title or a speaker says more than an opening word


def news_markers(lines: list[str]) -> list[str]:
    """Names of the news-report markers found (third person, dateline)."""
    text = "\n".join(lines)  # one search per marker; ^ matches at every line start
    return [name for name, pattern in _NEWS_MARKERS if pattern.search(text)]


def presiding_markers(lines: list[str]) -> list[str]:
    """Names of the presiding-text markers found where a presider says them: 现在开会 in the
    first part, 散会 in the last, the others anywhere ("我们现在开会是为了…" deep in a
    long speech, or "散会以后" in its opening, is not a presiding text)."""
    found = []
    for name, pattern in _PRESIDING_MARKERS:
        if pattern.search("\n".join(_marker_lines(lines, name))):
            found.append(name)
    return found


def _marker_lines(lines: list[str], name: str) -> list[str]:
    edge = max(_EDGE_LINES, len(lines) // 4)
    if name == "现在开会":
        return lines[:edge]
    if name == "散会":
        return lines[-edge:]
    return lines


def meeting_name(title: str | None, lines: list[str]) -> str | None:
    """The meeting's name from the title ("在…上的讲话") or the opening ("今天召开…会")."""
    if title:
        found = _MEETING_IN_TITLE.search(title)
        if found:
            return found.group("name")
    for line in lines[:3]:
        found = _MEETING_IN_OPENING.search(line)
        if found:
            return found.group("name")
    return None


def presiding_split(lines: list[str]) -> int | None:
    """Index of the line where the presider's text gives way to a speech, or None.

    The speech must start with "（同志们，）刚才…", come after the presiding markers
    and be a speech in its own right: long, with announced or numbered points, and
    either follow a hand-over ("下面请…讲话") or be long on its own.
    """
    for index in range(1, len(lines)):
        if not _SPEECH_AFTER_PRESIDING.match(lines[index]):
            continue
        if len(presiding_markers(lines[:index])) < _PRESIDING_MIN_MARKERS:
            continue
        rest = lines[index:]
        size = sum(len(x) for x in rest)
        structured = any(_ANNOUNCED.search(x) for x in rest) or _numbered_lines(rest) >= 2
        handed_over = bool(_HANDOVER.search(lines[index - 1]))
        if structured and size >= _SPLIT_MIN_CHARS and (handed_over or size >= _SPLIT_LONG_CHARS):
            return index
    return None


def handover_speaker(line: str) -> str | None:
    """Who the presider hands the floor to: "下面请区委副书记…XXX同志讲话" → "区委副书记…XXX"."""
    found = _HANDOVER_WHO.search(line)
    return found.group("who") if found else None


def _numbered_lines(lines: list[str]) -> int:
    return sum(1 for x in lines if _NUMBERED.match(x))


def classify(
    types: SpeechTypes,
    title: str | None,
    speaker: str | None,
    lines: list[str],
    has_salutation: bool,
    meeting: str | None = None,
) -> Verdict:
    """Kind and speech type of one document (or one part of a split document).

    `meeting` is the meeting's name when it is known from elsewhere in the source
    (the presiding text before a speech names the meeting the speech is given at).
    """
    news = news_markers(lines)
    first_person = sum(len(_FIRST_PERSON.findall(x)) for x in lines)
    if len(news) >= _NEWS_MIN_MARKERS and not has_salutation and first_person < _FIRST_PERSON_MIN:
        reason = f"news: 新闻报道特征（{'、'.join(news)}），无称呼，无第一人称讲话"
        return Verdict("news", None, [reason], _sure(len(news), _NEWS_MIN_MARKERS))
    presiding = presiding_markers(lines)
    if len(presiding) >= _PRESIDING_MIN_MARKERS or (title and "主持词" in title):
        reason = f"presiding: 主持词特征（{'、'.join(presiding) or '标题含主持词'}）"
        found = types.of_kind("presiding")
        sure = _sure(len(presiding), _PRESIDING_MIN_MARKERS)
        return Verdict("presiding", found.type if found else None, [reason], sure)
    other = _not_a_speech([title, *lines] if title else lines, has_salutation)
    if other:
        return Verdict("other", None, [other], 0.8)
    other = _other_speech(title, lines)
    if other is not None:
        return Verdict("speech", OTHER_TYPE, [other], 0.8)
    found, reason, sure = speech_type_of(types, title, speaker, lines, meeting)
    kind: Kind = found.kind if found else "speech"
    return Verdict(kind, found.type if found else None, [reason], sure)


def _sure(markers: int, least: int) -> float:
    """More markers than the least that decides, more sure."""
    return min(0.95, 0.7 + 0.1 * (markers - least))


def _other_speech(title: str | None, lines: list[str]) -> str | None:
    """Why a speech is of none of the types (a work report, a eulogy), or None."""
    found = (
        _OTHER_SPEECH_TITLE.search(title or "")
        or _OTHER_SPEECH_HEAD.search("\n".join(lines[:2]))
        or _OTHER_SPEECH_TAIL.search("\n".join(lines[-3:]))
    )
    if found is None:
        return None
    return f"{OTHER_TYPE}: 是讲话，但不属于任何一类讲话（“{found.group(0)}”）"


def _not_a_speech(lines: list[str], has_salutation: bool) -> str | None:
    """A reason when the text is clearly not a speech: a letter, fiction, narrative."""
    if any(_CHAPTER.match(x) for x in lines):
        return "other: 有“第N章”式章节标题，像小说"
    letter = next((m.group(0) for x in lines[:2] if (m := _LETTER.search(x))), None)
    if letter:
        return f"other: 是书面文稿（“{letter}”），不是讲话"
    if has_salutation:
        return None
    text = "".join(lines)
    narrative = len(_NARRATIVE.findall(text)) * 1000 / max(len(text), 1)
    if narrative >= _NARRATIVE_PER_1000:
        return f"other: 第三人称叙述（每千字{narrative:.1f}处），无称呼"
    if not _AUDIENCE.search(text):
        return "other: 无称呼，通篇也不面向听众讲话"
    return None


def speech_type_of(
    types: SpeechTypes,
    title: str | None,
    speaker: str | None,
    lines: list[str],
    meeting: str | None = None,
) -> tuple[Skeleton | None, str, float]:
    """The speech type with its reason, by the skeletons' cues: on the document (title,
    speaker, first and last paragraphs), then on the meeting's name, then on the opening."""
    places = {
        "title": title or "",
        "speaker": speaker or _speaker_in_title(title or "") or "",
        "head": "\n".join(lines[:3]),
        "tail": "\n".join(lines[-3:]),
        "meeting": meeting_name(title, lines) or meeting or "",
        "opening": next((x for x in lines if not _SALUTATION_LINE.match(x)), "")[:_OPENING_CHARS],
    }
    for skeleton, cue in types.cues():
        if _matches(cue, places):
            return skeleton, f"{skeleton.type}: {_because(cue, places)}", _CUE_SURE[cue.stage]
    fallback = types.get(types.fallback) if types.fallback else None
    if fallback is None:
        return None, "没有可判断类型的线索", 0.3
    reason = f"{fallback.type}: 没有更具体的线索，按{fallback.name}处理"
    return fallback, reason, 0.4


def _matches(cue: Cue, places: dict[str, str]) -> bool:
    return all(
        bool(places[place]) and re.search(pattern, places[place])
        for place, pattern in cue.places().items()
    )


def _because(cue: Cue, places: dict[str, str]) -> str:
    """Why the cue matched, in Chinese: its own words, else what it found where."""
    if cue.speaker is not None:
        return f"{cue.because or '讲话人'}（{places['speaker']}）"
    if cue.because:
        return cue.because
    if cue.meeting is not None:
        return f"会议名称“{places['meeting']}”"
    pattern = next(iter(cue.places().values()))
    return f"开头关键词“{pattern}”"


def _speaker_in_title(title: str) -> str | None:
    found = re.match(r"^(?P<who>[^在—]{2,30}?)(同志)?在.+上的", title)
    if found is None or not ROLE_END.search(found.group("who")):
        return None
    return found.group("who")


def speaker_in_title(title: str | None) -> str | None:
    """The speaker named at the start of a title: "市委书记在…上的讲话" → "市委书记"."""
    return _speaker_in_title(title) if title else None
