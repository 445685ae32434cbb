"""Figures in Chinese text: numbers, percentages and dates, in Arabic or Chinese numerals.

A figure is a fact a draft may only take from its brief. Chinese numerals are also
ordinals (一是, 第一), counts of a speech's own parts (三点意见) and parts of set
phrases (四个意识, 一周一调度), which are not figures. The rule used here:

- Arabic numbers are figures, except heading markers (1. / （1）) and ordinals (第5).
- Percentages and dates are figures in either script (百分之五十七, 十月八日).
- A Chinese numeral is a figure only when it is a compound (十五, 一百零三, 三千五百万)
  or a bare 十 before a measure word (十项); single digits (三个, 两次, 五是) never are.
  Compounds that are ordinals (第十一), heading markers (十一、), congress and plan names
  (二十大, 十九届, 十四五) or vague amounts (数十, 十几) are not figures either.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import lru_cache

_DIGIT = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_ZERO = "零〇"
_SMALL_UNIT = {"十": 10, "百": 100, "千": 1000}
_BIG_UNIT = {"万": 10_000, "亿": 100_000_000}
_POSITIONAL = {"〇": 0, "零": 0, **_DIGIT}
_CN = "零〇一二两三四五六七八九十百千万亿"
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９．％", "0123456789.%")

# Measure words after which a bare 十 counts something (十项, 十个), unlike 十分 or 十足.
_TEN_UNITS = set("个项条次名人位家户年月天周岁件所座台辆场批期篇份元种余多倍")

_YEAR = r"(?P<y>[0-9]{4}|[〇零一二三四五六七八九]{4})年"
_MONTH = r"(?P<m>1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月(?P<fen>份)?"
_DAY = r"(?P<d>3[01]|[12][0-9]|0?[1-9]|[二三]?十[一二三四五六七八九]?|[一二三四五六七八九])[日号]"
_YEAR_AHEAD = r"(?:[0-9]{4}|[〇零一二三四五六七八九]{4})年"
_MONTH_AHEAD = r"(?:1[0-2]|0?[1-9]|十[一二]?|[一二三四五六七八九])月"
# The look-ahead lets the engine skip, by first character, positions where nothing can start.
_PATTERN = re.compile(
    rf"(?=[0-9{_CN}])(?:(?P<date>(?<![0-9.])(?={_YEAR_AHEAD}|{_MONTH_AHEAD})(?:{_YEAR})?(?:{_MONTH}(?:{_DAY})?)?)"
    r"|(?<![0-9])(?P<iy>[0-9]{4})(?P<sep>[-/.])(?P<im>1[0-2]|0?[1-9])(?P=sep)"
    r"(?P<id>3[01]|[12][0-9]|0?[1-9])(?![0-9])"
    r"|(?<![0-9])(?P<hour>[01]?[0-9]|2[0-3])[:：](?P<minute>[0-5][0-9])(?![0-9])"
    rf"|百分之(?P<cnpct>[{_CN}]+(?:点[零〇一二三四五六七八九]+)?)"
    r"|(?<![A-Za-z0-9.])(?P<num>[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+(?:\.[0-9]+)?)"
    r"(?P<mult>万亿|千万|百万|万|亿)?(?P<pct>\s?%|个百分点)?(?![A-Za-z])"
    rf"|(?P<cn>[{_CN}]+))"
)
_NEWLINE = re.compile("\n")
_ORDINAL_BEFORE = set("第其")
_VAGUE_BEFORE = set("数几上成")
_NAME_AFTER = re.compile(r"大(?![于量幅概])|届|中全会|次全会|次党代会|五规划")
_MARKER_AFTER = set("、）)．.")


@dataclass(frozen=True)
class Figure:
    """One figure as written, its kind and canonical keys (most specific first)."""

    text: str
    kind: str  # number | percent | date | time
    keys: tuple[str, ...]
    line: int
    start: int


def parse_chinese_number(text: str) -> int | None:
    """三千五百万 → 35000000, 一百零三 → 103, 二〇一四 → 2014; None when malformed."""
    if len(text) > 1 and all(ch in _POSITIONAL for ch in text) and any(c in _ZERO for c in text):
        return int("".join(str(_POSITIONAL[ch]) for ch in text))
    total, section, digit, last_small, last_big = 0, 0, None, 10_000, 10**12
    for index, ch in enumerate(text):
        if ch in _DIGIT:
            if digit is not None:
                return None
            digit = _DIGIT[ch]
        elif ch in _ZERO:
            if digit is not None or index == 0:
                return None
        elif ch in _SMALL_UNIT:
            unit = _SMALL_UNIT[ch]
            if unit >= last_small or (digit is None and not (unit == 10 and index == 0)):
                return None
            section, digit, last_small = section + (digit or 1) * unit, None, unit
        else:
            unit = _BIG_UNIT[ch]
            section += digit or 0
            if section == 0 and not (ch == "亿" and last_big == 10_000):
                return None  # 万 or 千万 alone is a word (万一, 千万要), not a number
            if unit >= last_big and section:
                return None
            total = (total + section) * unit
            section, digit, last_small, last_big = 0, None, 10_000, unit
    if digit is not None and len(text) > 1 and text[-2] in "百千万亿":
        # 三百五 = 350, 两万五 = 25000: a trailing digit is one place below the unit before it.
        return total + section + digit * ({**_SMALL_UNIT, **_BIG_UNIT}[text[-2]] // 10)
    return total + section + (digit or 0)


def _number_key(value: Decimal) -> str:
    """A canonical decimal string: 35000000, 3.5 (no exponent, no trailing zeros)."""
    return format(value.normalize(), "f")


def _arabic_value(number: str, mult: str | None) -> Decimal | None:
    try:
        value = Decimal(number.replace(",", ""))
    except InvalidOperation:
        return None
    for ch in mult or "":
        value *= {"万": 10_000, "亿": 100_000_000, "千": 1000, "百": 100}[ch]
    return value


def _date_part(raw: str | None) -> int | None:
    if raw is None:
        return None
    return int(raw) if raw.isdigit() else parse_chinese_number(raw)


def _date_keys(match: re.Match[str]) -> tuple[str, ...] | None:
    """Keys of a date; None when it is not one (一月一次: a bare Chinese month with no day)."""
    year_raw, month_raw, day_raw = match.group("y", "m", "d")
    bare_month = year_raw is None and day_raw is None and not match.group("fen")
    if bare_month and not month_raw.isdigit() and len(month_raw) == 1:
        return None
    year = int(year_raw) if year_raw and year_raw.isdigit() else None
    if year_raw and year is None:
        year = int("".join(str(_POSITIONAL[ch]) for ch in year_raw))
    return _keys_from(year, _date_part(month_raw), _date_part(day_raw))


def _keys_from(year: int | None, month: int | None, day: int | None) -> tuple[str, ...]:
    """2014年10月8日 → 2014年10月8日, 10月8日, 2014年, 10月, 8日, 2014, 10, 8."""
    parts = [(year, "年"), (month, "月"), (day, "日")]
    present = [f"{v}{unit}" for v, unit in parts if v is not None]
    keys = ["".join(present)]
    if month is not None and day is not None:
        keys.append(f"{month}月{day}日")
    keys += present + [str(v) for v, _ in parts if v is not None]
    return tuple(dict.fromkeys(keys))


def _line_starts(text: str) -> list[int]:
    return [0] + [m.end() for m in _NEWLINE.finditer(text)]


@lru_cache(maxsize=64)
def _mask_pattern(words: frozenset[str]) -> re.Pattern[str] | None:
    """One alternation of the fixed words, longest first; compiled once per word set."""
    if not words:
        return None
    return re.compile("|".join(map(re.escape, sorted(words, key=len, reverse=True))))


def _blank(match: re.Match[str]) -> str:
    return "\0" * len(match.group())


def _is_heading_marker(text: str, start: int, end: int) -> bool:
    """十一、 at a line start, or （十一） / （11）: numbering, not a figure."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start].strip(" \t\u3000")
    after = text[end : end + 1]
    return before in ("", "（", "(") and after in _MARKER_AFTER


