"""The Markdown summary of an eval run: distribution, failures by check, every document."""

from __future__ import annotations

from evals.harness import BINS, DocResult, EvalRun


def cell(text: str) -> str:
    """Text made safe for one Markdown table cell."""
    return text.replace("|", "\\|").replace("\n", " ")


def _bin_label(index: int) -> str:
    low, high = index / BINS, (index + 1) / BINS
    return f"{low:.1f}–{high:.1f}"


def _distribution(run: EvalRun) -> list[str]:
    s = run.summary
    lines = ["| 分数区间 | 篇数 |", "|---|---:|"]
    lines += [f"| {_bin_label(i)} | {n} |" for i, n in enumerate(s.histogram) if n]
    return lines


def _document_row(doc: DocResult) -> str:
    failed = "、".join(c.name for c in doc.failed) or "—"
    mark = "✓" if doc.passed else "✗"
    return (
        f"| {cell(doc.id)} | {doc.detected_kind} | {doc.speech_type or '—'} | {doc.chars} "
        f"| {doc.score:.2f} | {mark} | {failed} |"
    )


def render_markdown(run: EvalRun) -> str:
    """The whole summary as Markdown."""
    s = run.summary
    lines = [
        f"# 评测报告：{run.mode}（{run.source}）",
        "",
        f"- 语料文件 `{run.source}`（SHA-256 `{run.source_sha256[:16]}…`），共 {s.documents} 篇",
        f"- 讲话稿类 {s.speeches} 篇，合格 {s.speeches_passed} 篇（{s.pass_rate:.0%}）；"
        f"平均分 {s.mean_score:.3f}，中位数 {s.median_score:.3f}，"
        f"最低 {s.min_score:.3f}，最高 {s.max_score:.3f}",
        f"- 不是讲话稿的 {s.not_speech} 篇，其中与语料分类一致 {s.not_speech_recognised} 篇；"
        f"评分器与语料分类不一致 {s.kind_disagreements} 篇",
        f"- 合格标准：加权分 ≥ {run.pass_score}，且无权重 ≥ {run.blocking_weight} 的检查失败",
        "",
        "## 分数分布（讲话稿类）",
        "",
        *_distribution(run),
        "",
        "## 各检查项失败次数（讲话稿类）",
        "",
        "| 检查项 | 权重 | 失败篇数 |",
        "|---|---:|---:|",
    ]
    lines += [f"| {name} | {run.checks[name]} | {n} |" for name, n in s.failures_by_check.items()]
    if not s.failures_by_check:
        lines.append("| — | — | 0 |")
    lines += [
        "",
        "## 逐篇结果",
        "",
        "| 文档 | 识别类别 | 类型 | 字数 | 分数 | 合格 | 失败的检查 |",
        "|---|---|---|---:|---:|:---:|---|",
        *(_document_row(doc) for doc in run.documents),
        "",
        "## 说明",
        "",
    ]
    for doc in run.documents:
        lines.append(f"- **{cell(doc.id)}**（{cell(doc.title)}）：{cell(doc.verdict)}")
        if doc.diagnosis:
            lines.append(f"  - 判断：{cell(doc.diagnosis)}")
        lines += [f"  - 语料构建记录：{cell(flag)}" for flag in doc.flags]
    return "\n".join(lines) + "\n"
