"""A draft as the file a writer hands on: Word laid out as GB/T 9704-2012 asks, Markdown, text.

Which line is the title, a meta line, the salutation or a numbered heading is
read with `service.text.structure` (the one place that knows heading styles); this
module only decides how each kind of line looks. Output is deterministic: the
same title and text give the same bytes (fixed zip timestamps, no clock reads).
"""

from __future__ import annotations

import itertools
import math
import re
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from io import BytesIO
from typing import Literal
from urllib.parse import quote

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.oxml import serialize_part_xml
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.oxml.parser import parse_xml
from docx.oxml.xmlchemy import BaseOxmlElement
from docx.section import Section
from docx.shared import Length, Mm, Pt
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from docx.text.run import Run

from service.text.segment import segmenter_for
from service.text.structure import (
    STYLE_ARABIC,
    STYLE_CN_DUN,
    STYLE_DI,
    STYLE_PAREN_ARABIC,
    STYLE_PAREN_CN,
    parse_speech,
)

TextEncoding = Literal["utf-8", "gb18030"]


class ExportFormat(StrEnum):
    """The file formats a draft can be exported to."""

    DOCX = "docx"
    MD = "md"
    TXT = "txt"


MEDIA_TYPES = {
    ExportFormat.DOCX: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ExportFormat.MD: "text/markdown",
    ExportFormat.TXT: "text/plain",
}

# Heading level of each numbering style (GB/T 9704-2012 §7.3.3: 一、（一）1.（1）).
_LEVELS = {STYLE_CN_DUN: 1, STYLE_PAREN_CN: 2, STYLE_ARABIC: 3, STYLE_PAREN_ARABIC: 4}
# Parsed ahead of the text so meta lines are found even when the real title is too long
# or too punctuated to pass for one.
_TITLE_STAND_IN = "讲话"


@dataclass(frozen=True)
class Block:
    """One paragraph of the exported document: its kind, text and heading level.

    `head` is how many leading characters are the heading itself; the rest of
    the paragraph (when a heading runs on into its body) is body text.
    """

    kind: Literal["title", "meta", "salutation", "heading", "body"]
    text: str
    level: int = 0
    head: int = 0


@dataclass(frozen=True)
class Exported:
    """A rendered file: its bytes, media type and a download filename."""

    data: bytes
    media_type: str
    filename: str


@dataclass(frozen=True)
class Byline:
    """Who speaks and when, from the brief: the lines under the title when the text lacks them."""

    speaker: str | None = None
    date: str | None = None

    def missing_from(self, meta: list[str]) -> list[str]:
        """The speaker line and the （date） line the meta lines do not already give, in order."""
        said = "".join(meta).replace(" ", "").replace("\u3000", "")
        speaker = (self.speaker or "").strip()
        date = (self.date or "").strip().strip("（）()")
        lines = [speaker] if speaker and speaker.replace(" ", "") not in said else []
        if date and date.replace(" ", "") not in said:
            lines.append(f"（{date}）")
        return lines


def layout(title: str, text: str, byline: Byline | None = None) -> list[Block]:
    """The title, meta lines, salutation, headings and body paragraphs of a speech, in order;
    a byline's speaker and date are added under the title when the text does not give them."""
    lines = _lines(text)
    title = title.strip()
    if lines and lines[0] == title:
        lines = lines[1:]
    parsed = parse_speech("\n".join([_TITLE_STAND_IN, *lines]))
    blocks = [Block("title", title)] if title else []
    added = byline.missing_from(parsed.meta) if byline else []
    speaker_first = [line for line in added if not line.startswith("（")]
    dates_after = [line for line in added if line.startswith("（")]
    blocks.extend(Block("meta", line) for line in [*speaker_first, *parsed.meta, *dates_after])
    start = 1 + len(parsed.meta)
    if parsed.salutation:
        blocks.append(Block("salutation", parsed.salutation))
        start += 1
    levels = {h.line: (h.style, len(h.text)) for h in parsed.headings}
    for index in range(start, len(parsed.lines)):
        line = parsed.lines[index]
        style, head = levels.get(index, ("", 0))
        level = 1 if style == STYLE_DI and parsed.top_style == STYLE_DI else _LEVELS.get(style, 0)
        kind: Literal["heading", "body"] = "heading" if level in (1, 2) else "body"
        blocks.append(Block(kind, line, level, head if kind == "heading" else 0))
    return blocks


