"""What copying a speech from a web page, a newspaper, a WeChat article or a PDF adds to it,
taken off before the speech is read: markup, toolbars, datelines, captions, page numbers,
editors' lines and the link lists and footnotes after the end.

Every piece taken off is kept with its category (the corpus keeps them in `removed`).
This runs on whole lines, before the sentence-level boilerplate of `boilerplate.py`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable
from dataclasses import dataclass

from service.text.chatter import CHATTER_LINE

NOISE_LABELS: dict[str, str] = {
    "markup": "网页代码（HTML 标签、Markdown 符号）",
    "toolbar": "网页工具栏/导航/面包屑",
    "dateline": "新闻电头",
    "newspaper": "报纸版面标注",
    "caption": "图片说明",
    "page_number": "页码",
    "editor": "来源/编辑/审核行",
    "wechat": "公众号提示",
    "guide": "导读/编者按",
    "tail": "文末链接、注释与推荐",
    "chatter": "对话式套话（大模型对使用者说的话）",
}

_TAG = re.compile(r"<[^<>]{1,400}>")
_BREAK = re.compile(r"<br\s*/?>|</(?:p|div|h[1-6]|li|tr|section|article)>", re.I)
_MARKDOWN_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*")
_MARKDOWN_EMPHASIS = re.compile(r"\*\*([^*\n]+)\*\*|__([^_\n]+)__")

_LINE_NOISE: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "toolbar",
        re.compile(
            r"^(?:(?:您当前的位置|当前位置|您的位置|所在位置)[：:]?.*|[^\s，。：]{0,10}首页\s*[>＞›»/].*"
            r"|(?:下载|打印|全屏|收藏|分享|关闭|字体|字号|返回|阅读|评论|点赞|在看|转发|【|】|\[|\]|\s|"
            r"[大中小]|[：:|｜丨]|▲|▼)+"
            r"|【?(?:字体|字号)[：:]?\s*[大中小]\s*[大中小]?\s*[大中小]?】?.*|分享到[：:]?.*"
            r"|【(?:打印(?:本页|此页|本文)?|关闭(?:窗口|本页)?|返回顶部|收藏)】.*)$"
        ),
    ),
    (
        "newspaper",
        re.compile(
            r"^[（(]?《[^》]{1,12}(?:日报|报|晚报)》[^）)]{0,30}版[）)]?$"
            # a page's masthead: 青山日报　2025年3月6日　星期四　01版：要闻
            r"|^[\u4e00-\u9fff]{2,12}报\s*\d{4}年\d{1,2}月\d{1,2}日[^。！？]{0,20}版[^。！？]{0,10}$"
        ),
    ),
    (
        "caption",
        re.compile(
            r"^(?:图为|图片为|上图|下图|图：).{0,120}$|^.{0,120}(?:记者|通讯员|摄影)\s*\S{1,6}\s*摄[）)。]?$"
        ),
    ),
    (
        "page_number",
        re.compile(
            r"^\s*(?:[—–\-－·•]\s*\d{1,3}\s*[—–\-－·•]|第\s*\d{1,3}\s*页(?:\s*共\s*\d+\s*页)?)\s*$"
        ),
    ),
    (
        "editor",
        re.compile(
            r"^[（(]?(?:责任编辑|编辑|审核|校对|终审|来源|信息来源|稿件来源|作者|撰稿|编审)"
            r"\s*[：:][^。！？]{0,40}[）)]?(?:\s+(?:责任编辑|编辑|审核|校对|终审)\s*[：:]\S{0,10})*$"
        ),
    ),
    (
        "wechat",
        re.compile(
            r"^(?:点击(?:上方)?蓝字.*|.{0,20}(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}月\d{1,2}日)\s+\d{1,2}:\d{2}"
            r"\s*发表于.{0,10}|END|往期推荐|推荐阅读|阅读原文|分享\s*点赞\s*在看|▶.{0,60}"
            r"|(?:扫码|扫描二维码|长按识别二维码|长按二维码)关注.{0,40})$"
        ),
    ),
    (
        "guide",
        re.compile(
            r"^【(?:导读|编者按|编者的话|摘要|提要)】.*|^(?:编者按|导读|本文目录|目录)[：:].*$"
        ),
    ),
)
# One match tells whether any of the patterns can: nearly every line is text.
_ANY_NOISE = re.compile("|".join(f"(?:{pattern.pattern})" for _, pattern in _LINE_NOISE))
# Headings of what follows a speech on a page: from such a line on, nothing is the speech.
_TAIL = re.compile(
    r"^(?:相关(?:报道|新闻|阅读|链接|文章)|延伸阅读|往期回顾|往期推荐|注释|注)\s*[：:]?\s*$"
    r"|^(?:注释|注)[：:].{2,}"
)
_TAIL_SHARE = 0.6  # such a heading counts only in the last 40% of the lines
_HEAD_LINES = 6  # a page header glued to the title is looked for in the first lines only
_FURNITURE_CHARS = 160
# "一 统一思想，……": a heading numbered with a space, which squeezing spaces would lose.
_SPACED_NUMERAL = re.compile(r"^([一二三四五六七八九十]{1,3})[ \t　]+(?=[^\s，。、：；！？\d]{2})")
_GLUED_TAIL_CHARS = 100
# A breadcrumb leading a long line: 当前位置：首页 > 校领导讲话 > 正文
_BREADCRUMB = re.compile(
    r"^(?:(?:您当前的位置|当前位置|您的位置|所在位置)[：:]\s*)?首页(?:\s*[>＞›»]\s*[^\s>＞›»]{1,12})+\s*"
)
_BANNER = re.compile(r"^[^\s，。！？：；、]{2,20}$")
_DATELINE = re.compile(
    r"^(?:新华社|中新社|人民网|新华网|央视网|中国新闻网|本报)?[^\s，。]{0,8}?\d{1,2}月\d{1,2}日电"
    r"(?![视话子力网商])(?:[（(][^）)]{1,20}[）)])?\s*"
)
# "……上的讲话2024-05-06 来源：市政府网 浏览次数：2136": a page header glued to a title.
_GLUED_HEADER = re.compile(
    r"(?P<title>.{4,80}?(?:讲话|致辞|发言|主持词|报告|讲稿))"
    r"(?P<tail>\s*(?:\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}日?|发布|来源|作者|时间)[\s\S]*)$"
)
# A PDF's running head or foot beside a page number: two short parts set apart by a wide gap
# ("2025年第3期　　　　青山县人民政府公报"), no sentence in it.
_RUNNING_HEAD = re.compile(r"^[^。！？，；：]{2,30}?(?:[ \t\u3000]{2,}[^。！？，；：\s]{2,30})+$")
_FOOTNOTE_MARK = re.compile(r"(?=[\[［〔])(?:\[\d{1,2}\]|［\d{1,2}］|〔注\d{0,2}〕)")


@dataclass(frozen=True)
class Piece:
    """A piece taken off, verbatim, with its category."""

    category: str
    text: str


def strip_markup(lines: Iterable[str]) -> tuple[list[str], list[Piece]]:
    """HTML tags and entities, and Markdown headings and bold, off; block tags end a line."""
    text = "\n".join(lines)
    pieces: list[Piece] = []
    if _TAG.search(text):
        text = _BREAK.sub("\n", text)
        pieces += [Piece("markup", m.group(0)) for m in _TAG.finditer(text)]
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text).replace("\xa0", " ")
    kept = []
    for line in text.split("\n"):
        bare = _MARKDOWN_HEADING.sub("", line)
        if bare != line:
            pieces.append(Piece("markup", line[: len(line) - len(bare)].strip()))
        kept.append(_MARKDOWN_EMPHASIS.sub(lambda m: m.group(1) or m.group(2), bare))
    return kept, [p for p in pieces if p.text]


def drop_noise_lines(lines: list[str]) -> tuple[list[str], list[Piece]]:
    """Whole lines of page furniture off, datelines cut from the line they start, and
    everything from a tail heading (相关报道：, 注释：…) near the end on."""
    kept: list[str] = []
    pieces: list[Piece] = []
    tail_from = _tail_start(lines)
    for index, raw in enumerate(lines):
        line = raw.strip()
        if index >= tail_from:
            if line:
                pieces.append(Piece("tail", line))
            continue
        category = noise_category(line) or _running_head(lines, index) or _site_name(lines, index)
        if category is not None:
            pieces.append(Piece(category, line))
            continue
        glued = split_glued_header(line) if len(kept) < _HEAD_LINES else None
        if glued is not None:
            line = glued[0]
            pieces.append(Piece("toolbar", glued[1]))
        line, cut = _cut_prefix_and_marks(line)
        pieces += cut
        kept.append(_SPACED_NUMERAL.sub(r"\1、", line))
    return kept, pieces


def noise_category(line: str) -> str | None:
    """The category of a whole line of page furniture, or None when it is text (a long line
    is text: a flattened copy keeps its furniture inside, cut off elsewhere)."""
    if not line or len(line) > _FURNITURE_CHARS:
        return None
    if CHATTER_LINE.search(line):
        return "chatter"
    if not _ANY_NOISE.match(line):
        return None
    return next((name for name, pattern in _LINE_NOISE if pattern.match(line)), None)


def _running_head(lines: list[str], index: int) -> str | None:
    """Category "page_number" for a running head or foot beside a page number line (a PDF repeats
    it on every page; a hard-wrapped copy would glue it into the paragraph it splits)."""
    if not _RUNNING_HEAD.match(lines[index].strip()):
        return None
    before = [line.strip() for line in lines[:index] if line.strip()][-1:]
    after = next((line.strip() for line in lines[index + 1 :] if line.strip()), "")
    numbered = any(noise_category(line) == "page_number" for line in [*before, after])
    return "page_number" if numbered else None


def _site_name(lines: list[str], index: int) -> str | None:
    """Category "toolbar" for a site's name on the line above its breadcrumb (青山县人民政府 /
    首页 > 工作动态): the page's banner, not the start of the title under it."""
    line = lines[index].strip()
    if index >= _HEAD_LINES or not _BANNER.match(line):
        return None
    after = next((x.strip() for x in lines[index + 1 :] if x.strip()), "")
    crumb = _BREADCRUMB.match(after) or after.startswith(("当前位置", "您当前的位置", "您的位置"))
    return "toolbar" if crumb else None


