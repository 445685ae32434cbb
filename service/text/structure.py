"""Parse any speech text into its conventional parts; the one place that knows heading styles.

A speech is read as paragraphs (one per line). Numbered heading lines are
found in every common style, the highest-ranking style present is taken as
the top level, and the text around the points is split into title, meta
lines, salutation, opening (with its achievements and problems), the
transition that announces the points, and the closing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.text.normalise import count_chars

# Heading styles, from the top numbering level down (GB/T 9704-2012 §7.3.3 and speech usage).
STYLE_CN_DUN = "cn_dun"  # 一、
STYLE_DI = "di"  # 第一，  第一、  第一条
STYLE_PAREN_CN = "paren_cn"  # （一）
STYLE_ARABIC = "arabic"  # 1.  1、  1．
STYLE_PAREN_ARABIC = "paren_arabic"  # （1）
STYLE_SEQUENCE = "sequence"  # 首先 / 其次 / 再次 / 最后
STYLE_ENUM_SHI = "enum_shi"  # 一是…二是…
STYLE_ENUM_YAO = "enum_yao"  # 一要…二要…
STYLE_QI = "qi"  # 其一 / 其二

# Official numbering levels in order; a level may only appear under the one before it.
LEVEL_ORDER = (STYLE_CN_DUN, STYLE_PAREN_CN, STYLE_ARABIC, STYLE_PAREN_ARABIC)
# Which line-start style is taken as the top level when several are present.
TOP_RANK = (
    STYLE_CN_DUN,
    STYLE_DI,
    STYLE_PAREN_CN,
    STYLE_SEQUENCE,
    STYLE_QI,
    STYLE_ARABIC,
    STYLE_ENUM_SHI,
    STYLE_ENUM_YAO,
)


_HEAD_LINES = 8  # the title, meta lines and salutation are all within this many lines
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5}
_CN_DIGITS.update({"六": 6, "七": 7, "八": 8, "九": 9})
_NUM = "[一二三四五六七八九十]{1,3}"
_COUNT = "[一二两三四五六七八九十]{1,3}"
_SEQUENCE_WORDS = {"首先": 1, "其次": 2, "再次": 3, "最后": 4}

_HEADING_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (STYLE_PAREN_CN, re.compile(rf"^[（(]\s*({_NUM})\s*[）)]")),
    (STYLE_PAREN_ARABIC, re.compile(r"^[（(]\s*(\d{1,2})\s*[）)]")),
    (
        STYLE_DI,
        re.compile(
            rf"^第({_NUM})(?:[，,、：:．.]|条|部分|个?方面[，,：:]?|点[，,：:、]?|个问题[，,：:、]?"
            r"|句话[，,：:、]?|个层面[，,：:]?)"
        ),
    ),
    # 一、 (a digit may follow: 一、2025年工作回顾), 一． or 一. (not before a digit: a
    # decimal), and 一 followed by a space before the heading's words (一 统一思想).
    (
        STYLE_CN_DUN,
        re.compile(rf"^({_NUM})(?:\s*、|\s*[，,．.](?!\d)|[ \t　]+(?=[^\s，。、：；！？\d]))"),
    ),
    (STYLE_ARABIC, re.compile(r"^(\d{1,2})\s*[.．、](?!\d)")),
    (STYLE_QI, re.compile(rf"^其({_NUM})[，,、：:]")),
    (STYLE_SEQUENCE, re.compile(r"^(首先|其次|再次|最后)[，,、：:]")),
    (STYLE_ENUM_SHI, re.compile(rf"^({_NUM})是")),
    (STYLE_ENUM_YAO, re.compile(rf"^({_NUM})要")),
)
# A numeral alone on its line (or after Markdown's ##): the heading's words are on the next.
BARE_NUMERAL = re.compile(rf"^(?:#+\s*)?({_NUM})[、．.]?$")

# Styles a point's number can go on in when a writer switches style midway (一、二、第三，).
_CONTINUABLE = frozenset((STYLE_CN_DUN, STYLE_DI, STYLE_PAREN_CN, STYLE_ARABIC, STYLE_QI))
_REPORTED_STYLES = frozenset((STYLE_ENUM_SHI, STYLE_ENUM_YAO, STYLE_SEQUENCE))
_AGENDA_ITEM = re.compile(r"请|议程|项|汇报|讲话|发言|宣读|传达|通报")

# 一是/一要 at a clause start: line start or after sentence/clause punctuation.
# An item marker a speech numbers 一是…二是… or 一要…二要… with (at a sentence's start).
ITEM_MARKER = re.compile(rf"(?:^|(?<=[。；：！？\n]))({_NUM})(是|要)(?![否非])", re.M)
# An item's own marker at the head of a text: 一是 / 三要 / 第二， / 其一， / 首先， / （一） / 1.
_OWN_MARKER = re.compile(
    rf"^\s*(?:{_NUM}[是要](?![否非])[，、：:]?|第{_NUM}[，、,：:]|其{_NUM}[，、,：:]"
    r"|(?:首先|其次|再次|最后)[，、,：:]|[（(](?:" + _NUM + r"|\d{1,2})[）)]|\d{1,2}[.．、])"
)


def unmarked(text: str) -> str:
    """`text` without a marker of its own at its head: the program numbers items."""
    return _OWN_MARKER.sub("", text, count=1).lstrip("，、：: ")


_INLINE_ENUM = re.compile(rf"(?:^|(?<=[。；：！？，:;,]))\s*({_NUM})(是|要)(?![否非])")

# Who a speech is addressed to: 同志们, 各位代表, 尊敬的X主席, 青年朋友们, 同胞们 …
ADDRESSEE = (
    r"(?:尊敬的|亲爱的|各位|诸位|全体|大家|同志们|老师们|同学们|女士们|先生们|朋友们|同胞们|代表们"
    r"|[^\s，。：；！？、]{1,10}(?:朋友们|同志们|同胞们|同学们|代表们))"
)
_SALUTATION = re.compile(rf"^(?P<sal>{ADDRESSEE}[^。！？]{{0,60}}?[：:])(?P<rest>.*)$")
# A notice's or a letter's addressees on a line of their own (主送机关): bodies, then a colon.
_BODY = r"[^。！？：:，,、\s]{1,30}(?:厅|局|委|办|政府|单位|部门|机关|公司|企业|学校|院|所|中心)"
_RECIPIENTS = re.compile(rf"^(?P<sal>{_BODY}(?:[，,、]{_BODY})*[：:])$")
_GREETING = re.compile(r"^大家(?:上午|下午|晚上)?好[！!]$")
# A salutation on a line of its own that ends in ！ or ，: 同志们！
_SALUTATION_ALONE = re.compile(rf"^(?P<sal>{ADDRESSEE}[^。！？：:]{{0,40}}?[！!，,])$")
_ANNOUNCE = re.compile(
    r"(?:(?:讲|谈|强调|提|说|提出|交流|明确|部署|反馈|抓好|做好|汇报|围绕|(?<!代)表)"
    r"[了一下以下这么些]{0,3}|从[以下这]{0,2})"
    rf"(?P<num>{_COUNT}|几|\d{{1,2}})(?P<unit>点|个方面|方面|个问题|句话|条|项|件事|个态)"
    r"(?:的)?(?P<tail>意见|建议|看法|要求|想法|体会|认识|工作|问题)?"
)
_FEATURE = re.compile(
    rf"(?P<num>{_COUNT}|几|\d{{1,2}})(?P<unit>个方面|个|项|条|点)(?:方面)?(?:好)?的?"
    r"(?P<tail>特点|亮点|成效|经验|做法|问题|不足|措施|工作|要求|建议|体会|启示)"
)
_CLOSING_CUE = re.compile(
    rf"^{ADDRESSEE}[^。！？：]{{0,30}}?[，,！!]|谢谢|散会|会议到此结束|会议就开到这里|让我们|"
    r"作出.{0,16}贡献|再立新功|圆满成功|^最后[，,](?:祝|预祝|再次|衷心|让我们)|"
    r"(?:表示|致以)(?:衷心|诚挚|真诚|崇高)?的?(?:感谢|谢意|敬意)|请.{0,12}放心|交上一份|"
    r"万岁|祝贺|庆贺|预祝|祝愿|^祝|我们坚决相信|^相信.{0,60}(?:一定|必将|必定)|以上意见|不妥之处|"
    r"安息|新的?篇章|新的?步伐|新的?台阶|新的?胜利|以上(?:述职|汇报|发言|报告)|发言完毕"
    r"|有信心[、，]?有决心|我提议|干杯|^以上(?:事项|请示)|(?:会议|学习|座谈|讨论|活动)就到这里"
)
# A closing's first paragraph may address everyone before the cued lines that end it.
_ADDRESSED = re.compile(rf"^{ADDRESSEE}[，,！!]")
_ADDRESSED_REACH = 2
# A last paragraph of slogans alone closes a speech: 百日攻坚，决战决胜！守牢底线，确保平安！
_SLOGANS = re.compile(r"^(?:[^。！？；]{2,24}[！!])+$")
# What only a last paragraph needs to be read as the closing: a call on everyone to act.
_CLOSING_CALL = re.compile(
    r"希望|确保|务必|奋力|凝心聚力|乘势而上|为.{2,30}(?:作出|提供|贡献)|[！!]$"
)
_ADJOURN = re.compile(
    r"散会|到此结束|就开到这里|(?:会议|大会|典礼|仪式)圆满结束|(?:会议|学习|座谈|讨论|活动)就到这里"
)
_WISHES = re.compile(r"^(?:最后，)?(?:祝|预祝|衷心祝愿|祝愿)")
# A signature under an appeal or a letter: a short line naming a body, or a date.
_SIGNATURE = re.compile(
    r"^(?:\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*日|[^，。！？：；]{2,24}"
    r"(?:局|厅|委|办|办公室|委员会|政府|党委|公司|集团|协会|学会|学校|大学|医院|中心|部))$"
    # a letter's contact line and its disclosure note (（此件主动公开）)
    r"|^联系人[：:].{0,60}$|^[（(]此件[^）)]{0,10}[）)]$"
)
_ACHIEVEMENT_CUE = re.compile(r"成绩|成效|特点|进展|亮点|取得了|态势良好|基本估价|评价")
_PROBLEM_CUE = re.compile(r"问题|不足|差距|短板|薄弱")
_AGENDA_CUE = re.compile(r"议程|首先请|下面请|出席今天会议|现在开会|逐项进行")
_SENTENCE_END = re.compile(r"(?<=[。！？；!?;])")
# A numbered slogan in quotes: “三个确保” “四个坚持”.
_SLOGAN = re.compile(rf"“(?P<num>{_COUNT})个(?P<word>[\u4e00-\u9fff]{{2}})”")
_BRACKETED = re.compile(r"^【([^【】]+)】$")
# "要做到三点：" just before the first point: a count announced by a colon, no verb needed.
_COLON_COUNT = re.compile(
    rf"(?P<num>{_COUNT}|几|\d{{1,2}})(?P<unit>点|个方面|句话|条)(?:意见|要求|希望|建议|看法)?[：:。]$"
)


@dataclass
class Item:
    """One numbered element: a heading line or an enumeration member (一是… / 一要…)."""

    number: int
    style: str
    marker: str
    text: str
    line: int


@dataclass
class Point:
    """A top-level point: its number, style, heading and body."""

    number: int
    style: str
    marker: str
    heading: str
    text: str
    line: int
    items: list[Item] = field(default_factory=list)


@dataclass
class Section:
    """A contiguous part of the speech with a conventional role."""

    role: str
    heading: str
    text: str


@dataclass
class Announcement:
    """An announced count: "讲三点意见" → count 3, unit "点意见"; count None for 几点."""

    count: int | None
    unit: str
    text: str
    line: int


@dataclass
class Enumeration:
    """A run of parallel items (一是…二是…) and the count announced just before it, if any."""

    style: str
    items: list[Item]
    announcement: Announcement | None = None


@dataclass
class ParsedSpeech:
    """Everything the scorer and the corpus builder need to know about a speech's form."""

    title: str | None
    meta: list[str]
    salutation: str | None
    opening: str
    announcement: Announcement | None
    top_style: str | None
    points: list[Point]
    closing: str | None
    sections: list[Section]
    chars: int
    lines: list[str] = field(default_factory=list)
    # Every numbered heading line of any style, in order (for level and numbering checks).
    headings: list[Item] = field(default_factory=list)
    # Runs of inline or line-start 一是/一要 items, with the count announced before each.
    enumerations: list[Enumeration] = field(default_factory=list)

    @property
    def points_announced(self) -> int | None:
        """The announced number of top-level points, or None when none (or 几点) is announced."""
        return self.announcement.count if self.announcement else None