_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # not allowed in XML, never meant


def _lines(text: str) -> list[str]:
    text = _CONTROL.sub("", text.replace("\r\n", "\n").replace("\r", "\n"))
    return [line.strip() for line in text.split("\n") if line.strip()]


def export(
    title: str,
    text: str,
    fmt: ExportFormat,
    *,
    encoding: TextEncoding = "utf-8",
    created: datetime | None = None,
    byline: Byline | None = None,
) -> Exported:
    """Render a draft in one format, with its media type and a filename made from the title."""
    filename = safe_filename(title, fmt)
    if fmt is ExportFormat.DOCX:
        data = to_docx(title, text, created=created, byline=byline)
        return Exported(data, MEDIA_TYPES[fmt], filename)
    if fmt is ExportFormat.MD:
        body = to_markdown(title, text, byline)
    else:
        body = to_text(title, text, byline)
    media_type = f"{MEDIA_TYPES[fmt]}; charset={encoding}"
    return Exported(body.encode(encoding), media_type, filename)


INDENT = "\u3000\u3000"  # two full-width spaces: the first-line indent of a typed paragraph


def to_text(title: str, text: str, byline: Byline | None = None) -> str:
    """Plain text as an office types it: the title and the lines under it as they are, every
    heading and paragraph after them indented by two full-width spaces, LF line ends."""
    out: list[str] = []
    for block in layout(title, text, byline):
        flush = block.kind in ("title", "meta", "salutation")
        out.append(block.text if flush else INDENT + block.text)
    return "\n".join(out) + "\n"


def to_markdown(title: str, text: str, byline: Byline | None = None) -> str:
    """Title as `#`, level-1 headings as `##`, level-2 as `###`, everything else as paragraphs."""
    out: list[str] = []
    for block in layout(title, text, byline):
        line = escape_markdown(block.text)
        if block.kind == "title":
            line = f"# {line}"
        elif block.kind == "heading" and block.head >= len(block.text):
            line = f"{'#' * (block.level + 1)} {line}"
        out.append(line)
    return "\n\n".join(out) + "\n"


_MD_INLINE = re.compile(r"([\\`*_\[\]<>|])")
_MD_LINE_START = re.compile(r"^(\d{1,9})([.)])|^([#>+\-=~])")


def escape_markdown(line: str) -> str:
    """Backslash what Markdown would read as markup: emphasis, links, lists, headings, quotes."""
    line = _MD_INLINE.sub(r"\\\1", line)
    return _MD_LINE_START.sub(_escape_line_start, line)


def _escape_line_start(match: re.Match[str]) -> str:
    number, dot, marker = match.groups()
    return f"{number}\\{dot}" if number else f"\\{marker}"


_UNSAFE_FILENAME = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def safe_filename(title: str, fmt: ExportFormat) -> str:
    """The title as a filename every desktop accepts (no path characters, at most 60 chars)."""
    stem = _UNSAFE_FILENAME.sub("", " ".join(title.split())).strip(" .")[:60] or "讲稿"
    return f"{stem}.{fmt.value}"


def content_disposition(filename: str, fallback: str) -> str:
    """An attachment header with an ASCII fallback and the real name per RFC 5987/6266."""
    ascii_name = fallback.encode("ascii", "ignore").decode().replace('"', "") or "download"
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename, safe='')}"


# ---- Word (GB/T 9704-2012) ------------------------------------------------------------


@dataclass(frozen=True)
class Face:
    """A typeface, the names Word may find it under, and what to substitute when it is missing."""

    name: str
    alternates: str  # comma-separated, written as w:altName in the font table
    family: Literal["roman", "swiss"]


XIAOBIAOSONG = Face("方正小标宋简体", "宋体,SimSun", "roman")
FANGSONG = Face("仿宋_GB2312", "仿宋,FangSong", "roman")
KAITI = Face("楷体_GB2312", "楷体,KaiTi", "roman")
HEITI = Face("黑体", "SimHei", "swiss")
SONGTI = Face("宋体", "SimSun", "roman")
FACES = (XIAOBIAOSONG, FANGSONG, KAITI, HEITI, SONGTI)

SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
# 22 lines in the 225 mm type area (637.8 pt): 28.95 pt fits, 29 pt would leave 21.
LINE_PITCH = Pt(28.95)
CHARS_PER_LINE = 28
# 二号 characters on the 156 mm line (442 pt / 22 pt, a little closed up as the body is).
TITLE_CHARS_PER_LINE = 20
STYLE_TITLE, STYLE_META, STYLE_SALUTATION = "讲稿标题", "讲稿署名", "讲稿称谓"
STYLE_HEADING = {1: "一级标题", 2: "二级标题"}
# Elements that follow w:spacing in a w:rPr (ECMA-376 fixes the order).
_RPR_AFTER_SPACING = (
    "w:w", "w:kern", "w:position", "w:sz", "w:szCs", "w:highlight", "w:u", "w:effect",
    "w:bdr", "w:shd", "w:fitText", "w:vertAlign", "w:rtl", "w:cs", "w:em", "w:lang",
    "w:eastAsianLayout", "w:specVanish", "w:oMath",
)  # fmt: skip
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


def to_docx(
    title: str, text: str, *, created: datetime | None = None, byline: Byline | None = None
) -> bytes:
    """A Word file laid out as an official document: A4, GB/T margins, fonts, page numbers."""
    document = Document()
    _setup_page(document.sections[0])
    _setup_styles(document)
    blocks = layout(title, text, byline)
    for block, following in zip(blocks, [*blocks[1:], None], strict=True):
        paragraph = _add_block(document, block)
        if block.kind in ("title", "meta") and (following is None or following.kind != "meta"):
            paragraph.paragraph_format.space_after = LINE_PITCH  # one blank line under the head
    _add_page_numbers(document)
    _set_properties(document, title, created or _EPOCH)
    buffer = BytesIO()
    document.save(buffer)
    return _repackage(buffer.getvalue())


def _setup_page(section: Section) -> None:
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.header_distance = Mm(15)
    # The page number's dash line sits 7 mm under the type area (35 - 7 = 28 mm from the
    # edge); a 4号 line is about 6 mm tall, so the footer's bottom edge is about 22 mm up.
    section.footer_distance = Mm(22)


def _setup_styles(document: DocxDocument) -> None:
    """Body text in Normal; title, meta, salutation and two heading levels built on it."""
    _set_defaults(document)
    normal = document.styles["Normal"]
    assert isinstance(normal, ParagraphStyle)
    _style(normal, FANGSONG, SIZE_3, WD_ALIGN_PARAGRAPH.JUSTIFY, indent=True)
    _condense_to_line(normal.element.get_or_add_rPr())
    for name, style_id, face, size, align, outline in (
        (STYLE_TITLE, "SpeechTitle", XIAOBIAOSONG, SIZE_2, WD_ALIGN_PARAGRAPH.CENTER, None),
        (STYLE_META, "SpeechMeta", KAITI, SIZE_3, WD_ALIGN_PARAGRAPH.CENTER, None),
        (STYLE_SALUTATION, "SpeechSalutation", FANGSONG, SIZE_3, WD_ALIGN_PARAGRAPH.LEFT, None),
        (STYLE_HEADING[1], "SpeechHeading1", HEITI, SIZE_3, WD_ALIGN_PARAGRAPH.JUSTIFY, 0),
        (STYLE_HEADING[2], "SpeechHeading2", KAITI, SIZE_3, WD_ALIGN_PARAGRAPH.JUSTIFY, 1),
    ):
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        assert isinstance(style, ParagraphStyle)
        style.style_id = style_id  # ASCII ids, as Word writes them; the Chinese name is shown
        style.base_style = normal
        style.next_paragraph_style = normal
        style.quick_style = True
        _style(style, face, size, align, indent=outline is not None)
        if outline is not None:
            style.paragraph_format.keep_with_next = True
            style.element.get_or_add_pPr().get_or_add_outlineLvl().val = outline


