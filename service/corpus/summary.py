"""The table `jianggao corpus build` prints: documents by kind and type, removals, skips."""

from __future__ import annotations

import unicodedata
from collections import Counter

from service.corpus.boilerplate import CATEGORY_LABELS
from service.corpus.build import BuildReport

# Long lists (thousands of copies on a big build) are cut; the records keep everything.
MAX_LISTED = 30


def width(text: str) -> int:
    """Display width in a terminal: CJK characters take two columns."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def pad(text: str, columns: int, right: bool = False) -> str:
    """Pad to a display width, on the right (default) or the left."""
    fill = " " * max(columns - width(text), 0)
    return fill + text if right else text + fill


def format_summary(report: BuildReport) -> str:
    """The whole summary as text."""
    parts = [_headline(report), _kinds_table(report), _removed_table(report)]
    if report.skipped:
        parts.append(_skipped_table(report))
    if report.duplicates:
        parts.append(_duplicates_table(report))
    return "\n\n".join(parts) + "\n"


def _headline(report: BuildReport) -> str:
    where = f"，写入 {report.out}" if report.out else ""
    return (
        f"语料库构建完成：{report.files} 个源文件 → {len(report.records)} 条记录"
        f"（跳过 {len(report.skipped)} 个，重复 {len(report.duplicates)} 条）{where}，"
        f"用时 {report.seconds:.1f} 秒"
    )


def _kinds_table(report: BuildReport) -> str:
    docs: Counter[tuple[str, str]] = Counter()
    chars: Counter[tuple[str, str]] = Counter()
    for record in report.records:
        key: tuple[str, str] = (record.kind, record.speech_type or "-")
        docs[key] += 1
        chars[key] += record.chars
    lines = [
        "按类别与类型：",
        f"  {pad('kind', 12)}{pad('speech_type', 16)}{pad('篇数', 8, True)}{pad('字数', 12, True)}",
    ]
    for key in sorted(docs):
        kind, speech_type = key
        lines.append(
            f"  {pad(kind, 12)}{pad(speech_type, 16)}"
            f"{pad(str(docs[key]), 8, True)}{pad(str(chars[key]), 12, True)}"
        )
    total = sum(chars.values())
    lines.append(
        f"  {pad('合计', 28)}{pad(str(len(report.records)), 8, True)}{pad(str(total), 12, True)}"
    )
    return "\n".join(lines)


def _removed_table(report: BuildReport) -> str:
    total = sum(report.removed_by_category.values())
    lines = [f"删除的样板文字（共 {total} 处，原文保存在各记录的 removed 字段）："]
    for category, count in report.removed_by_category.most_common():
        label = CATEGORY_LABELS.get(category, category)
        lines.append(f"  {pad(label, 30)}{pad(str(count), 6, True)}")
    if not total:
        lines.append("  （无）")
    return "\n".join(lines)


def _skipped_table(report: BuildReport) -> str:
    lines = [f"跳过的文件（{len(report.skipped)} 个）："]
    column = min(max(width(s.source) for s in report.skipped) + 2, 48)
    lines.extend(f"  {pad(s.source, column)}{s.reason}" for s in report.skipped[:MAX_LISTED])
    return "\n".join(lines + _more(len(report.skipped)))


def _duplicates_table(report: BuildReport) -> str:
    lines = [f"重复文档（{len(report.duplicates)} 条，已标 duplicate_of，不作范例）："]
    lines.extend(
        f"  {d.record_id} → {d.original_id}（Jaccard {d.jaccard:.2f}，包含度 {d.containment:.2f}）"
        for d in report.duplicates[:MAX_LISTED]
    )
    return "\n".join(lines + _more(len(report.duplicates)))


def _more(count: int) -> list[str]:
    return [f"  ……另有 {count - MAX_LISTED} 条未列出"] if count > MAX_LISTED else []
