"""Paragraphs back into a copy that lost its line breaks (text copied out of a PDF or some web
pages arrives as one line): the head (title, speaker and date, salutation) is cut off where
a title ends and a salutation begins, and the body is cut into paragraphs before every
numbered heading and every typical paragraph start that follows a sentence end.
"""

from __future__ import annotations

import re

FLATTENED_MIN_CHARS = 300  # a text this long in at most FLATTENED_MAX_LINES lines lost its breaks
FLATTENED_MAX_LINES = 3
LONG_LINE = 800  # a single line this long that holds headings is cut too
_HEAD_LINES = 3

_NUM = "[一二三四五六七八九十]{1,3}"
_TITLE = re.compile(
    r"^(?P<title>[^。！？：]{2,90}?(?:讲话|致辞|发言|主持词|报告|讲稿|悼词|倡议书|一封信|贺词|欢迎辞|答谢辞)"
    r"(?:[（(](?![^）)]*\d{4})[^）)]{1,12}[）)])?)"
)
_REPRINT = re.compile(r"原标题[：:]")
_HEAD_CHARS = 240  # the salutation of a flattened copy comes within this many characters
_META_CHARS = 100  # speaker and date between a title and the salutation fit in this many
_SUBTITLE = re.compile(r"^——[^。！？：]{4,60}?(?:上|会议|大会)(?=\S)")
_DATE = re.compile(r"^[（(]\s*\d{4}\s*年\s*\d{0,2}\s*月?\s*\d{0,2}\s*日?\s*[）)]")
_SALUTATION = re.compile(
    r"(?:尊敬的|亲爱的|各位|诸位|全体|广大[^\s，。！？：；、]{0,6}?(?:朋友们|同志们|同胞们)|同志们|老师们"
    r"|同学们|朋友们|女士们|先生们|代表们|同胞们|青年朋友们)"
    r"[^。！？：；]{0,80}?[：:]"
)
_HELLO = re.compile(r"^(?:大家(?:上午|下午|晚上)?好[！!])")
_HELLO_AT_END = re.compile(r"大家(?:上午|下午|晚上)?好[！!]$")
_META_DATE = re.compile(
    r"[（(]\s*\d{4}\s*年[^）)]{0,10}[）)]|\d{4}\s*年\s*\d{1,2}\s*月(?:\s*\d{1,2}\s*日)?$"
)
# Where a new paragraph begins once a sentence has ended.
_PARAGRAPH_START = re.compile(
    rf"(?:{_NUM}、|{_NUM}\s(?=[^\s，。])|第{_NUM}(?:[，、：:]|个?(?:问题|方面|点)[：:，、]|句话[：:])"
    rf"|[（(]{_NUM}[）)]|[1-9]\d?[.．、](?!\d)|(?:首先|其次|再次|最后)[，、：]|其{_NUM}[，、：]"
    rf"|{_NUM}[是要](?![否非])|同志们[，！：]|下面[，：]|今天[，：]|刚才[，：]|当前[，：]"
    r"|(?:各位|诸位|亲爱的)[^。！？，]{0,12}[，！]|[^。！？，]{1,10}朋友们[，！]|督导期间|在此[，,]"
    r"|总之[，：]|谢谢(?:大家)?[！!。]|现在开会|散会|出席今天(?:会议|大会)|会议议程|大会议程"
    r"|现在[，：]?(?:进行|请)"
    # a closing that follows the last point in the same run of text
    r"|我们有信心|以上(?:述职|汇报|发言|意见)|我的(?:表态)?发言完毕|现在[，,]?我提议"
    r"|请[^。！？，]{1,12}放心"
    r"|[^。！？，：]{2,30}到此结束"
    # page furniture glued after the last sentence, taken off once it is a line of its own
    r"|(?:扫码|扫描二维码|长按识别二维码|长按二维码)关注|\[(?:打印|关闭)\]|【(?:打印|关闭)】"
    r"|责任编辑[：:]|[（(]?(?:来源|编辑)[：:])"
)
# A colon just before a list's first heading (一、 第一， （一）), where a paragraph was lost.
_LIST_AFTER_COLON = re.compile(r"[：:]\s*(?=一、|第一[，、]|[（(]一[）)])")
_INLINE_SECOND = re.compile(r"[；;，]\s*(?:二、|第二[，、]|[（(]二[）)])")
# Two full-width spaces: a paragraph's indent, kept where the line break before it was lost.
_INDENT = re.compile(r"\u3000{2,}")
_INDENTS = 3
_SENTENCE_END = re.compile(r"(?<=[。！？!?])(?=[^。！？!?”’」』）)])|(?<=[。！？!?][”’」』）)])")


def split_indented(lines: list[str]) -> list[str]:
    """A flattened copy that kept each paragraph's full-width indent (……奋斗！　　同志们，)
    cut at those indents: they are where its paragraphs were, better than any guess."""
    if not is_flattened(lines) or sum(len(_INDENT.findall(line)) for line in lines) < _INDENTS:
        return lines
    return [piece for line in lines for piece in _INDENT.split(line) if piece.strip()]