def chinese_ordinal(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, 两 → 2; digits pass through."""
    if text.isdigit():
        return int(text)
    if "十" not in text:
        value = 0
        for ch in text:
            value = value * 10 + _CN_DIGITS.get(ch, 0)
        return value
    tens, _, ones = text.partition("十")
    return (_CN_DIGITS.get(tens, 1) if tens else 1) * 10 + (_CN_DIGITS.get(ones, 0) if ones else 0)


def to_chinese_numeral(number: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 99 → 九十九: for headings and announced counts."""
    if not 0 < number < 100:
        raise ValueError(f"heading numbers run from 1 to 99, not {number}")
    digits = "零一二三四五六七八九"
    tens, ones = divmod(number, 10)
    if tens == 0:
        return digits[ones]
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


def split_sentences(text: str) -> list[str]:
    """Split at sentence-ending punctuation, keeping it with its sentence."""
    return [s for s in _SENTENCE_END.split(text) if s.strip()]


def heading_of(line: str) -> str:
    """A heading line is the whole line when short, else its first sentence."""
    if len(line) <= 40 and "。" not in line.rstrip("。"):
        return line
    sentences = split_sentences(line)
    first = sentences[0] if sentences else line
    return first if len(first) <= 80 else first[:80]


def match_heading(line: str) -> Item | None:
    """The numbered marker at the start of a line, in whichever style it is written."""
    for style, pattern in _HEADING_PATTERNS:
        found = pattern.match(line)
        if found:
            token = found.group(1)
            number = _SEQUENCE_WORDS.get(token) or chinese_ordinal(token)
            return Item(number, style, found.group(0), heading_of(line), -1)
    return None


def find_announcements(text: str, line: int) -> list[tuple[int, Announcement]]:
    """Announced counts in a paragraph with their character offsets ("讲三点意见", "四个特点")."""
    found: list[tuple[int, Announcement]] = []
    for pattern in (_ANNOUNCE, _FEATURE):
        for match in pattern.finditer(text):
            if any(abs(offset - match.start()) < 4 for offset, _ in found):
                continue
            num = match.group("num")
            count = None if num == "几" else chinese_ordinal(num)
            unit = match.group("unit") + (match.group("tail") or "")
            found.append((match.start(), Announcement(count, unit, match.group(0), line)))
    return sorted(found, key=lambda pair: pair[0])


def _lines(text: str) -> list[str]:
    """The paragraphs; a numeral alone on its line is joined to the heading words after it,
    and a heading a web page sets in 【】 loses its brackets."""
    lines = [_unbracketed(line.strip()) for line in text.replace("\r\n", "\n").split("\n")]
    lines = [line for line in lines if line]
    joined: list[str] = []
    for line in lines:
        numeral = BARE_NUMERAL.match(joined[-1]) if joined else None
        if numeral and match_heading(line) is None and len(line) <= 200:
            joined[-1] = f"{numeral.group(1)}、{line}"
        else:
            joined.append(line)
    return joined


def _unbracketed(line: str) -> str:
    """【一、统一思想，提高站位】 → 一、统一思想，提高站位: only a numbered heading."""
    bracketed = _BRACKETED.match(line)
    if bracketed is None or match_heading(bracketed.group(1)) is None:
        return line
    return bracketed.group(1)


def _is_title_like(line: str) -> bool:
    return len(line) <= 80 and not re.search(r"[。！？；]$", line) and not _SALUTATION.match(line)


@dataclass
class _Frame:
    """Where the head of the speech ends: title, meta lines and salutation."""

    title: str | None
    meta: list[str]
    salutation: str | None
    body_start: int
    first_line_rest: str


def _read_head(lines: list[str]) -> _Frame:
    """Title, meta lines (speaker, date, subtitle) and the salutation, if present."""
    index, title, meta = 0, None, []
    if lines and _is_title_like(lines[0]) and match_heading(lines[0]) is None:
        title, index = lines[0], 1
        while index < len(lines) and _is_title_like(lines[index]) and len(lines[index]) <= 40:
            if match_heading(lines[index]) is not None or _RECIPIENTS.match(lines[index]):
                break
            meta.append(lines[index])
            index += 1
    if index + 1 < len(lines) and _GREETING.match(lines[index]):
        index += 1  # 大家晚上好！ said before the salutation
    if index < len(lines):
        sal = (
            _SALUTATION.match(lines[index])
            or _SALUTATION_ALONE.match(lines[index])
            or _RECIPIENTS.match(lines[index])
        )
        if sal:
            rest = sal.groupdict().get("rest") or ""
            return _Frame(title, meta, sal.group("sal"), index + 1, rest.strip())
    return _Frame(title, meta, None, index, "")


def has_salutation(text: str) -> bool:
    """Whether the text opens with a salutation on a line of its own (the head read only)."""
    frame = _read_head(_lines(text)[:_HEAD_LINES])
    return frame.salutation is not None


def _number_sequences(headings: list[Item]) -> None:
    """首先/其次/最后 carry order, not a number: number them by position from 首先."""
    position = 0
    for heading in headings:
        if heading.style == STYLE_SEQUENCE:
            position = 1 if heading.marker.startswith("首先") else position + 1
            heading.number = position


def _choose_top_style(headings: list[Item]) -> str | None:
    """The highest-ranking style present; 首先… counts only with 其次 (or 再次) after it."""
    styles = {h.style for h in headings}
    if _parts_lead(headings):
        return STYLE_DI
    for style in TOP_RANK:
        if style not in styles:
            continue
        if style == STYLE_SEQUENCE and not _is_sequence(headings):
            continue
        return style
    return None


def _parts_lead(headings: list[Item]) -> bool:
    """第一部分…第二部分… before any 一、: a lecture's parts, with 一、二、 beneath them."""
    parts = [h for h in headings if h.style == STYLE_DI and h.marker.endswith("部分")]
    return len(parts) >= 2 and headings[0] is parts[0]


def _is_sequence(headings: list[Item]) -> bool:
    """首先…其次…: a run of points, not two discourse markers (首先，我代表… 最后，祝…)."""
    markers = [h.marker[:2] for h in headings if h.style == STYLE_SEQUENCE]
    return "首先" in markers and ("其次" in markers or "再次" in markers)


def _tops(headings: list[Item], top_style: str | None) -> list[Item]:
    """The top-level points: the top style's headings, and a heading of another style that
    goes on with their numbers (一、二、 then 第三，or （三）) outside any run of its own."""
    tops = [h for h in headings if h.style == top_style]
    if not tops or top_style not in _CONTINUABLE:
        return tops
    for heading in headings:
        last = tops[-1]
        if heading.line <= last.line or heading.style == top_style:
            continue
        if heading.style not in _CONTINUABLE or heading.number != last.number + 1:
            continue
        own_run = any(
            h.style == heading.style and h.number == heading.number - 1 and h.line > last.line
            for h in headings
            if h.line < heading.line
        )
        if not own_run:
            tops.append(heading)
    return tops


def _last_point(
    lines: list[str], start: int, headings: list[Item], tops: list[Item], top_style: str | None
) -> list[Item]:
    """第一，…第二，…最后，…: a 最后 after the numbered points is the last of them when the
    speaker announced one more point than are numbered, and it is no wish or call."""
    if not tops or top_style == STYLE_SEQUENCE or top_style not in _CONTINUABLE:
        return []
    announced = _top_announcement(lines, start, tops[0].line, [], found_points=True)
    if announced is None or announced.count != len(tops) + 1:
        return []
    last = next(
        (h for h in headings if h.line > tops[-1].line and h.marker.startswith("最后")), None
    )
    if last is None or _CLOSING_CUE.search(last.text):
        return []
    last.number = len(tops) + 1
    return [last]


def _not_points(headings: list[Item], kind: str | None, wrapup: int | None) -> list[Item]:
    """A presiding text's hand-overs and agenda (首先，请… 第一项…) are not its points: only
    what it numbers after its wrap-up announcement (我再强调两点) is. A news report's
    一要…二要… are a leader's words it reports, not points of its own."""
    if kind == "news":
        return [h for h in headings if h.style not in _REPORTED_STYLES]
    if kind != "presiding":
        return headings
    kept = [h for h in headings if h.style != STYLE_SEQUENCE]
    if wrapup is not None:
        return [h for h in kept if h.line > wrapup]
    return [h for h in kept if not _AGENDA_ITEM.search(h.text)]


def _wrapup_line(lines: list[str], start: int) -> int | None:
    """The line where a presider announces what they add (我再强调两点), the last one."""
    for index in range(len(lines) - 1, start - 1, -1):
        if match_heading(lines[index]) is not None:
            continue  # 提出一条建议 inside a point announces nothing
        found = find_announcements(lines[index], index)
        if any(a.count and _ANNOUNCE.search(a.text) and _counts(a, lines[index]) for _, a in found):
            return index
    return None


def _run_points(runs: list[Enumeration], after: int) -> list[Point]:
    """The items of the counted run a presider announces (…两点：一是…二是…) as points."""
    for run in runs:
        if run.announcement is not None and run.items[0].line >= after:
            return [
                Point(item.number, item.style, item.marker, item.text, "", item.line)
                for item in run.items
            ]
    return []


def _collect_enumerations(lines: list[str], start: int, breaks: set[int]) -> list[Enumeration]:
    """Runs of 一是/一要 items, one open run per style; a run restarts at 一 or a new point.

    Keeping one open run per style lets a 一要 run continue around a 一是 run nested
    inside its second item, and lets skipped or repeated numbers show in one run.
    """
    runs: list[Enumeration] = []
    open_runs: dict[str, Enumeration] = {}
    for index in range(start, len(lines)):
        if index in breaks:
            open_runs.clear()
        line = lines[index]
        for match in _INLINE_ENUM.finditer(line):
            style = STYLE_ENUM_SHI if match.group(2) == "是" else STYLE_ENUM_YAO
            number = chinese_ordinal(match.group(1))
            clause = line[match.start(1) :]
            item = Item(number, style, match.group(1) + match.group(2), heading_of(clause), index)
            current = open_runs.get(style)
            if current is None or number == 1:
                current = Enumeration(style, [])
                runs.append(current)
                open_runs[style] = current
            current.items.append(item)
    return runs


def _attach_announcements(runs: list[Enumeration], lines: list[str]) -> None:
    """Give each run the count announced in the sentence or two just before its first item."""
    for run in runs:
        first = run.items[0]
        line = lines[first.line]
        offset = line.find(first.marker)
        before = line[:offset] if offset > 0 else ""
        if not before.strip() and first.line > 0:
            before = lines[first.line - 1]
        tail = "".join(split_sentences(before)[-2:]) if before else ""
        found = find_announcements(tail, first.line)
        if found:
            run.announcement = found[-1][1]


def _closing_start(lines: list[str], after: int, top_style: str | None, kind: str | None) -> int:
    """Index of the first line of the closing, read as a paragraph after the last point.

    The closing is the run of trailing paragraphs that carry closing cues (a call, thanks,
    wishes, 散会); without one, a last paragraph that calls on everyone to act, when the last
    point keeps a paragraph of its own. A presiding text closes with its 散会 sentence, an
    address with its wishes.
    """
    start = len(lines)
    last = len(lines) - 1
    while last > after and _SIGNATURE.match(lines[last]):
        last -= 1  # an appeal or a letter is signed: the closing comes before its signature
    for index in range(last, after, -1):
        line = lines[index]
        is_cue = bool(_CLOSING_CUE.search(line)) and len(line) <= 400
        if top_style == STYLE_SEQUENCE and line.startswith("最后"):
            is_cue = False
        if not is_cue:
            break
        start = index
    if start < len(lines):
        start = _addressed_start(lines, start, after)
    if start == len(lines) and last > after:
        slogans = len(lines[last]) <= 80 and _SLOGANS.match(lines[last]) is not None
        if slogans or (_point_ends_before(lines, last, after) and _is_soft_closing(lines[last])):
            start = last
    if kind == "presiding":
        adjourn = [i for i in range(after + 1, len(lines)) if _ADJOURN.search(lines[i])]
        return adjourn[-1] if adjourn else start
    if kind == "address":
        wishes = [i for i in range(start, len(lines)) if _WISHES.search(lines[i])]
        return wishes[0] if wishes else start
    return start


def _point_ends_before(lines: list[str], last: int, after: int) -> bool:
    """Whether the last point is over before line `last`: it keeps a paragraph of its own
    after its heading, or its heading line already runs on into its body (四是要严格执法，
    形成强大震慑。市生态环境局要…), so the paragraph after it is no body of it."""
    if last - 1 > after:
        return True
    return last - 1 == after and len(lines[after]) > len(heading_of(lines[after]))


def _addressed_start(lines: list[str], start: int, after: int) -> int:
    """A closing that begins by addressing everyone (同志们，…) a paragraph or two above its
    cued run: the paragraphs between carry no cue but are the closing's, not the last
    point's (they have no heading and no items)."""
    for index in range(start - 1, max(after, start - _ADDRESSED_REACH - 1), -1):
        line = lines[index]
        if match_heading(line) is not None or _INLINE_ENUM.search(line):
            return start
        if _ADDRESSED.match(line):
            return index
    return start


def _is_soft_closing(line: str) -> bool:
    """A last paragraph that calls on everyone to act, with no items of a point in it."""
    return (
        bool(_CLOSING_CALL.search(line))
        and len(line) <= 300
        and not _INLINE_ENUM.search(line)
        and match_heading(line) is None
    )


def _opening_role(paragraph: str) -> str:
    head = paragraph[:60]
    if _AGENDA_CUE.search(paragraph):
        return "agenda"
    if _PROBLEM_CUE.search(head):
        return "problems"
    if _ACHIEVEMENT_CUE.search(head):
        return "achievements"
    return "opening"


def _split_transition(
    paragraphs: list[tuple[int, str]], announcement: Announcement | None
) -> tuple[list[tuple[int, str]], str | None]:
    """Cut the sentence that announces the points out of the opening, if there is one."""
    if announcement is None:
        return paragraphs, None
    kept: list[tuple[int, str]] = []
    transition = None
    for index, paragraph in paragraphs:
        if index == announcement.line and transition is None:
            sentences = split_sentences(paragraph)
            pos = next((i for i, s in enumerate(sentences) if announcement.text in s), None)
            if pos is not None:
                transition = "".join(sentences[pos:])
                rest = "".join(sentences[:pos])
                if rest:
                    kept.append((index, rest))
                continue
        kept.append((index, paragraph))
    return kept, transition


def _top_announcement(
    lines: list[str], start: int, end: int, runs: list[Enumeration], *, found_points: bool
) -> Announcement | None:
    """The speaker's announcement of the points that no enumeration claims: the last one
    before the first point, or, with no points found, the first in the opening part.

    A count of one (讲一点体会) is no announcement unless it says 下面/以下; "N点：" ending
    the sentence just before the first point is one (就是要做到三点：第一，…).
    """
    candidates: list[Announcement] = []
    for index in range(start, end):
        for _, found in find_announcements(lines[index], index):
            if _ANNOUNCE.search(found.text) and _counts(found, lines[index]):
                candidates.append(found)
    if found_points and end < len(lines):
        before = lines[end - 1] if end - 1 >= start else ""
        colon = _COLON_COUNT.search(before)
        if colon and not candidates:
            num, unit = colon.group("num"), colon.group("unit")
            count = None if num == "几" else chinese_ordinal(num)
            candidates.append(Announcement(count, unit, colon.group(0), end - 1))
    unclaimed = [a for a in candidates if not any(_same(a, run) for run in runs)]
    if not unclaimed:
        return None
    return unclaimed[-1] if found_points else unclaimed[0]


def _slogan_announcement(
    lines: list[str], start: int, end: int, tops: list[Item]
) -> Announcement | None:
    """坚决做到“三个确保”：一、确保…二、确保…: a numbered slogan announces the points when
    every point's heading begins with its word and their number is its count."""
    for index in range(end - 1, start - 1, -1):
        for found in _SLOGAN.finditer(lines[index]):
            count, word = chinese_ordinal(found.group("num")), found.group("word")
            words = [top.text[len(top.marker) :].lstrip() for top in tops]
            if count == len(tops) and all(w.startswith(word) for w in words):
                return Announcement(count, f"个{word}", found.group(0), index)
    return None


def _counts(announcement: Announcement, line: str) -> bool:
    """A count of one is an announcement only where the speaker says what follows."""
    if announcement.count != 1:
        return True
    said = re.search(r"(?:下面|以下)[^。！？]{0,8}" + re.escape(announcement.text), line)
    return said is not None


def _same(announcement: Announcement, run: Enumeration) -> bool:
    other = run.announcement
    return other is not None and (other.line, other.text) == (announcement.line, announcement.text)


def parse_speech(text: str, kind: str | None = None) -> ParsedSpeech:
    """Parse a cleaned speech (one paragraph per line) into title, salutation, points, closing.

    `kind` is what the text is when known (presiding, address …): a presiding text's agenda
    items are not points and it closes with 散会; an address closes with its wishes.
    """
    lines = _lines(text)
    frame = _read_head(lines)
    body = lines[frame.body_start :]
    if frame.first_line_rest:
        lines = [*lines[: frame.body_start], frame.first_line_rest, *body]
    headings: list[Item] = []
    for index in range(frame.body_start, len(lines)):
        heading = match_heading(lines[index])
        if heading is not None:
            heading.line = index
            headings.append(heading)
    wrapup = _wrapup_line(lines, frame.body_start) if kind == "presiding" else None
    candidates = _not_points(headings, kind, wrapup)
    top_style = _choose_top_style(candidates)
    _number_sequences(headings)
    tops = _tops(candidates, top_style)
    tops += _last_point(lines, frame.body_start, candidates, tops, top_style)
    enum_top = top_style in (STYLE_ENUM_SHI, STYLE_ENUM_YAO)
    runs = _collect_enumerations(
        lines, frame.body_start, set() if enum_top else {h.line for h in tops}
    )
    _attach_announcements(runs, lines)
    first_point = tops[0].line if tops else len(lines)
    after = tops[-1].line if tops else frame.body_start
    closing_at = _closing_start(lines, after, top_style, kind)
    if not tops:
        first_point = closing_at
    own_runs = [run for run in runs if run.style != top_style]
    announcement = _top_announcement(
        lines, frame.body_start, first_point, own_runs, found_points=bool(tops)
    )
    if announcement is None and tops:
        announcement = _slogan_announcement(lines, frame.body_start, first_point, tops)
    points = _build_points(lines, tops, closing_at, runs)
    if not points and wrapup is not None:
        points = _run_points(runs, wrapup)
    opening_paragraphs = [(i, lines[i]) for i in range(frame.body_start, first_point)]
    opening_paragraphs, transition = _split_transition(opening_paragraphs, announcement)
    sections = _sections(frame, opening_paragraphs, transition, points, lines[closing_at:])
    closing = "\n".join(lines[closing_at:]) or None
    return ParsedSpeech(
        title=frame.title,
        meta=frame.meta,
        salutation=frame.salutation,
        opening="\n".join(p for _, p in opening_paragraphs),
        announcement=announcement,
        top_style=top_style,
        points=points,
        closing=closing,
        sections=sections,
        chars=count_chars(text),
        lines=lines,
        headings=headings,
        enumerations=runs,
    )


def _build_points(
    lines: list[str], tops: list[Item], closing_at: int, runs: list[Enumeration]
) -> list[Point]:
    points: list[Point] = []
    for position, head in enumerate(tops):
        end = tops[position + 1].line if position + 1 < len(tops) else closing_at
        end = max(end, head.line + 1)
        body_lines = lines[head.line : end]
        first = body_lines[0]
        rest_of_first = first[len(head.text) :].strip() if first.startswith(head.text) else ""
        body = "\n".join([rest_of_first, *body_lines[1:]] if rest_of_first else body_lines[1:])
        items = [item for run in runs for item in run.items if head.line <= item.line < end]
        points.append(
            Point(head.number, head.style, head.marker, head.text, body, head.line, items)
        )
    return points


def _sections(
    frame: _Frame,
    opening: list[tuple[int, str]],
    transition: str | None,
    points: list[Point],
    closing_lines: list[str],
) -> list[Section]:
    sections: list[Section] = []
    if frame.title:
        sections.append(Section("title", "", frame.title))
    sections.extend(Section("meta", "", line) for line in frame.meta)
    if frame.salutation:
        sections.append(Section("salutation", "", frame.salutation))
    for _, paragraph in opening:
        role = _opening_role(paragraph)
        if sections and sections[-1].role == role and role != "opening":
            sections[-1].text += "\n" + paragraph
        else:
            sections.append(Section(role, "", paragraph))
    if transition:
        sections.append(Section("transition", "", transition))
    sections.extend(Section("point", p.heading, p.text) for p in points)
    if closing_lines:
        sections.append(Section("closing", "", "\n".join(closing_lines)))
    return sections