def _set_defaults(document: DocxDocument) -> None:
    """Document defaults name real fonts (not theme fonts, which would win over ours) and zh-CN."""
    styles = document.styles.element
    for fonts in styles.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:rFonts"):
        for attribute in list(fonts.attrib):
            del fonts.attrib[attribute]
        _name_fonts(fonts, FANGSONG.name)
    for lang in styles.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:lang"):
        lang.set(qn("w:eastAsia"), "zh-CN")
    for spacing in styles.xpath("w:docDefaults/w:pPrDefault/w:pPr/w:spacing"):
        spacing.set(qn("w:after"), "0")
    for theme_lang in document.settings.element.xpath("w:themeFontLang"):
        theme_lang.set(qn("w:eastAsia"), "zh-CN")


def _style(
    style: ParagraphStyle, face: Face, size: Length, align: WD_ALIGN_PARAGRAPH, *, indent: bool
) -> None:
    style.font.size = size
    _name_fonts(style.element.get_or_add_rPr().get_or_add_rFonts(), face.name)
    fmt = style.paragraph_format
    fmt.alignment = align
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE_PITCH
    fmt.space_before = fmt.space_after = Pt(0)
    _first_line_indent(style.element.get_or_add_pPr(), 2 if indent else 0, size)


def _condense_to_line(rpr: BaseOxmlElement) -> None:
    """Close 三号 characters up a little so 28 fit the 156 mm line, as GB/T 9704 counts them.

    Word's own way is a document grid (w:docGrid w:charSpace), but LibreOffice reads that
    grid differently and spreads every character over two cells; character spacing reads
    the same everywhere.
    """
    width = Mm(210 - 28 - 26).pt
    twips = math.floor((width / CHARS_PER_LINE - SIZE_3.pt) * 20)
    spacing = OxmlElement("w:spacing", {qn("w:val"): str(twips)})
    rpr.insert_element_before(spacing, *_RPR_AFTER_SPACING)


def _name_fonts(fonts: BaseOxmlElement, name: str) -> None:
    """Set the font for every script: python-docx's `font.name` leaves w:eastAsia unset."""
    for script in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(script), name)


def _first_line_indent(ppr: BaseOxmlElement, chars: int, size: Length) -> None:
    """Indent in characters (w:firstLineChars, what Word writes for 首行缩进) and in twips."""
    ind = ppr.get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(chars * 100))
    ind.set(qn("w:firstLine"), str(int(chars * size.pt * 20)))


def _add_block(document: DocxDocument, block: Block) -> Paragraph:
    if block.kind == "heading":
        paragraph = document.add_paragraph(style=STYLE_HEADING[block.level])
        paragraph.add_run(block.text[: block.head])
        rest = block.text[block.head :]
        if rest:  # a heading that runs on into its body: the body keeps the body font
            _set_run_font(paragraph.add_run(rest), FANGSONG)
            paragraph.paragraph_format.keep_with_next = False
        return paragraph
    if block.kind == "title":
        paragraph = document.add_paragraph(style=STYLE_TITLE)
        for number, line in enumerate(title_lines(block.text)):
            run = paragraph.add_run(line)
            if number:
                run._r.insert(0, OxmlElement("w:br"))  # a line break, not a new paragraph
        return paragraph
    style = {"meta": STYLE_META, "salutation": STYLE_SALUTATION}
    return document.add_paragraph(block.text, style=style.get(block.kind, "Normal"))


def title_lines(title: str, width: int = TITLE_CHARS_PER_LINE) -> list[str]:
    """A title too long for one line, broken between words (jieba) into the shape GB/T 9704
    asks for: two lines as a 梯形 (the upper one shorter), three as a 沙漏 (the middle one
    shortest), each line as even as that allows and none wider than the line."""
    if len(title) <= width:
        return [title]
    words = segmenter_for(()).words(title)
    cuts = [sum(len(w) for w in words[:i]) for i in range(1, len(words))]
    count = math.ceil(len(title) / width)
    while count <= len(words):
        shaped = _best_split(title, cuts, count, width)
        if shaped:
            return shaped
        count += 1
    return [title[i : i + width] for i in range(0, len(title), width)]


def _best_split(title: str, cuts: list[int], count: int, width: int) -> list[str] | None:
    """The split of `title` at word boundaries into `count` lines that fits and has the
    conventional shape, the most even one first; None when no split fits."""
    best: tuple[tuple[int, int], list[str]] | None = None
    for chosen in itertools.combinations(cuts, count - 1):
        edges = [0, *chosen, len(title)]
        lines = [title[a:b] for a, b in itertools.pairwise(edges)]
        sizes = [len(line) for line in lines]
        if max(sizes) > width or _dangles(lines):
            continue
        shaped = _is_trapezoid(sizes) if count == 2 else _is_hourglass(sizes)
        key = (0 if shaped else 1, max(sizes) - min(sizes))
        if best is None or key < best[0]:
            best = (key, lines)
    return best[1] if best else None


