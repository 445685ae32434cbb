"""What web pages add around a speech: copyright lines, footers, page headers, editor notes, URLs.

The patterns run on normalised text (Simplified characters, full-width punctuation),
one sentence at a time, so a footer glued to the end of a content line is found too.
"""

from __future__ import annotations

import re

from service.corpus.noise import NOISE_LABELS

# Category keys, with the label the build summary prints.
CATEGORY_LABELS: dict[str, str] = {
    "copyright": "版权/免责声明",
    "source": "来源/原文链接/转载",
    "site": "站点页脚/导航/广告/水印",
    "header": "网页页头（发布/浏览/编辑）",
    "word_count": "字数说明（全文共N个字）",
    "editor_note": "小编导语",
    "url": "网址",
    "title_junk": "标题残片",
    "punct": "只有符号的行（分隔线等）",
    **NOISE_LABELS,
}

_CATEGORY_PATTERNS: dict[str, tuple[str, ...]] = {
    "copyright": (
        r"版权归.{0,20}所有",
        r"版权所有",
        r"不拥有版权",
        r"如有侵权",
        r"侵权.{0,12}删除",
        r"免责声明",
        r"不负任何责任",
        r"禁止.{0,6}商用",
        r"仅限学习",
        r"仅供学习",
        r"如产生版权问题",
        r"请联系.{0,12}删除",
        r"(?i:copyright)",
        r"©",
        r"(?i:all rights reserved)",
    ),
    "source": (
        r"^来源[：:]\s*(网络|互联网|转载|网友|本站|网络整理|网上)",
        r"原文(链接|地址|网址)",
        r"转载请注明",
        r"^(本文|文章)(来源|来自|出处)",
        r"^(稿件|信息)来源[：:]",
    ),
    "site": (
        r"^相关(文章|阅读|推荐|链接|热词|范文)[：:]?$",
        r"赞助商",
        r"推广链接",
        r"^(上一篇|下一篇|上一条|下一条)[：:]?",
        r"^(返回(首页|顶部|列表)|打印本页|关闭窗口|分享到|收藏本文)",
        r"(?i:icp)(备|证)",
        r"扫一扫",
        r"关注.{0,8}公众号",
        r"^更多.{0,24}(请|点击|访问|尽在)",
        r"^(热门|推荐|最新)(文章|阅读|范文)[：:]?$",
        r"本文由.{0,20}(网|站|整理|提供|发布)",
    ),
    "word_count": (r"^(全文|本文)共?\s*\d+\s*个?字", r"全文共\s*\d+\s*个?字"),
    "editor_note": (
        r"(下面|以下)(是|为)?.{0,10}小编",
        r"小编.{0,12}(整理|收集|带来|精心|推荐)",
        r"供大家参考",
        r"仅供参考",
        r"欢迎(大家)?(阅读|参考|借鉴|下载)",
        r"希望(能)?对(大家|你|您).{0,8}(帮助|有所帮助)",
    ),
}

# One alternation per category keeps classification to one regex search per sentence.
_COMPILED: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (category, re.compile("|".join(f"(?:{p})" for p in patterns)))
    for category, patterns in _CATEGORY_PATTERNS.items()
)
# A site's name on a line of its own ("XX范文网"): tried on short lines only.
_SITE_NAME = re.compile(r"^.{0,12}(范文网|文库|文秘网|公文网|资料网|写作网|秘书网|网站|门户网)$")
# The characters a boilerplate pattern can start with: the look-ahead lets the engine skip
# every other position at once (nearly every character of a speech), several times faster.
_FIRST_CHARS = "版不如侵免禁仅请cC©aA来原转本文稿信相赞推上下以返打关分收iI扫更热最全小供欢希"
# Multiline: a pattern anchored at a line's start (上一篇：) is found in a whole text too.
_ANY = re.compile(
    f"(?=[{_FIRST_CHARS}])(?:" + "|".join(f"(?:{p.pattern})" for _, p in _COMPILED) + ")",
    re.M,
)
_ASCII_LETTER = re.compile(r"[A-Za-z]")
_URL_LETTER = re.compile(r"[A-WYZa-wyz]")  # X alone is a placeholder (XX市), never a URL

