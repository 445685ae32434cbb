"""The head of a document: a title (in 【】 or split over lines), speaker and date lines.

Web copies break titles apart ("【市委督导组组长在XX局党的群众路线】中央督导组组长" /
"在XX局党的群众路线" / "教育实践活动总结大会上的讲话"); this module joins them into
one title line and lifts the speaker and date lines into meta.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from service.corpus.cleaning import Line, Removal
from service.text.posts import ROLE_END
from service.text.structure import match_heading

_MAX_TITLE_PART = 60
# A title split over lines has a few parts; text without punctuation must not become one.
_MAX_TITLE_PARTS = 4
_MAX_TITLE = 80
_MAX_META_LINE = 40
_MAX_META_LINES = 3
_SENTENCE_PUNCT = re.compile(r"[，。；！？：:;!?,]")
_SALUTATION = re.compile(r"^(尊敬的|亲爱的|各位|同志们|老师们|同学们|女士们|先生们|朋友们|大家好)")
_TITLE_END = re.compile(
    r"(讲话|发言|主持词|致辞|讲稿|报告|贺词|欢迎辞|答谢辞|悼词|通知|会议|大会|提纲|材料|稿)"
    r"(?:[（(][^）)]{1,12}[）)])?$"
)
# A speaker line is a post, optionally followed by a name ("县长 张明", "市委书记 XXX").
_NAME_LENGTHS = (0, 2, 3, 4)
_DATE = re.compile(r"^[（(]?\s*(\d{4}\s*年[\s\d]{0,4}月[\s\d]{0,4}日)\s*[）)]?$")
# (XX县老干部局 2024年3月), (2023年8月18日): who and when, in brackets after a title.
_DATED_NOTE = re.compile(r"[（(](?P<note>[^（）()]{0,20}?\d{4}\s*年[^（）()]{0,10})[）)]$")
# A site's name after a web page's title: "…上的讲话 - XX文库", "…讲话_XX网".
_SITE_SUFFIX = re.compile(
    r"\s*[-–_|｜]\s*[^\s\-–_|｜]{2,12}(?:网|文库|网站|在线|频道|平台|文档|百科)$"
)
# A column's label before a title: "会前表态丨在…上的表态发言".
_COLUMN_PREFIX = re.compile(r"^[^丨｜|\s]{2,8}\s*[丨｜|]\s*(?=\S{6})")
_REPRINT = re.compile(r"^原标题[：:]\s*")
_REPRINT_LINES = 3  # a reprint's own headline stands above "原标题：…"
_BRACKET_TITLE = re.compile(r"^【(?P<title>[^】]+)】(?P<tail>.*)$")
_SUBTITLE = re.compile(r"^[—–-]{1,2}")
_SPACES = re.compile(r"\s+")
_BANNER_LINES = 3
# An official document's number: 青政办函〔2025〕17号.
_DOC_NUMBER = re.compile(r"^[^\s，。]{1,10}[〔［\[]\d{4}[〕］\]]\s*\d{1,4}\s*号$")
# A kicker or a deck in two spaced phrases: 聚焦实体经济　厚植发展优势, XXX讲话　XXX主持.
_SPACED_PAIR = re.compile(r"^[^\s，。！？：；]{2,14}[ \u3000]+[^\s，。！？：；]{2,14}$")


@dataclass
class Header:
    """What the head of a document says, and how many lines it took."""

    title: str | None = None
    subtitle: str | None = None
    meta_lines: list[str] = field(default_factory=list)
    speaker: str | None = None
    date: str | None = None
    consumed: int = 0
    removals: list[Removal] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)

    @property
    def full_title(self) -> str | None:
        """Title and subtitle: where a subtitle names the meeting (——在…上的专题党课)."""
        if self.title and self.subtitle:
            return f"{self.title}——{self.subtitle}"
        return self.title

    @property
    def head_lines(self) -> list[str]:
        """Title, subtitle and meta lines, as lines of the text read."""
        subtitle = [f"——{self.subtitle}"] if self.subtitle else []
        return ([self.title] if self.title else []) + subtitle + self.meta_lines


def read_header(lines: list[Line]) -> Header:
    """Read title and meta lines from the top of a cleaned document."""
    header = Header()
    lines = _after_reprint_headline(lines, header)
    lines = _after_banner(lines, header)
    index = _read_title(lines, header)
    while index < len(lines) and len(header.meta_lines) < _MAX_META_LINES:
        if not _read_meta_line(lines[index], header):
            break
        index += 1
    header.consumed = index + header.consumed
    return header


def _after_reprint_headline(lines: list[Line], header: Header) -> list[Line]:
    """A reprint puts its own headline above "原标题：…": the speech's title is the latter."""
    for index, line in enumerate(lines[:_REPRINT_LINES]):
        if _REPRINT.match(line.text) and len(line.text) > 6:
            header.removals += [Removal("reprint_title", x.text) for x in lines[:index]]
            header.flags.append("标题取自“原标题”，删去转载时另拟的标题")
            header.consumed = index
            first = Line(raw=line.raw, text=_REPRINT.sub("", line.text))
            return [first, *lines[index + 1 :]]
    return lines


