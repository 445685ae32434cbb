"""Parse any speech text into its conventional parts; the one place that knows heading styles."""

from __future__ import annotations

from dataclasses import dataclass, field

# Heading styles, from the top numbering level down (GB/T 9704-2012 §7.3.3 and speech usage).
STYLE_CN_DUN = "cn_dun"  # 一、
STYLE_DI = "di"  # 第一，  第一、  第一条
STYLE_PAREN_CN = "paren_cn"  # （一）
STYLE_ARABIC = "arabic"  # 1.  1、  1．
STYLE_PAREN_ARABIC = "paren_arabic"  # （1）
STYLE_SEQUENCE = "sequence"  # 首先 / 其次 / 再次 / 最后
STYLE_ENUM_SHI = "enum_shi"  # 一是…二是…
STYLE_ENUM_YAO = "enum_yao"  # 一要…二要…
STYLE_QI = "qi"  # 其一 / 其二

ROLES = ("title", "meta", "salutation", "opening", "transition", "point", "closing", "other")


@dataclass
class Item:
    """One member of an enumeration inside a point: 一是… / 一要… / （一）…"""

    number: int
    style: str
    marker: str
    text: str
    line: int


@dataclass
class Point:
    """A top-level point: its number, style, heading line and body."""

    number: int
    style: str
    marker: str
    heading: str
    text: str
    line: int
    items: list[Item] = field(default_factory=list)


@dataclass
class Section:
    """A contiguous part of the speech with a conventional role."""

    role: str
    heading: str
    text: str


@dataclass
class Announcement:
    """An announced count: "讲三点意见" → count 3, unit "点意见"; count None for 几点."""

    count: int | None
    unit: str
    text: str
    line: int


@dataclass
class ParsedSpeech:
    """Everything the scorer and the corpus builder need to know about a speech's form."""

    title: str | None
    meta: list[str]
    salutation: str | None
    opening: str
    announcement: Announcement | None
    top_style: str | None
    points: list[Point]
    closing: str | None
    sections: list[Section]
    chars: int
    # Enumerations found anywhere, grouped in runs (一是…二是… that belong together).
    enumerations: list[list[Item]] = field(default_factory=list)

    @property
    def points_announced(self) -> int | None:
        return self.announcement.count if self.announcement else None


def parse_speech(text: str) -> ParsedSpeech:
    """Parse a cleaned speech (one paragraph per line) into title, salutation, points, closing."""
    raise NotImplementedError("being written")