def _chinese_is_figure(text: str, start: int, end: int, value: int | None) -> bool:
    run = text[start:end]
    before, after = text[start - 1 : start], text[end : end + 1]
    if value is None or before in _ORDINAL_BEFORE or before in _VAGUE_BEFORE or after == "几":
        return False
    if _NAME_AFTER.match(text, end) or _is_heading_marker(text, start, end):
        return False
    if run == "十":
        return after in _TEN_UNITS
    return value >= 10 and any(ch in "十百千万亿" or ch in _ZERO for ch in run)


class _Finder:
    """One pass over a text; fixed-word spans are skipped."""

    def __init__(self, text: str, fixed_words: Iterable[str]) -> None:
        self.text = text.translate(_FULLWIDTH_DIGITS)
        self.starts = _line_starts(text)
        pattern = _mask_pattern(frozenset(w for w in fixed_words if w))
        self.masked = pattern.sub(_blank, self.text) if pattern else self.text

    def figures(self) -> list[Figure]:
        found: list[Figure] = []
        for match in _PATTERN.finditer(self.masked):
            figure = self._figure(match)
            if figure is not None:
                found.append(figure)
        return found

    def _make(self, match: re.Match[str], kind: str, keys: tuple[str, ...]) -> Figure:
        line = bisect_right(self.starts, match.start())
        return Figure(match.group(), kind, keys, line, match.start())

    def _figure(self, match: re.Match[str]) -> Figure | None:
        if match.group("date"):
            keys = _date_keys(match)
            return self._make(match, "date", keys) if keys else None
        if match.group("iy"):
            year, month, day = (int(match.group(g)) for g in ("iy", "im", "id"))
            return self._make(match, "date", _keys_from(year, month, day))
        if match.group("hour"):
            key = f"{int(match.group('hour'))}:{match.group('minute')}"
            return self._make(match, "time", (key,))
        if match.group("cnpct"):
            return self._cn_percent(match)
        if match.group("num"):
            return self._arabic(match)
        start, end = match.span("cn")
        value = parse_chinese_number(match.group("cn"))
        if not _chinese_is_figure(self.masked, start, end, value):
            return None
        assert value is not None
        return self._make(match, "number", (str(value),))

    def _cn_percent(self, match: re.Match[str]) -> Figure | None:
        whole, _, frac = match.group("cnpct").partition("点")
        value = parse_chinese_number(whole)
        if value is None:
            return None
        digits = "".join(str(_POSITIONAL[ch]) for ch in frac)
        number = _number_key(Decimal(f"{value}.{digits}" if digits else str(value)))
        return self._make(match, "percent", (f"{number}%", number))

    def _arabic(self, match: re.Match[str]) -> Figure | None:
        start, end = match.span("num")
        if self.masked[start - 1 : start] in _ORDINAL_BEFORE or _is_heading_marker(
            self.masked, start, end
        ):
            return None
        value = _arabic_value(match.group("num"), match.group("mult"))
        if value is None:
            return None
        number = _number_key(value)
        if match.group("pct"):
            return self._make(match, "percent", (f"{number}%", number))
        return self._make(match, "number", (number,))


def find_figures(text: str, fixed_words: Iterable[str] = ()) -> list[Figure]:
    """Every figure in text, in order; numerals inside fixed_words are not figures."""
    return _Finder(text, fixed_words).figures()


def figure_keys(text: str, fixed_words: Iterable[str] = ()) -> set[str]:
    """All keys of all figures of a source text: what a draft may cite."""
    return {key for figure in find_figures(text, fixed_words) for key in figure.keys}


def invented_figures(draft: str, source: str, fixed_words: Iterable[str] = ()) -> list[Figure]:
    """Figures of the draft whose exact form (first key) is nowhere in the source."""
    words = list(fixed_words)
    allowed = figure_keys(source, words)
    return [f for f in find_figures(draft, words) if f.keys[0] not in allowed]
