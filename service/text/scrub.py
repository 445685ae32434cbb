"""Take an example's own names, places, units, dates and figures out before it enters a prompt.

An example speech shows the model the form; its facts must never reach a draft
(the conventions page: no 郭竞坤, no 曹妃甸, no "信访量同比下降57%"). Each fact is
replaced by a bracketed placeholder — 〔人名〕〔地名〕〔单位〕〔日期〕〔数字〕 — that
the prompt explains. jieba's part-of-speech tags alone are too noisy (it tags
谢谢 and 建立健全 as person names), so a tag only counts together with a cue:
a word jieba had to guess (not in its dictionary), a title before it, a verb of
speaking after it, a place suffix. Words of the brief, the canonical
formulations and generic bodies (市委、县委、党委) are kept.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from service.text.segment import Segmenter

PERSON, PLACE, UNIT, DATE, FIGURE = "人名", "地名", "单位", "日期", "数字"
PLACEHOLDERS = {c: f"〔{c}〕" for c in (PERSON, PLACE, UNIT, DATE, FIGURE)}

_CJK = r"\u3400-\u9fff"


def _words(text: str) -> list[str]:
    """Space-separated word lists are easier for a writer to edit than quoted literals."""
    return text.split()


# Common surnames; very common words that are also rare surnames (和、党、全、国…) are left out.
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付傅方白邹孟熊秦邱江尹薛闫阎段雷侯龙史陶黎贺顾"
    "毛郝龚邵万钱严覃武戴莫孔向汤施牛樊葛邢齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿兰焦俞左柳甘"
    "祝包宁尚符舒阮柯纪梅童凌毕季裴霍涂苗谷盛曲翁冉骆蓝游辛靳管柴蒙鲍喻祁蒲房滕屈饶牟艾尤穆"
    "农卓吉缪简车项芦麦褚娄窦戚岑景宫费卜冷晏席卫米柏宗瞿桂佟臧闵苟邬卞姬仇栾隋刁沙荣巫寇桑"
    "郎甄丛仲虞敖巩佘池麻苑迟邝鞠荆冀郁胥栗燕楚鄢谌奚皮粟冼蔺闻厉仝郜阚屠朴练廉禹祖漆巴丰"
    "卿狄晋初扈晁芮阙浦戈伏鹿邸雍辜裘亓邰赫杭宿逯茹慕亢嵇湛戎茅贠母"
)
_COMPOUND_SURNAMES = tuple(_words("欧阳 司马 上官 诸葛 东方 皇甫 令狐 慕容 尉迟 长孙"))
_TITLES = (
    "副书记|书记|副组长|组长|副主任|主任|副部长|部长|副局长|局长|副县长|县长|副市长|市长|副区长|区长|"
    "镇长|乡长|副省长|省长|副主席|主席|委员|常委|处长|科长|校长|院长|董事长|总经理|秘书长|厅长|"
    "政委|队长|所长|行长|社长|检察长|庭长|巡视员|调研员|理事长"
)
_SPEECH_CUES = "在讲话中|在会上|强调|指出|主持|宣读|出席|同志|代表|作了|说"
_NAME_END = rf"(?=[、，。；：,;:\s（(]|{_SPEECH_CUES}|$)"
_SURNAME = f"(?:{'|'.join(_COMPOUND_SURNAMES)}|[{SURNAMES}])"
_AFTER_TITLE = re.compile(rf"(?:{_TITLES})({_SURNAME}[{_CJK}]{{1,2}}){_NAME_END}")
_BEFORE_VERB = re.compile(
    rf"(?:^|(?<=[\s、，。；：,;:“（(]))({_SURNAME}[{_CJK}]{{1,2}})(?={_SPEECH_CUES})", re.M
)
_LIST_NEXT = re.compile(rf"、([{_CJK}]{{2,3}})(?=[、，。；,;\s]|出席|等|同志|$)")

_ZONE_SUFFIXES = tuple(
    _words(
        "经济技术开发区 高新技术产业开发区 经济开发区 高新区 开发区 工业园区 产业园区 工业区 园区 "
        "生态城 新区 示范区 试验区 保税区 自贸区 港区"
    )
)
_ADMIN_SUFFIXES = ("省", "市", "县", "区", "州", "盟", "旗", "镇", "乡", "村", "街道", "社区")
_ORG_SUFFIXES = tuple(
    _words("股份有限公司 有限公司 公司 集团 银行 大学 学院 医院 中学 小学 研究院 研究所")
)
PROVINCES = frozenset(
    _words(
        "北京 天津 上海 重庆 河北 山西 辽宁 吉林 黑龙江 江苏 浙江 安徽 福建 江西 山东 河南 湖北 "
        "湖南 广东 海南 四川 贵州 云南 陕西 甘肃 青海 台湾 内蒙古 广西 西藏 宁夏 新疆 香港 澳门"
    )
)
# People every speech may name: leaders and models quoted by name, never an example's own fact.
PUBLIC_FIGURES = frozenset(
    _words(
        "习近平 毛泽东 邓小平 江泽民 胡锦涛 周恩来 刘少奇 朱德 焦裕禄 雷锋 孔繁森 杨善洲 谷文昌 "
        "廖俊波 黄大年 钱学森 王进喜 张富清 包公 孙中山 鲁迅"
    )
)
# Generic bodies and placeholders that look like names or places to a tagger.
KEEP_WORDS = frozenset(
    _words(
        "市委 县委 区委 省委 党委 党组 镇委 乡党委 市政府 县政府 区政府 省政府 全市 全县 全区 全省 "
        "全镇 本市 本县 本区 我市 我县 我区 我省 各地 各级 基层 两个一百年 十三五 十四五 十五五"
    )
)
_NAME_TAGS = frozenset({"nr", "nrfg", "nrt"})
_PLACE_LIKE_TAGS = frozenset({"ns", "nr", "nrfg", "nrt", "nz"})

_DATE = re.compile(
    r"(?:\d{4}|[〇零一二三四五六七八九]{4})\s*年(?:\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*[日号])?)?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|[一二三四五六七八九十]{1,2}月[一二三四五六七八九十]{1,3}[日号]"
    r"|\d{1,2}\s*月份?|\d{1,2}:\d{2}(?::\d{2})?"
)
_FIGURE = re.compile(
    r"百分之[零〇一二两三四五六七八九十百点]+"
    r"|\d+(?:[.,]\d+)*\s*[%％‰]?"
    r"|[零〇一二两三四五六七八九十]+[百千万亿][零〇一二两三四五六七八九十百千万亿]*"
    r"|[二三四五六七八九]?十[一二三四五六七八九]"
)
_HEADING_NUMBER = re.compile(r"^\s*\d{1,2}\s*[.、．]|[（(]\s*\d{1,2}\s*[)）]", re.M)
_FORMULA_NUMBER = re.compile(r"[一二三四五六七八九十]+(?:大|届|五规划|中全会)")


@dataclass(frozen=True)
class Scrubbed:
    """One fact taken out of an example: its words and what kind of fact it was."""

    text: str
    category: str


@dataclass
class ScrubResult:
    """The scrubbed text and every distinct fact removed (for the scorer to look for in drafts)."""

    text: str
    removed: list[Scrubbed] = field(default_factory=list)

    @property
    def words(self) -> list[str]:
        return [item.text for item in self.removed]


@dataclass(frozen=True)
class _Span:
    start: int
    end: int
    category: str


class Scrubber:
    """Finds the facts of a text; one instance per process is enough."""

    def __init__(self, segmenter: Segmenter, protected: Iterable[str] = ()) -> None:
        self.segmenter = segmenter
        terms = set(protected) | self.segmenter.user_terms | PUBLIC_FIGURES | KEEP_WORDS
        self._protected = sorted(terms, key=len, reverse=True)

    def scrub(self, text: str, keep: str = "") -> ScrubResult:
        """Replace the text's facts that do not occur in `keep` (the brief's own words)."""
        blocked = self._protected_ranges(text)
        spans = [s for s in self._find(text) if not _overlaps(s, blocked)]
        spans = [s for s in _resolve(spans) if not _in_brief(text[s.start : s.end], keep)]
        removed: dict[str, Scrubbed] = {}
        pieces, cursor = [], 0
        for span in spans:
            found = text[span.start : span.end]
            removed.setdefault(found, Scrubbed(found, span.category))
            pieces += [text[cursor : span.start], PLACEHOLDERS[span.category]]
            cursor = span.end
        pieces.append(text[cursor:])
        return ScrubResult("".join(pieces), list(removed.values()))

    def _find(self, text: str) -> list[_Span]:
        dates = [_Span(m.start(), m.end(), DATE) for m in _DATE.finditer(text)]
        tagged = _with_offsets(self.segmenter.tag(text))
        people = self._people(text, tagged)
        return dates + _figures(text) + people + _places(tagged) + _list_people(text, people)

    def _people(self, text: str, tagged: list[tuple[int, str, str]]) -> list[_Span]:
        spans = [_Span(m.start(1), m.end(1), PERSON) for m in _AFTER_TITLE.finditer(text)]
        spans += [_Span(m.start(1), m.end(1), PERSON) for m in _BEFORE_VERB.finditer(text)]
        spans = [s for s in spans if not self._is_common(text[s.start : s.end])]
        return spans + self._tagged_people(tagged)

    def _tagged_people(self, tagged: list[tuple[int, str, str]]) -> list[_Span]:
        """Names jieba guessed (not in its dictionary): 付国良, or 郭 + 竞坤."""
        spans = []
        for i, (start, word, flag) in enumerate(tagged):
            if flag not in _NAME_TAGS or not _starts_with_surname(word):
                continue
            following = tagged[i + 1][1] if i + 1 < len(tagged) else ""
            if len(word) == 1 and 1 <= len(following) <= 2 and self._is_guess(following):
                spans.append(_Span(start, start + 1 + len(following), PERSON))
            elif len(word) in (3, 4) and self._is_guess(word) and not _after_count(tagged, i):
                spans.append(_Span(start, start + len(word), PERSON))
        return spans

    def _is_guess(self, word: str) -> bool:
        return bool(re.fullmatch(f"[{_CJK}]+", word)) and not self.segmenter.is_word(word)

    def _is_common(self, word: str) -> bool:
        return self.segmenter.is_word(word) or word in KEEP_WORDS

    def _protected_ranges(self, text: str) -> list[tuple[int, int]]:
        ranges = [(m.start(), m.end()) for m in _HEADING_NUMBER.finditer(text)]
        ranges += [(m.start(), m.end()) for m in _FORMULA_NUMBER.finditer(text)]
        for term in self._protected:
            start = text.find(term)
            while start >= 0:
                ranges.append((start, start + len(term)))
                start = text.find(term, start + len(term))
        return ranges


def _in_brief(found: str, keep: str) -> bool:
    """Whether the brief says it too; a figure must match whole (1 is not in 120)."""
    pattern = rf"(?<![0-9.]){re.escape(found)}(?![0-9.%％])" if found[:1].isdigit() else None
    return bool(re.search(pattern, keep)) if pattern else found in keep


def _with_offsets(tagged: list[tuple[str, str]]) -> list[tuple[int, str, str]]:
    out, offset = [], 0
    for word, flag in tagged:
        out.append((offset, word, flag))
        offset += len(word)
    return out


def _after_count(tagged: list[tuple[int, str, str]], i: int) -> bool:
    """一段时间 is cut 一/段时间: a guessed "name" right after a numeral is not one."""
    return i > 0 and tagged[i - 1][1][-1:] in "一二三四五六七八九十几这那每某"


def _starts_with_surname(word: str) -> bool:
    return word[:1] in SURNAMES or word[:2] in _COMPOUND_SURNAMES


def _figures(text: str) -> list[_Span]:
    spans = []
    for match in _FIGURE.finditer(text):
        found = match.group().rstrip(",，. ")
        if found and not re.fullmatch(r"[零〇一二两三四五六七八九十]", found):
            spans.append(_Span(match.start(), match.start() + len(found), FIGURE))
    return spans


def _places(tagged: list[tuple[int, str, str]]) -> list[_Span]:
    """Place names: a name-like word before a zone or admin suffix, or a province."""
    spans = []
    for i, (start, word, _flag) in enumerate(tagged):
        if word in PROVINCES:
            spans.append(_Span(start, start + len(word), PLACE))
        rest = "".join(w for _, w, _ in tagged[i : i + 3])
        suffix = next((s for s in _ZONE_SUFFIXES + _ORG_SUFFIXES if rest.startswith(s)), None)
        if suffix is None and word in _ADMIN_SUFFIXES:
            suffix = word
        if suffix is None:
            continue
        first = _name_like_start(tagged, i, admin=suffix in _ADMIN_SUFFIXES)
        if first is not None:
            category = UNIT if suffix in _ORG_SUFFIXES else PLACE
            spans.append(_Span(first, start + len(suffix), category))
    return spans


def _name_like_start(tagged: list[tuple[int, str, str]], i: int, *, admin: bool) -> int | None:
    """Where the proper name before tagged[i] starts (one or two name-like words), if any."""
    first = None
    for j in (i - 1, i - 2):
        if j < 0 or (admin and j < i - 1):
            break
        _, word, flag = tagged[j]
        if flag not in _PLACE_LIKE_TAGS or word in KEEP_WORDS or len(word) > 4:
            break
        first = tagged[j][0]
    return first


def _list_people(text: str, people: list[_Span]) -> list[_Span]:
    """Names that follow a found name in a 、-separated list: 王新春、李可春、母树宏…"""
    spans: list[_Span] = []
    for person in people:
        end = person.end
        while (match := _LIST_NEXT.match(text, end)) is not None:
            spans.append(_Span(match.start(1), match.end(1), PERSON))
            end = match.end(1)
    return spans


def _overlaps(span: _Span, ranges: list[tuple[int, int]]) -> bool:
    return any(span.start < end and start < span.end for start, end in ranges)


def _resolve(spans: list[_Span]) -> list[_Span]:
    """Non-overlapping spans in text order; a longer span wins over one it overlaps."""
    chosen: list[_Span] = []
    for span in sorted(spans, key=lambda s: (-(s.end - s.start), s.start)):
        if not any(span.start < c.end and c.start < span.end for c in chosen):
            chosen.append(span)
    return sorted(chosen, key=lambda s: s.start)
