"""Export: a real built-in draft to Word (GB/T 9704 layout, reopened with python-docx), Markdown
and text; the export route's headers, filename and errors."""

from __future__ import annotations

import asyncio
import re
import zipfile
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml.ns import qn
from docx.shared import Length, Pt
from docx.styles.style import ParagraphStyle
from docx.text.paragraph import Paragraph
from fastapi.testclient import TestClient

from service.export import (
    Byline,
    ExportFormat,
    content_disposition,
    escape_markdown,
    export,
    layout,
    safe_filename,
    title_lines,
    to_docx,
    to_markdown,
    to_text,
)
from service.pipeline.pipeline import Draft
from service.schemas import Brief
from service.text.segment import segmenter_for
from tests.apphelpers import example_brief, running_app, settings_for
from tests.kits import builtin_pipeline

LEVEL_1 = re.compile(r"^[一二三四五六七八九十]+、")
SAMPLE_TITLE = "在全县安全生产工作会议上的讲话"
SAMPLE = """在全县安全生产工作会议上的讲话
县委书记　张三
（2024年1月15日）
同志们：今天我们召开会议，主要任务是部署安全生产工作。
下面，我讲两点意见。
一、压紧压实安全生产责任
（一）落实党政领导责任。各级党委政府要把安全生产摆上重要议事日程，定期研究解决重大问题。
1. 建立责任清单，明确每一位领导干部的职责。
（1）县级领导包乡镇，乡镇领导包村。
二、深化隐患排查整治。要聚焦重点行业领域，开展拉网式排查，做到不留死角。
同志们，安全生产责任重于泰山。让我们以更加务实的作风，确保全县安全生产形势持续稳定！
"""


@pytest.fixture(scope="module")
def draft() -> Draft:
    """A real draft of the progress-meeting brief by the built-in drafter."""
    pipeline = builtin_pipeline()
    return asyncio.run(pipeline.draft(Brief.model_validate(example_brief("progress"))))


@pytest.fixture(scope="module")
def word(draft: Draft) -> DocxDocument:
    return Document(BytesIO(to_docx(draft.title, draft.text, created=draft.created_at)))


def _style_value(paragraph: Paragraph, read: Any) -> Any:
    """A property as Word resolves it: the paragraph's own, else up its style chain."""
    style = paragraph.style
    while style is not None:
        value = read(style)
        if value is not None:
            return value
        style = style.base_style
    return None


def _east_asian_font(paragraph: Paragraph) -> str | None:
    def read(style: Any) -> str | None:
        fonts = style.element.rPr.rFonts if style.element.rPr is not None else None
        return None if fonts is None else fonts.get(qn("w:eastAsia"))

    return _style_value(paragraph, read)  # type: ignore[no-any-return]


def _size(paragraph: Paragraph) -> Any:
    return _style_value(paragraph, lambda s: s.font.size)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def test_page_is_a4_with_official_margins(word: DocxDocument) -> None:
    section = word.sections[0]
    measured = [
        section.page_width, section.page_height, section.top_margin,
        section.bottom_margin, section.left_margin, section.right_margin,
    ]  # fmt: skip
    assert [round(_mm(length), 1) for length in measured] == [210, 297, 37, 35, 28, 26]


def test_title_is_centred_xiaobiaosong_size_2(word: DocxDocument, draft: Draft) -> None:
    title = word.paragraphs[0]
    assert title.text.replace("\n", "") == draft.title  # a long title breaks inside its paragraph
    assert _style_value(title, lambda s: s.paragraph_format.alignment) == WD_ALIGN_PARAGRAPH.CENTER
    assert _size(title) == Pt(22)
    assert _east_asian_font(title) == "方正小标宋简体"


def test_the_date_line_sits_under_the_title_then_a_blank_line(
    word: DocxDocument, draft: Draft
) -> None:
    dateline = word.paragraphs[1]
    assert dateline.text == draft.outline.dateline and dateline.text.startswith("（")
    assert _style(dateline).name == "讲稿署名"
    assert (
        _style_value(dateline, lambda s: s.paragraph_format.alignment) == WD_ALIGN_PARAGRAPH.CENTER
    )
    assert word.paragraphs[0].paragraph_format.space_after is None  # the head goes on
    assert dateline.paragraph_format.space_after == Pt(28.95)  # a blank line under the head


def test_level_one_headings_are_heiti_and_in_the_outline(word: DocxDocument, draft: Draft) -> None:
    headings = [p for p in word.paragraphs if LEVEL_1.match(p.text)]
    expected = [s.heading for s in draft.sections if s.heading]
    assert [p.text for p in headings] == expected and len(expected) == 3
    for paragraph in headings:
        assert _east_asian_font(paragraph) == "黑体"
        assert _size(paragraph) == Pt(16)
        assert _style(paragraph).element.pPr.outlineLvl.val == 0