def _after_banner(lines: list[Line], header: Header) -> list[Line]:
    """What stands above the title and is not of it: an official document's issuer and
    number (青山县人民政府办公室 / 青政办函〔2025〕17号), a newspaper's kicker in two
    spaced phrases (凝心聚力开新局　砥砺奋进谱新篇)."""
    numbered = next(
        (i for i, line in enumerate(lines[:_BANNER_LINES]) if _DOC_NUMBER.match(line.text)), None
    )
    skip = 0 if numbered is None else numbered + 1
    if skip < len(lines) - 1 and _is_kicker(lines[skip]) and _is_title_part(lines[skip + 1].text):
        skip += 1
    if skip:
        header.removals += [Removal("title_junk", x.text) for x in lines[:skip]]
        header.flags.append("删去标题上方的发文机关、文号或引题")
        header.consumed += skip
    return lines[skip:]


def _is_kicker(line: Line) -> bool:
    """Two short phrases set apart by a space, with no title word: a headline's kicker."""
    return bool(_SPACED_PAIR.match(line.raw.strip())) and not _TITLE_END.search(line.text)


def _read_title(lines: list[Line], header: Header) -> int:
    """Take the title parts from the top; return the index of the first line after them."""
    if not lines:
        return 0
    first = lines[0].text
    bracket = _BRACKET_TITLE.match(first)
    if bracket:
        title = bracket.group("title").strip()
        _bracket_tail(bracket.group("tail").strip(), title, header)
        title = header.title or title
    elif _is_title_part(first) and not _is_meta(first):
        title = _unlabelled(first, header)
    else:
        return 0
    index = 1
    if len(lines) > 1 and lines[1].text == title:
        index = 2  # the title again, once the site's name is off the page's title
    while index < min(len(lines), _MAX_TITLE_PARTS) and not _TITLE_END.search(title):
        part = lines[index].text
        if (
            not _is_title_part(part)
            or _is_meta(part)
            or _SPACED_PAIR.match(lines[index].raw.strip())
            or _SUBTITLE.match(part)
            or len(title + part) > _MAX_TITLE
        ):
            break
        title = merge_overlap(title, part)
        index += 1
    if (
        index < len(lines)
        and _SUBTITLE.match(lines[index].text)
        and _is_title_part(lines[index].text)
    ):
        header.subtitle = _SUBTITLE.sub("", lines[index].text)
        index += 1
    if index > 1 and header.subtitle is None:
        header.flags.append(f"标题由原文 {index} 行拼合")
    elif bracket:
        header.flags.append("标题取自【】")
    header.title = _undated(title, header)
    return index


def _unlabelled(title: str, header: Header) -> str:
    """A web page's title without the site's name or the column's label."""
    for pattern, what in ((_SITE_SUFFIX, "网站名"), (_COLUMN_PREFIX, "栏目名")):
        found = pattern.search(title)
        if found and len(title) - len(found.group(0)) >= 6:
            header.removals.append(Removal("title_junk", found.group(0).strip()))
            header.flags.append(f"删去标题中的{what}：{found.group(0).strip()}")
            title = title[: found.start()] + title[found.end() :]
    return title


def _undated(title: str, header: Header) -> str:
    """The title without the dated note after it, which goes to the meta lines."""
    note = _DATED_NOTE.search(title)
    if note and note.start() >= 6:
        header.meta_lines.append(note.group(0))
        title = title[: note.start()].rstrip()
    return title


def _bracket_tail(tail: str, title: str, header: Header) -> None:
    """Text after 【title】: a stray role fragment is dropped, a subtitle or continuation kept."""
    if not tail:
        return
    if ROLE_END.search(tail) and len(tail) <= _MAX_META_LINE:
        header.removals.append(Removal("title_junk", tail))
        header.flags.append(f"删去【】标题后的残片：{tail}")
        return
    if _SUBTITLE.match(tail):
        header.title, header.subtitle = title, _SUBTITLE.sub("", tail)
    else:
        header.title = title + tail


def merge_overlap(left: str, right: str) -> str:
    """Join two title parts, dropping the longest end of `left` that `right` repeats."""
    if right in left and left.endswith(right):
        return left
    for size in range(min(len(left), len(right)), 0, -1):
        if left.endswith(right[:size]):
            return left + right[size:]
    return left + right


def _is_title_part(text: str) -> bool:
    return (
        len(text) <= _MAX_TITLE_PART
        and not _SENTENCE_PUNCT.search(text)
        and not _SALUTATION.match(text)
        and match_heading(text) is None
    )


def _is_meta(text: str) -> bool:
    return bool(_DATE.match(text)) or _is_speaker(text)


def _is_speaker(text: str) -> bool:
    if len(text) > _MAX_META_LINE or _SENTENCE_PUNCT.search(text) or "在" in text:
        return False
    text = text.removesuffix("同志").rstrip()
    return any(
        len(text) > size + 1 and ROLE_END.search(text[: len(text) - size].rstrip())
        for size in _NAME_LENGTHS
    )


def _read_meta_line(line: Line, header: Header) -> bool:
    """Take a speaker or date line into meta; False when the line is not one."""
    date = _DATE.match(_SPACES.sub(" ", line.raw.strip()))
    if date:
        header.date = header.date or date.group(1)
    elif _DATED_NOTE.fullmatch(line.text):
        pass  # (XX县老干部局 2024年3月): who wrote it and when
    elif _is_speaker(line.text):
        header.speaker = header.speaker or line.text
    else:
        return False
    header.meta_lines.append(line.text)
    return True