def split_glued_head(lines: list[str]) -> list[str]:
    """A title and the salutation glued on one line (……上的讲话同志们：今天…) as lines of
    their own; only the first lines are looked at."""
    result: list[str] = []
    for index, line in enumerate(lines):
        title = _TITLE.match(line) if index < _HEAD_LINES else None
        rest = line[title.end() :].lstrip() if title else ""
        salutation = _SALUTATION.match(rest) if rest else None
        if title is None or salutation is None:
            result.append(line)
            continue
        result += [title.group("title"), salutation.group(0)]
        if rest[salutation.end() :].strip():
            result.append(rest[salutation.end() :].strip())
    return result


def is_flattened(lines: list[str]) -> bool:
    """A copy that lost its line breaks: long, in very few lines."""
    text = [line for line in lines if line.strip()]
    chars = sum(len(line) for line in text)
    return chars >= FLATTENED_MIN_CHARS and len(text) <= FLATTENED_MAX_LINES


def resegment(lines: list[str]) -> tuple[list[str], int]:
    """The lines with every flattened one cut back into paragraphs; how many were cut."""
    flattened = is_flattened(lines)
    if not flattened:
        lines = split_glued_head(lines)
    result: list[str] = []
    count = 0
    for line in lines:
        if flattened or (len(line) >= LONG_LINE and _has_headings(line)):
            pieces = cut_line(line, with_head=not result)
            count += len(pieces) > 1
            result.extend(pieces)
        else:
            result.append(line)
    return result, count


def _has_headings(line: str) -> bool:
    starts = [_PARAGRAPH_START.match(piece) for piece in _sentences(line)[1:]]
    return sum(1 for found in starts if found) >= 2


def cut_line(line: str, *, with_head: bool) -> list[str]:
    """One flattened line as paragraphs: its head first when it starts the document."""
    head: list[str] = []
    rest = line.strip()
    if with_head:
        head, rest = _cut_head(rest)
    paragraphs: list[str] = []
    for sentence in _sentences(rest):
        if paragraphs and not _PARAGRAPH_START.match(sentence.lstrip()):
            paragraphs[-1] += sentence
        else:
            paragraphs.append(sentence.strip())
    return [p.strip() for p in [*head, *paragraphs] if p.strip()]


def _cut_head(text: str) -> tuple[list[str], str]:
    """Title, subtitle, speaker and date lines and the salutation off the start of the text;
    a reprint's own headline above "原标题：" stays a line of its own."""
    head: list[str] = []
    reprint = _REPRINT.search(text[:_META_CHARS])
    prefix = ""
    if reprint and "。" not in text[: reprint.start()]:
        head.append(text[: reprint.start()].strip())
        prefix, text = reprint.group(0), text[reprint.end() :].lstrip()
    title = _TITLE.match(text)
    if title and not _SALUTATION.match(text):
        head.append(prefix + title.group("title"))
        text = text[title.end() :].lstrip()
        subtitle = _SUBTITLE.match(text)
        if subtitle:
            head.append(subtitle.group(0))
            text = text[subtitle.end() :].lstrip()
    salutation = _SALUTATION.search(text[:_HEAD_CHARS])
    if salutation:
        before = text[: salutation.start()].strip()
        if before and "。" not in before and len(before) <= _META_CHARS:
            head.extend(_meta_lines(before))
            text = text[salutation.start() :]
            salutation = _SALUTATION.match(text)
        if salutation and salutation.start() == 0:
            head.append(salutation.group(0))
            text = text[salutation.end() :].lstrip()
            hello = _HELLO.match(text)
            if hello:
                head[-1] += hello.group(0)
                text = text[hello.end() :].lstrip()
    return head, text


def _meta_lines(text: str) -> list[str]:
    """Speaker, date and greeting (大家晚上好！) lines between a title and the salutation."""
    lines: list[str] = []
    hello = _HELLO_AT_END.search(text)
    if hello:
        text = text[: hello.start()].strip()
    date = _META_DATE.search(text)
    if date is None:
        lines.append(text)
    else:
        lines += [text[: date.start()].strip(), date.group(0), text[date.end() :].strip()]
    if hello:
        lines.append(hello.group(0))
    return [line for line in lines if line]


def _sentences(text: str) -> list[str]:
    """Sentences, and a list's first heading cut from the colon that announces it
    (…发出如下倡议：一、倡导…), unless the list runs on inside the sentence (：一、…；二、…)."""
    pieces: list[str] = []
    for sentence in _SENTENCE_END.split(text):
        found = _LIST_AFTER_COLON.search(sentence)
        if found and not _INLINE_SECOND.search(sentence, found.end()):
            pieces += [sentence[: found.end()], sentence[found.end() :]]
        elif sentence:
            pieces.append(sentence)
    return [piece for piece in pieces if piece]