def test_body_paragraphs_are_fangsong_indented_with_fixed_spacing(
    word: DocxDocument,
) -> None:
    body = [p for p in word.paragraphs if _style(p).name == "Normal"]
    assert len(body) > 20
    for paragraph in body:
        assert _east_asian_font(paragraph) == "仿宋_GB2312"
        assert _size(paragraph) == Pt(16)
        fmt = _style_value(paragraph, lambda s: s.paragraph_format)
        assert fmt.first_line_indent == Pt(32)
        assert fmt.line_spacing_rule == WD_LINE_SPACING.EXACTLY
        assert fmt.line_spacing == Pt(28.95)
    normal_ind = word.styles["Normal"].element.pPr.ind
    assert normal_ind.get(qn("w:firstLineChars")) == "200"


def test_salutation_is_flush_left(word: DocxDocument) -> None:
    salutation = word.paragraphs[2]
    assert salutation.text == "同志们："
    assert _style_value(salutation, lambda s: s.paragraph_format.first_line_indent) == 0
    assert _style(salutation).element.pPr.ind.get(qn("w:firstLineChars")) == "0"


def test_east_asian_font_names_are_in_the_xml(word: DocxDocument, draft: Draft) -> None:
    with zipfile.ZipFile(BytesIO(to_docx(draft.title, draft.text))) as package:
        styles = package.read("word/styles.xml").decode()
        fonts = package.read("word/fontTable.xml").decode()
        footer = "".join(
            package.read(name).decode() for name in package.namelist() if "footer" in name
        )
    for name in ("方正小标宋简体", "仿宋_GB2312", "黑体", "楷体_GB2312"):
        assert f'w:eastAsia="{name}"' in styles
    # theme fonts in the defaults or in a used style would override the names we set
    (defaults,) = word.styles.element.xpath("w:docDefaults/w:rPrDefault/w:rPr/w:rFonts")
    used = {_style(p).name for p in word.paragraphs}
    assert used == {"讲稿标题", "讲稿署名", "讲稿称谓", "一级标题", "Normal"}
    for r_fonts in [defaults, *(word.styles[name].element.rPr.rFonts for name in used)]:
        assert r_fonts.get(qn("w:eastAsia")) and not any("Theme" in k for k in r_fonts.attrib)
    assert re.search(r'w:name="仿宋_GB2312">\s*<w:altName w:val="仿宋,FangSong"/>', fonts)
    assert re.search(r'w:name="方正小标宋简体">\s*<w:altName w:val="宋体,SimSun"/>', fonts)
    assert 'w:eastAsia="宋体"' in footer and "PAGE" in footer


def test_text_round_trips_paragraph_by_paragraph(word: DocxDocument, draft: Draft) -> None:
    assert [p.text.replace("\n", "") for p in word.paragraphs] == _lines(draft.text)


def test_page_numbers_dashed_odd_right_even_left(word: DocxDocument) -> None:
    assert word.settings.odd_and_even_pages_header_footer
    section = word.sections[0]
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        paragraph = footer.paragraphs[0]
        assert paragraph.alignment == align
        assert paragraph.text == "— 1 —"  # the field's cached value between the dashes
        assert "PAGE" in "".join(paragraph._p.itertext())
        assert paragraph.runs[0].font.size == Pt(14)


def test_docx_is_deterministic(draft: Draft) -> None:
    first = to_docx(draft.title, draft.text, created=draft.created_at)
    assert first == to_docx(draft.title, draft.text, created=draft.created_at)
    assert Document(BytesIO(first)).core_properties.title == draft.title


def test_meta_lines_salutation_and_heading_levels() -> None:
    doc = Document(BytesIO(to_docx(SAMPLE_TITLE, SAMPLE)))
    paragraphs = {p.text: p for p in doc.paragraphs}
    for meta in ("县委书记　张三", "（2024年1月15日）"):
        assert _style(paragraphs[meta]).name == "讲稿署名"
        assert _east_asian_font(paragraphs[meta]) == "楷体_GB2312"
        assert _style(paragraphs[meta]).paragraph_format.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert [p.text for p in doc.paragraphs][3:5] == [
        "同志们：",
        "今天我们召开会议，主要任务是部署安全生产工作。",
    ]
    level_2 = paragraphs[
        "（一）落实党政领导责任。各级党委政府要把安全生产摆上重要议事日程，定期研究解决重大问题。"
    ]
    assert _east_asian_font(level_2) == "楷体_GB2312"
    heading_run, rest_run = level_2.runs
    assert heading_run.text == "（一）落实党政领导责任。"
    assert rest_run.element.rPr is not None and rest_run.element.rPr.rFonts is not None
    assert rest_run.element.rPr.rFonts.get(qn("w:eastAsia")) == "仿宋_GB2312"
    for body in (
        "1. 建立责任清单，明确每一位领导干部的职责。",
        "（1）县级领导包乡镇，乡镇领导包村。",
    ):
        assert _style(paragraphs[body]).name == "Normal"
    run_on = paragraphs["二、深化隐患排查整治。要聚焦重点行业领域，开展拉网式排查，做到不留死角。"]
    assert _style(run_on).name == "一级标题" and run_on.runs[0].text == "二、深化隐患排查整治。"


