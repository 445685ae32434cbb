"""Character-level normalisation of Chinese text, shared by ingestion, drafting and scoring.

One place knows what 字数 is, which characters are Chinese, how Traditional
characters become Simplified and how flattened ASCII punctuation is restored.
"""

from __future__ import annotations

import re
from functools import lru_cache

import opencc

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK_CHAR = re.compile(f"[{_CJK}]")
_WHITESPACE = re.compile(r"\s+")

# Punctuation that may sit next to Chinese text and still mean "Chinese context".
_CN_PUNCT = "，。：；！？、（）“”‘’《》〈〉【】—…·"
_CONTEXT = re.compile(f"[{_CJK}{_CN_PUNCT}]")

_SPACE_BY_CHINESE = re.compile(f" +(?=[{_CJK}{_CN_PUNCT}])|(?<=[{_CJK}{_CN_PUNCT}]) +")
_SIMPLE_MAP = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}


@lru_cache(maxsize=1)
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def count_chars(text: str) -> int:
    """字数 as word processors count it: every character except whitespace."""
    return len(_WHITESPACE.sub("", text))


def is_chinese(ch: str) -> bool:
    """True for a CJK ideograph."""
    return bool(CJK_CHAR.fullmatch(ch))


def to_simplified(text: str) -> str:
    """Traditional to Simplified Chinese with OpenCC's phrase-aware t2s table."""
    return str(_t2s().convert(text))


def traditional_chars(text: str) -> list[str]:
    """The distinct characters that t2s would change, in order of first appearance."""
    converted = to_simplified(text)
    seen: list[str] = []
    if len(converted) != len(text):
        return [ch for ch in dict.fromkeys(text) if ch not in converted]
    for before, after in zip(text, converted, strict=True):
        if before != after and before not in seen:
            seen.append(before)
    return seen


def _neighbour(text: str, index: int, step: int) -> str:
    """The nearest non-space character before (step=-1) or after (step=1) index."""
    i = index + step
    while 0 <= i < len(text) and text[i] in " \t\u3000":
        i += step
    return text[i] if 0 <= i < len(text) else ""


def _in_chinese_context(text: str, index: int) -> bool:
    before, after = _neighbour(text, index, -1), _neighbour(text, index, 1)
    if before.isdigit() and after.isdigit():
        return False  # 1,000 and 10:30 stay as they are
    return bool(_CONTEXT.match(before) or _CONTEXT.match(after))


def _fix_parentheses(line: str) -> str:
    """( ... ) around or next to Chinese becomes （ ... ）; pairs are matched, not guessed."""
    chars = list(line)
    stack: list[int] = []
    for i, ch in enumerate(chars):
        if ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            start = stack.pop()
            inner = line[start + 1 : i]
            if CJK_CHAR.search(inner) or _CONTEXT.match(_neighbour(line, start, -1)):
                chars[start], chars[i] = "（", "）"
    return "".join(chars)


def _fix_quotes(line: str) -> str:
    """Straight double quotes in Chinese text alternate as “ and ”."""
    if '"' not in line or not CJK_CHAR.search(line):
        return line
    out: list[str] = []
    opening = True
    for ch in line:
        if ch == '"':
            out.append("“" if opening else "”")
            opening = not opening
        else:
            out.append(ch)
    return "".join(out)


def fix_punctuation(text: str) -> str:
    """Restore full-width Chinese punctuation where ASCII punctuation sits in Chinese context."""
    lines = []
    for raw in text.split("\n"):
        line = _fix_parentheses(_fix_quotes(raw))
        chars = list(line)
        for i, ch in enumerate(line):
            if ch in _SIMPLE_MAP and _in_chinese_context(line, i):
                chars[i] = _SIMPLE_MAP[ch]
            elif ch == "." and CJK_CHAR.match(_neighbour(line, i, -1)):
                after = _neighbour(line, i, 1)
                if after == "" or _CONTEXT.match(after):
                    chars[i] = "。"
        lines.append("".join(chars))
    return "\n".join(lines)


def halfwidth_punctuation(text: str) -> list[tuple[int, str]]:
    """(line number, character) of each ASCII punctuation mark that should be full-width."""
    found: list[tuple[int, str]] = []
    fixed = fix_punctuation(text)
    for number, (line, good) in enumerate(
        zip(text.split("\n"), fixed.split("\n"), strict=True), start=1
    ):
        found.extend((number, a) for a, b in zip(line, good, strict=True) if a != b)
    return found


def squeeze_spaces(line: str) -> str:
    """Drop full-width and ASCII spaces that sit between Chinese characters or at line ends."""
    line = line.replace("\u3000", " ").replace("\xa0", " ").strip()
    return _SPACE_BY_CHINESE.sub("", line)
