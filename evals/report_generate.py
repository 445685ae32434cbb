"""Markdown and self-contained HTML reports of a `generate` (leave-one-out) run."""

from __future__ import annotations

from html import escape

from evals.generate import GeneratedDoc, GenerateRun
from evals.report_html import STYLE
from evals.report_md import cell


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _drafter(run: GenerateRun) -> str:
    return f"{run.drafter}（{run.model}）" if run.model else run.drafter


def _facts(run: GenerateRun) -> list[str]:
    s = run.summary
    scores = s.scores
    return [
        f"语料 {run.source}（SHA-256 {run.source_sha256[:16]}…）共 {s.documents} 篇："
        f"重新起草 {s.drafted} 篇，跳过 {s.skipped} 篇，起草失败 {s.failed} 篇；"
        f"起草器 {_drafter(run)}",
        f"字符级 ROUGE-L F1：平均 {_figure(s.mean_rouge_l)}，中位数 {_figure(s.median_rouge_l)}；"
        f"对照（原文与起草时所见最相近范文）平均 {_figure(s.mean_nearest_example_rouge_l)}",
        f"小标题重合度（原文每个小标题与草稿最相近小标题的 ROUGE-L F1 之平均）："
        f"{_figure(s.mean_heading_overlap)}；原文小标题 {s.headings} 个，"
        f"草稿中有对应（≥0.5）{s.headings_matched} 个",
        f"草稿评分：合格 {scores.speeches_passed}/{scores.speeches}，平均 {scores.mean_score:.3f}，"
        f"最低 {scores.min_score:.3f}",
        "留一法：起草每篇时，同一来源文件的全部记录都不参与检索，不会作为范文出现",
    ]


def _row(doc: GeneratedDoc) -> list[str]:
    report = doc.document
    failed = "、".join(c.name for c in report.failed) if report else (doc.error or "—")
    return [
        doc.id,
        doc.speech_type,
        str(doc.original_chars),
        str(report.chars) if report else "—",
        f"{report.score:.2f}" if report else "—",
        _figure(doc.rouge_l),
        _figure(doc.nearest_example_rouge_l),
        _figure(doc.heading_overlap),
        failed or "—",
    ]


_COLUMNS = (
    "文档", "类型", "原文字数", "草稿字数", "评分", "ROUGE-L", "最相近范文", "小标题重合",
    "未通过的检查",
)  # fmt: skip


def _brief_line(doc: GeneratedDoc) -> str:
    brief = doc.brief
    derived = "，".join(f"{k}取自{v}" for k, v in doc.derived_from.items())
    counts = (
        f"要点 {len(brief.get('points', []))} 个，议程 {len(brief.get('agenda', []))} 项，"
        f"必用提法 {len(brief.get('required_phrases', []))} 条，目标 {brief.get('target_chars')} 字"
    )
    return (
        f"- 简报（由原文推出，{derived}）：会议“{cell(str(brief.get('meeting')))}”，"
        f"讲话人“{cell(str(brief.get('speaker')))}”，{counts}"
    )


def _details(doc: GeneratedDoc) -> list[str]:
    lines = [
        f"### {cell(doc.id)}（{cell(doc.title)}）",
        "",
        _brief_line(doc),
        f"- 检索时排除：{'、'.join(doc.excluded)}；实际参考范文：{'、'.join(doc.examples) or '无'}",
        f"- ROUGE-L：P {_figure(doc.rouge_l_precision)}，R {_figure(doc.rouge_l_recall)}，"
        f"F1 {_figure(doc.rouge_l)}",
    ]
    lines += [
        f"- 小标题 {'✓' if h.matched else '✗'} “{cell(h.original)}” → "
        f"“{cell(h.best or '无')}”（{h.similarity:.2f}）"
        for h in doc.headings
    ]
    if doc.document is not None:
        lines.append(f"- 评分器：{cell(doc.document.verdict)}")
    return [*lines, ""]


def render_generate_markdown(run: GenerateRun) -> str:
    """The whole `generate` report as Markdown."""
    lines = [f"# 评测报告：generate（{run.source}）", "", *(f"- {f}" for f in _facts(run)), ""]
    lines += ["## 逐篇结果", "", "| " + " | ".join(_COLUMNS) + " |"]
    lines.append("|---|---|---:|---:|---:|---:|---:|---:|---|")
    lines += ["| " + " | ".join(cell(v) for v in _row(doc)) + " |" for doc in run.documents]
    lines += ["", "## 说明", ""]
    for doc in run.documents:
        lines += _details(doc)
    lines += [f"- 跳过 {cell(s.id)}：{cell(s.reason)}" for s in run.skipped]
    return "\n".join(lines) + "\n"


def _html_row(doc: GeneratedDoc) -> str:
    values = _row(doc)
    cells = [f"<td>{escape(values[0])}<br><small>{escape(doc.title)}</small></td>"]
    cells.append(f"<td>{escape(values[1])}</td>")
    cells += [f"<td class=num>{escape(v)}</td>" for v in values[2:8]]
    details = "".join(f"<li>{escape(line[2:])}</li>" for line in _details(doc)[2:] if line)
    cells.append(
        f"<td>{escape(values[8])}<details><summary>详情</summary>"
        f"<ul class=facts>{details}</ul></details></td>"
    )
    return f"<tr>{''.join(cells)}</tr>"


def render_generate_html(run: GenerateRun) -> str:
    """The whole `generate` report as one HTML page: inline CSS, no script, no external file."""
    facts = "".join(f"<li>{escape(fact)}</li>" for fact in _facts(run))
    header = "".join(f"<th>{escape(c)}</th>" for c in _COLUMNS)
    rows = "".join(_html_row(doc) for doc in run.documents)
    skipped = "".join(f"<li>{escape(s.id)}：{escape(s.reason)}</li>" for s in run.skipped)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>评测报告：generate（{escape(run.source)}）</title><style>{STYLE}</style></head>
<body>
<h1>评测报告：generate（{escape(run.source)}）</h1>
<ul class=facts>{facts}</ul>
<h2>逐篇结果</h2>
<table><tr>{header}</tr>
{rows}</table>
<h2>跳过的记录</h2>
<ul class=facts>{skipped or "<li>无</li>"}</ul>
</body></html>
"""