def test_title_is_added_when_the_text_lacks_it() -> None:
    blocks = layout("关于安全生产的讲话", "同志们：\n今天开会。")
    assert [(b.kind, b.text) for b in blocks] == [
        ("title", "关于安全生产的讲话"),
        ("salutation", "同志们："),
        ("body", "今天开会。"),
    ]


def test_markdown_marks_title_and_headings_and_round_trips(draft: Draft) -> None:
    markdown = to_markdown(draft.title, draft.text)
    blocks = markdown.rstrip("\n").split("\n\n")
    assert blocks[0] == f"# {draft.title}"
    assert [b[3:] for b in blocks if b.startswith("## ")] == [
        s.heading for s in draft.sections if s.heading
    ]
    unmarked = [re.sub(r"^#+ ", "", b) for b in blocks]
    assert [re.sub(r"\\(.)", r"\1", b) for b in unmarked] == _lines(draft.text)


def test_markdown_levels_and_escapes() -> None:
    markdown = to_markdown(SAMPLE_TITLE, SAMPLE)
    assert "\n\n## 一、压紧压实安全生产责任\n\n" in markdown
    assert "\n\n1\\. 建立责任清单" in markdown  # not an ordered list
    # a heading that runs on into its body stays a paragraph
    assert "\n\n（一）落实党政领导责任。各级" in markdown
    assert escape_markdown("*重点*是[一]") == "\\*重点\\*是\\[一\\]"
    assert escape_markdown("# 不是标题") == "\\# 不是标题"


def test_text_export_indents_paragraphs_normalises_line_ends_and_encodes(draft: Draft) -> None:
    text = to_text(draft.title, draft.text)
    lines = text.rstrip("\n").split("\n")
    source = _lines(draft.text)
    assert [line.lstrip("\u3000") for line in lines] == source
    assert lines[0] == draft.title and lines[1] == draft.outline.dateline  # head flush
    assert lines[2] == "同志们："  # the salutation flush left
    body = lines[3:]
    assert body and all(line.startswith("\u3000\u3000") and line[2] != "\u3000" for line in body)
    crlf = draft.text.replace("\n", "\r\n")
    assert "\r" not in to_text(draft.title, crlf)
    assert to_text("标题", "同志们：\n开会。") == "标题\n同志们：\n\u3000\u3000开会。\n"
    gbk = export(draft.title, draft.text, ExportFormat.TXT, encoding="gb18030")
    assert gbk.media_type == "text/plain; charset=gb18030"
    assert gbk.data.decode("gb18030") == to_text(draft.title, draft.text)
    assert gbk.data != gbk.data.decode("gb18030").encode("utf-8")


def test_speaker_and_date_go_under_the_title_when_the_text_lacks_them() -> None:
    text = "同志们：\n今天开会。"
    byline = Byline(speaker="县委书记", date="2024年2月26日")
    doc = Document(BytesIO(to_docx("在全县防汛工作会议上的讲话", text, byline=byline)))
    texts = [p.text for p in doc.paragraphs]
    assert texts[:3] == ["在全县防汛工作会议上的讲话", "县委书记", "（2024年2月26日）"]
    assert {_style(p).name for p in doc.paragraphs[1:3]} == {"讲稿署名"}
    assert doc.paragraphs[2].paragraph_format.space_after == Pt(28.95)
    # what the text already says is not said twice; what is unknown is left out
    kept = layout(SAMPLE_TITLE, SAMPLE, Byline(speaker="县委书记", date="2024年1月15日"))
    assert [b.text for b in kept if b.kind == "meta"] == ["县委书记　张三", "（2024年1月15日）"]
    dated = layout("讲话", "（2024年2月26日）\n同志们：\n开会。", byline)
    assert [b.text for b in dated if b.kind == "meta"] == ["县委书记", "（2024年2月26日）"]
    assert [b.kind for b in layout("讲话", text, Byline())] == ["title", "salutation", "body"]
    plain = to_text("讲话", text, Byline(date="2024年3月1日"))
    assert plain == "讲话\n（2024年3月1日）\n同志们：\n\u3000\u3000今天开会。\n"


