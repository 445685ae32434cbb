"""Read one source file (.txt in any common Chinese encoding, or .docx) into lines of text.

Every way a file can be unusable ends in SkipSource with a plain reason, so the
build can report it and go on with the other files.
"""

from __future__ import annotations

import codecs
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from service.errors import SkipSource
from service.limits import (
    DOCX_MAX_RATIO,
    DOCX_MAX_UNPACKED_BYTES,
    DOCX_RATIO_FROM_BYTES,
    SOURCE_MAX_CHARS,
    SOURCE_MAX_PARAGRAPHS,
)

SUPPORTED_SUFFIXES = (".txt", ".docx")

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: its BOM starts the same way
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Tried in order without a BOM; GB18030 is a superset of GBK and GB2312.
_FALLBACK_ENCODINGS = ("utf-8", "gb18030")
_SNIFF_BYTES = 8192
# Share of decoded characters that must look like text (CJK, ASCII, common punctuation).
_MIN_TEXT_SHARE = 0.9


# Characters that are not text in a Chinese document: controls, rare scripts, private use.
_UNTEXTY = re.compile(
    "[^\n\r\t\x20-\x7e\xa0\xa9\xb7\xd7\u0100-\u024f"  # ASCII, Latin with tone marks
    "\u2000-\u206f\u3000-\u303f\u3400-\u9fff\uff00-\uffef\ufeff]+"  # punctuation, CJK
)


_HANZI = re.compile(r"[\u4e00-\u9fff]")
_KANA = re.compile(r"[\u3040-\u30ff]")
_LATIN = re.compile(r"[A-Za-z]")
_JUDGE_CHARS = 20_000  # how much of a text the language check reads
_MIN_HANZI_TO_JUDGE = 50
_MIN_COMMON_SHARE = 0.8  # Chinese prose is almost all GB2312; mojibake mostly is not
_MIN_HANZI_SHARE = 0.3  # of the letters (hanzi, kana, Latin)


@dataclass(frozen=True)
class SourceText:
    """The decoded lines of one source file and how they were decoded."""

    lines: list[str]
    encoding: str


def read_source(path: Path, max_bytes: int) -> SourceText:
    """Decode a .txt or .docx file into lines; raise SkipSource for anything unusable."""
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        shown = suffix or "（无扩展名）"
        raise SkipSource(f"不支持的文件类型 {shown}（只读 .txt 和 .docx）")
    size = path.stat().st_size
    if size == 0:
        raise SkipSource("空文件")
    if size > max_bytes:
        raise SkipSource(
            f"文件过大（{size / 2**20:.1f} MB，上限 {max_bytes / 2**20:.1f} MB），未读取"
        )
    source = _read_docx(path) if suffix == ".docx" else _read_txt(path.read_bytes())
    if not any(line.strip() for line in source.lines):
        raise SkipSource("没有文字内容")
    _check_size(source.lines)
    _check_chinese(source)
    return source


def _check_size(lines: list[str]) -> None:
    """A speech, not a collection or a bomb: bounded in characters and paragraphs."""
    chars = sum(len(line) for line in lines)
    if chars > SOURCE_MAX_CHARS:
        raise SkipSource(f"文字过多（{chars} 字，上限 {SOURCE_MAX_CHARS} 字），不像一篇讲话稿")
    paragraphs = sum(1 for line in lines if line.strip())
    if paragraphs > SOURCE_MAX_PARAGRAPHS:
        raise SkipSource(f"段落过多（{paragraphs} 段，上限 {SOURCE_MAX_PARAGRAPHS} 段）")


def _check_chinese(source: SourceText) -> None:
    """Refuse a text that is not plausibly Chinese: Japanese, a language without hanzi, or
    another encoding read as GB18030 (its 'hanzi' are mostly outside the common set)."""
    sample = "".join(source.lines)[:_JUDGE_CHARS]
    hanzi = _HANZI.findall(sample)
    kana = len(_KANA.findall(sample))
    letters = len(hanzi) + kana + len(_LATIN.findall(sample))
    if letters and len(hanzi) < _MIN_HANZI_SHARE * letters:
        what = "日文假名" if kana > len(hanzi) / 10 else "汉字"
        raise SkipSource(f"不像中文文本（汉字只占文字的 {len(hanzi) / letters:.0%}，{what}）")
    if kana > len(hanzi) / 10:
        raise SkipSource(f"不像中文文本（含 {kana} 个日文假名），可能是日文或编码不对")
    if source.encoding == "gb18030" and len(hanzi) >= _MIN_HANZI_TO_JUDGE:  # a guessed decode
        common = sum(1 for c in hanzi if _is_common(c)) / len(hanzi)
        if common < _MIN_COMMON_SHARE:
            raise SkipSource(
                f"按 {source.encoding} 解码后常用汉字只占 {common:.0%}，像是乱码"
                "（可能是日文 Shift-JIS 等其他编码），请另存为 UTF-8 后再上传"
            )