def _is_trapezoid(sizes: list[int]) -> bool:
    return sizes[0] <= sizes[1]


def _is_hourglass(sizes: list[int]) -> bool:
    middle = sizes[1:-1]
    return all(m <= sizes[0] and m <= sizes[-1] for m in middle)


def _dangles(lines: list[str]) -> bool:
    """A line that would start with closing punctuation or end with opening punctuation."""
    return any(line[0] in "，。、；：）》」”" or line[-1] in "（《「“" for line in lines)


def _set_run_font(run: Run, face: Face, size: Length | None = None) -> None:
    if size is not None:
        run.font.size = size
    _name_fonts(run._r.get_or_add_rPr().get_or_add_rFonts(), face.name)


def _add_page_numbers(document: DocxDocument) -> None:
    """ "— 1 —" in 4号 宋体: odd pages at the right, even at the left, one character in."""
    document.settings.odd_and_even_pages_header_footer = True
    section = document.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        paragraph = footer.paragraphs[0]
        fmt = paragraph.paragraph_format
        fmt.alignment = align
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.space_before = fmt.space_after = Pt(0)
        _first_line_indent(paragraph._p.get_or_add_pPr(), 0, SIZE_4)
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            fmt.right_indent = SIZE_4
        else:
            fmt.left_indent = SIZE_4
        _page_field(paragraph)


def _page_field(paragraph: Paragraph) -> None:
    """The dashes and a PAGE field (begin, instruction, separate, cached "1", end)."""
    parts: list[tuple[str, str]] = [
        ("text", "— "),
        ("begin", ""),
        ("instr", " PAGE "),
        ("separate", ""),
        ("text", "1"),
        ("end", ""),
        ("text", " —"),
    ]
    for kind, value in parts:
        run = paragraph.add_run(value if kind == "text" else None)
        _set_run_font(run, SONGTI, SIZE_4)
        run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:hint"), "eastAsia")
        if kind in ("begin", "separate", "end"):
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif kind == "instr":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = value
            run._r.append(instr)


def _set_properties(document: DocxDocument, title: str, when: datetime) -> None:
    props = document.core_properties
    props.title = title
    props.author = "jianggao"
    props.last_modified_by = "jianggao"
    props.comments = "讲稿初稿，请核校后使用"
    props.revision = 1
    props.created = props.modified = when.astimezone(UTC).replace(tzinfo=None, microsecond=0)
    # python-docx's template carries a thumbnail of some other page; drop it.
    rels = document.part.package.rels
    for rel_id in [r for r, rel in rels.items() if rel.reltype == RT.THUMBNAIL]:
        rels.pop(rel_id)


def _repackage(data: bytes) -> bytes:
    """Rewrite the zip with fixed timestamps (python-docx stamps the clock) and our font table."""
    out = BytesIO()
    with (
        zipfile.ZipFile(BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            blob = source.read(info.filename)
            if info.filename == "word/fontTable.xml":
                blob = _font_table(blob)
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_TIME)
            entry.create_system = 0
            target.writestr(entry, blob, compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _font_table(blob: bytes) -> bytes:
    """Declare our faces as GB2312 fonts with alternate names, so Word and WPS substitute the
    fallback (宋体 for 方正小标宋简体, 仿宋 for 仿宋_GB2312, 楷体 for 楷体_GB2312) when missing."""
    root = parse_xml(blob)
    known = {font.get(qn("w:name")) for font in root.iterfind(qn("w:font"))}
    for face in FACES:
        if face.name in known:
            continue
        font = OxmlElement("w:font", {qn("w:name"): face.name})
        for tag, value in (
            ("w:altName", face.alternates),
            ("w:charset", "86"),
            ("w:family", face.family),
            ("w:pitch", "variable"),
        ):
            font.append(OxmlElement(tag, {qn("w:val"): value}))
        root.append(font)
    result: bytes = serialize_part_xml(root)
    return result