@pytest.mark.parametrize(
    ("title", "shape"),
    [
        ("县委书记在全县安全生产工作会议上的讲话", [19]),
        ("在全市深化营商环境改革推动高质量发展大会上的讲话", "trapezoid"),
        ("县委副书记、县长在全县2024年安全生产暨防汛抗旱工作推进会议上的讲话", "trapezoid"),
        (
            "中共青山县委关于进一步加强和改进基层党组织建设工作推进会议暨2024年度党建工作述职评议会上的讲话",
            "hourglass",
        ),
    ],
)
def test_long_titles_break_between_words_in_the_conventional_shape(title: str, shape: Any) -> None:
    lines = title_lines(title)
    assert "".join(lines) == title
    sizes = [len(line) for line in lines]
    assert max(sizes) <= 20
    if shape == "trapezoid":
        assert len(lines) == 2 and sizes[0] <= sizes[1]
    elif shape == "hourglass":
        assert len(lines) == 3 and sizes[1] <= min(sizes[0], sizes[2])
    else:
        assert sizes == shape
    words = segmenter_for(()).words(title)
    edges = {sum(len(w) for w in words[:i]) for i in range(len(words) + 1)}
    assert all(sum(sizes[: i + 1]) in edges for i in range(len(sizes)))  # words kept whole
    doc = Document(BytesIO(to_docx(title, "同志们：\n开会。")))
    assert doc.paragraphs[0].text == "\n".join(lines)  # one paragraph, broken by line breaks


def test_filenames_are_safe_and_headers_carry_both_forms() -> None:
    assert (
        safe_filename('关于"安全/生产"的讲话: 初稿?', ExportFormat.DOCX)
        == "关于安全生产的讲话 初稿.docx"
    )
    assert safe_filename("  ", ExportFormat.MD) == "讲稿.md"
    assert len(safe_filename("长" * 200, ExportFormat.TXT)) == 64
    header = content_disposition("讲话稿.docx", "draft-1.docx")
    assert header == "attachment; filename=\"draft-1.docx\"; filename*=UTF-8''" + quote(
        "讲话稿.docx"
    )


# ---- the export route ------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory, build_dir: Path) -> Iterator[TestClient]:
    with running_app(settings_for(tmp_path_factory.mktemp("api"), build_dir)) as running:
        yield running


@pytest.fixture(scope="module")
def stored(client: TestClient) -> dict[str, Any]:
    response = client.post("/v1/drafts", json=example_brief("work_meeting"))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


def test_route_sends_a_word_file_named_after_the_title(
    client: TestClient, stored: dict[str, Any]
) -> None:
    response = client.get(f"/v1/drafts/{stored['id']}/export", params={"format": "docx"})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    disposition = response.headers["content-disposition"]
    assert disposition.startswith(f'attachment; filename="draft-{stored["id"][:12]}-v1.docx"')
    assert disposition.endswith("filename*=UTF-8''" + quote(f"{stored['title']}.docx"))
    disposition.encode("latin-1")  # a header must be sendable as is
    document = Document(BytesIO(response.content))
    lines = _lines(stored["text"])
    speaker = example_brief("work_meeting")["speaker"]
    assert [p.text for p in document.paragraphs] == [lines[0], speaker, *lines[1:]]


@pytest.mark.parametrize(
    ("fmt", "media"), [("md", "text/markdown; charset=utf-8"), ("txt", "text/plain; charset=utf-8")]
)
def test_route_sends_markdown_and_text(
    client: TestClient, stored: dict[str, Any], fmt: str, media: str
) -> None:
    response = client.get(f"/v1/drafts/{stored['id']}/export", params={"format": fmt, "version": 1})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == media
    assert f".{fmt}" in response.headers["content-disposition"]
    assert stored["title"] in response.content.decode("utf-8")


def test_route_rejects_an_unknown_format(client: TestClient, stored: dict[str, Any]) -> None:
    response = client.get(f"/v1/drafts/{stored['id']}/export", params={"format": "pdf"})
    assert response.status_code == 422
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["field"] == "format"


def test_route_answers_404_for_unknown_drafts_and_versions(
    client: TestClient, stored: dict[str, Any]
) -> None:
    for url, params in (
        ("/v1/drafts/nope/export", {}),
        (f"/v1/drafts/{stored['id']}/export", {"version": 9}),
    ):
        response = client.get(url, params=params)
        assert response.status_code == 404, response.text
        assert response.headers["content-type"].startswith("application/problem+json")


def test_control_characters_are_dropped_not_fatal() -> None:
    document = Document(BytesIO(to_docx("标题", "同志们：\n今天\x0b开会\x07。")))
    assert [p.text for p in document.paragraphs] == ["标题", "同志们：", "今天开会。"]
    assert to_text("标题", "") == "标题\n"


def _style(paragraph: Paragraph) -> ParagraphStyle:
    """A paragraph's style; python-docx types it as optional, ours always have one."""
    style = paragraph.style
    assert style is not None
    return style


def _mm(length: Length | None) -> float:
    assert length is not None
    return float(length.mm)