def _is_common(char: str) -> bool:
    """One of the 6,763 hanzi of GB2312, which cover nearly all Chinese prose."""
    try:
        char.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def decode_text(data: bytes) -> str:
    """The text of a .txt file's bytes, decoded as read_source decodes it."""
    return "\n".join(_read_txt(data).lines)


def _read_txt(data: bytes) -> SourceText:
    """Decode by BOM first, then strict UTF-8, then GB18030, each checked for sanity."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return SourceText(_split_lines(_decode(data, encoding)), encoding)
    if b"\x00" in data[:_SNIFF_BYTES]:
        return _read_utf16_without_bom(data)
    for encoding in _FALLBACK_ENCODINGS:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return SourceText(_split_lines(text), encoding)
    raise SkipSource("无法识别的编码或二进制内容（试过 UTF-8、GB18030）")


def _read_utf16_without_bom(data: bytes) -> SourceText:
    """NUL bytes mean UTF-16 without a BOM (Windows "Unicode" text) or a binary file."""
    for encoding in ("utf-16-le", "utf-16-be"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _looks_like_text(text):
            return SourceText(_split_lines(text), encoding)
    raise SkipSource("二进制文件（含 NUL 字节），不是文本")


def _decode(data: bytes, encoding: str) -> str:
    """Strictly decode a file whose BOM named its encoding."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        raise SkipSource(
            f"文件头标明 {encoding} 编码，但内容无法按此解码（第 {error.start} 字节）"
        ) from None


def _looks_like_text(text: str) -> bool:
    """A decode that yields mostly control or rare characters is a wrong guess or binary."""
    sample = text[:_SNIFF_BYTES]
    if not sample:
        return True
    odd = sum(len(run) for run in _UNTEXTY.findall(sample))
    return 1 - odd / len(sample) >= _MIN_TEXT_SHARE


def _split_lines(text: str) -> list[str]:
    """Lines without terminators; a stray BOM and form feeds go."""
    return text.lstrip("\ufeff").replace("\f", "\n").splitlines()


def _check_zip(path: Path) -> None:
    """Refuse a .docx whose parts would unpack to far more than a speech holds (a zip bomb),
    from the zip directory alone, before anything is decompressed or parsed."""
    try:
        with zipfile.ZipFile(path) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, OSError) as error:
        raise SkipSource(f"无法打开 .docx 文件（{type(error).__name__}），文件可能已损坏") from None
    unpacked = sum(part.file_size for part in parts)
    if unpacked > DOCX_MAX_UNPACKED_BYTES:
        raise SkipSource(
            f".docx 解压后有 {unpacked / 2**20:.0f} MB，超过上限 "
            f"{DOCX_MAX_UNPACKED_BYTES / 2**20:.0f} MB，未读取"
        )
    for part in parts:
        ratio = part.file_size / max(part.compress_size, 1)
        if part.file_size >= DOCX_RATIO_FROM_BYTES and ratio > DOCX_MAX_RATIO:
            raise SkipSource(
                f".docx 的 {part.filename} 压缩比 {ratio:.0f} 倍，超过上限 {DOCX_MAX_RATIO} 倍"
                "（疑似压缩炸弹），未读取"
            )


def _read_docx(path: Path) -> SourceText:
    """Each paragraph of the body, then of each table cell, becomes one line."""
    import docx  # heavy import kept out of module load
    from docx.opc.exceptions import PackageNotFoundError

    _check_zip(path)
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise SkipSource(f"无法打开 .docx 文件（{type(error).__name__}），文件可能已损坏") from None
    except Exception as error:  # lxml raises its own parse errors on broken XML parts
        raise SkipSource(f"无法解析 .docx 文件（{type(error).__name__}）") from None
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(p.text for cell in row.cells for p in cell.paragraphs)
    return SourceText([piece for line in lines for piece in line.splitlines() or [""]], "docx")