def split_glued_header(line: str) -> tuple[str, str] | None:
    """(title, page header) when a page header is glued to the end of a title line."""
    found = _GLUED_HEADER.match(line)
    if found is None or "。" in found.group("title"):
        return None
    tail = found.group("tail")
    if len(tail) > _GLUED_TAIL_CHARS or "。" in tail:
        return None  # the rest of a flattened copy: resegmenting splits it
    return found.group("title"), found.group("tail").strip()


def _tail_start(lines: list[str]) -> int:
    """Where the page's own tail begins (its first heading in the last part), else the end."""
    content = [i for i, line in enumerate(lines) if line.strip()]
    if not content:
        return len(lines)
    earliest = content[int(len(content) * _TAIL_SHARE)]
    for index in content:
        if index >= earliest and _TAIL.match(lines[index].strip()):
            return index
    return len(lines)


def _cut_prefix_and_marks(line: str) -> tuple[str, list[Piece]]:
    pieces = []
    crumb = _BREADCRUMB.match(line) if "首页" in line[:40] else None
    if crumb:
        pieces.append(Piece("toolbar", crumb.group(0).strip()))
        line = line[crumb.end() :].strip()
    dateline = _DATELINE.match(line) if "电" in line[:40] else None
    if dateline:
        pieces.append(Piece("dateline", dateline.group(0).strip()))
        line = line[dateline.end() :].strip()
    marks = _FOOTNOTE_MARK.findall(line)
    if marks:
        pieces += [Piece("tail", mark) for mark in marks]
        line = _FOOTNOTE_MARK.sub("", line)
    return line, pieces