# Page header fields such as "发布：2014/4/14 23:57:14  来源：转载  浏览次  编辑：佚名".
_HEADER_FIELD = re.compile(
    r"(发布(时间|日期|人)?|来源|浏览(次数?)?|点击(数|量|次数)?|编辑|责任编辑|作者|阅读(次数|量)?|"
    r"更新(时间)?|字号)\s*[：:]?"
)
_HEADER_LABEL = re.compile(r"(发布|来源|编辑|作者|浏览|点击|更新)(时间|日期|次数|人)?\s*[：:]")
_TIMESTAMP = re.compile(r"\d{4}[-/年.]\d{1,2}[-/月.]\d{1,2}日?\s*(\d{1,2}:\d{2}(:\d{2})?)?")
_HEADER_MAX_CHARS = 120
_SITE_NAME_CHARS = 30

_URL_CHARS = r"[A-Za-z0-9./?%&=#:~+_-]"
URL = re.compile(
    rf"(?i)(https?://|www\.){_URL_CHARS}+"
    rf"|(?<![A-Za-z0-9.-])[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.(com|cn|net|org)(?![A-Za-z]){_URL_CHARS}*"
)
# A bracketed note naming a site or a source, e.g. "（本文来自XX范文网）" inside a sentence.
WATERMARK = re.compile(
    r"[（(【\[][^（）()【】\[\]]{0,30}"
    r"(来源|来自|本文|转载|整理|出处|微信|公众号|文库|范文|网站|(?i:www|\.com|\.cn))"
    r"[^（）()【】\[\]]{0,30}[）)】\]]"
)
_BRACKET = re.compile(r"[（(【\[]")
# A sentence ends at Chinese end punctuation (and any closing quotes after it).
SENTENCE = re.compile(r"[^。！？；!?;]*(?:[。！？；!?;]+[”’」』）)]*|$)")


def might_hold_boilerplate(line: str) -> bool:
    """Whether any sentence of the line can be boilerplate: one search over the whole line
    spares the sentence-by-sentence pass on the lines (nearly all) that hold none."""
    if _ANY.search(line) or _HEADER_FIELD.search(line):
        return True
    return len(line) <= _SITE_NAME_CHARS or _ASCII_LETTER.search(line) is not None


def holds_boilerplate(text: str) -> bool:
    """Whether a whole text may hold any boilerplate at all (a few searches over all of it):
    a pattern, a labelled page-header field, a URL, a watermark, a short site-name line."""
    if _ANY.search(text) or _HEADER_LABEL.search(text) or WATERMARK.search(text):
        return True
    if _URL_LETTER.search(text) and URL.search(text):
        return True
    return any(_SITE_NAME.match(line) for line in text.split("\n") if len(line) <= 30)


def might_hold_inline(line: str) -> bool:
    """Whether a URL or a bracketed watermark can be inside the line."""
    return _BRACKET.search(line) is not None or _ASCII_LETTER.search(line) is not None


def classify_sentence(sentence: str) -> str | None:
    """The boilerplate category of one normalised sentence, or None when it is content."""
    text = sentence.strip()
    if not text:
        return None
    if _ANY.search(text):
        return next(category for category, pattern in _COMPILED if pattern.search(text))
    if len(text) <= _SITE_NAME_CHARS and _SITE_NAME.match(text):
        return "site"
    if _is_page_header(text):
        return "header"
    if URL.fullmatch(text.strip("，。；：、 ")):
        return "url"
    return None


def _is_page_header(text: str) -> bool:
    """Two header fields, or one field and a timestamp, on a short line."""
    if len(text) > _HEADER_MAX_CHARS:
        return False
    fields = len({m.group(1)[:2] for m in _HEADER_FIELD.finditer(text)})
    labelled = re.search(r"(发布|来源|编辑|作者|浏览|点击|更新)(时间|日期|次数|人)?\s*[：:]", text)
    return labelled is not None and (fields >= 2 or _TIMESTAMP.search(text) is not None)


def sentence_spans(line: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a line, covering the whole line."""
    spans = [(m.start(), m.end()) for m in SENTENCE.finditer(line) if m.end() > m.start()]
    return spans or [(0, len(line))]


def strip_inline(line: str) -> tuple[str, list[tuple[str, str]]]:
    """Remove URLs and bracketed site watermarks inside a content line.

    Returns the line and (category, removed text) pairs.
    """
    found: list[tuple[str, str]] = []
    patterns = [("site", WATERMARK)] if _BRACKET.search(line) else []
    if _ASCII_LETTER.search(line):
        patterns.append(("url", URL))
    for category, pattern in patterns:
        pieces = [m.group(0) for m in pattern.finditer(line)]
        if pieces:
            found.extend((category, piece) for piece in pieces)
            line = pattern.sub("", line)
    return line, found
