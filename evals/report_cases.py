"""Markdown and self-contained HTML reports of a `cases` run: every case, every assertion."""

from __future__ import annotations

from html import escape

from evals.cases import CaseResult, CasesRun
from evals.report_html import STYLE
from evals.report_md import cell


def _mark(passed: bool) -> str:
    return "✓" if passed else "✗"


def _drafter(run: CasesRun) -> str:
    return f"{run.drafter}（{run.model}）" if run.model else run.drafter


def _facts(run: CasesRun) -> list[str]:
    s = run.summary
    scores = s.scores
    failures = "、".join(f"{name} {n}" for name, n in s.failures_by_type.items()) or "无"
    known = f"，其中已知问题 {s.known_failures} 个" if s.known_failures else ""
    fixed = (
        f"；标为已知问题却通过 {s.known_failures_passed} 个（已修复？请去掉标记）"
        if s.known_failures_passed
        else ""
    )
    return [
        f"用例 {s.cases} 个，通过 {s.cases_passed} 个（{s.pass_rate:.0%}）；"
        f"未通过 {s.cases - s.cases_passed} 个{known}{fixed}；"
        f"断言 {s.assertions} 条，通过 {s.assertions_passed} 条",
        f"起草器：{_drafter(run)}；用例目录 {run.source}（SHA-256 {run.source_sha256[:16]}…）",
        f"草稿评分：合格 {scores.speeches_passed}/{scores.speeches}，平均 {scores.mean_score:.3f}，"
        f"最低 {scores.min_score:.3f}（合格标准：加权分 ≥ {run.pass_score}，"
        f"且无权重 ≥ {run.blocking_weight} 的检查失败）",
        f"未通过的断言（按类型）：{failures}",
    ]


def _score(case: CaseResult) -> str:
    doc = case.document
    return f"{doc.score:.2f}" if doc else "—"


def _outcome(case: CaseResult) -> str:
    if case.known_failure:
        return f"{_mark(case.passed)}（已知问题）"
    return _mark(case.passed)


def _case_row(case: CaseResult) -> str:
    doc = case.document
    passed = sum(a.passed for a in case.assertions)
    return (
        f"| {cell(case.id)} | {case.speech_type} | {doc.chars if doc else '—'} | {_score(case)} "
        f"| {passed}/{len(case.assertions)} | {_outcome(case)} |"
    )


def _case_details(case: CaseResult) -> list[str]:
    lines = [f"### {_mark(case.passed)} {cell(case.id)}：{cell(case.description)}", ""]
    if case.known_failure:
        lines += [f"> 已知问题：{cell(case.known_failure)}", ""]
    if case.error:
        lines += [f"- ✗ {cell(case.error)}", ""]
    lines += [f"- {_mark(a.passed)} {cell(a.label)}：{cell(a.reason)}" for a in case.assertions]
    if case.document is not None:
        lines.append(f"- 评分器：{cell(case.document.verdict)}")
    if case.examples:
        lines.append(f"- 参考范文：{'、'.join(case.examples)}")
    return [*lines, ""]


def render_cases_markdown(run: CasesRun) -> str:
    """The whole `cases` report as Markdown."""
    lines = [
        f"# 评测报告：cases（{run.source}）",
        "",
        *(f"- {fact}" for fact in _facts(run)),
        "",
        "## 用例一览",
        "",
        "| 用例 | 类型 | 字数 | 评分 | 断言通过 | 结果 |",
        "|---|---|---:|---:|---:|:---:|",
        *(_case_row(case) for case in run.cases),
        "",
        "## 逐条断言",
        "",
    ]
    for case in run.cases:
        lines += _case_details(case)
    return "\n".join(lines)


def _html_assertions(case: CaseResult) -> str:
    items = [f"<li class=fail>✗ {escape(case.error)}</li>"] if case.error else []
    if case.known_failure:
        items.append(f"<li><b>已知问题</b>：{escape(case.known_failure)}</li>")
    items += [
        f'<li class="{"pass" if a.passed else "fail"}">{_mark(a.passed)} <b>{escape(a.label)}</b>'
        f"：{escape(a.reason)}</li>"
        for a in case.assertions
    ]
    if case.document is not None:
        items.append(f"<li>评分器：{escape(case.document.verdict)}</li>")
    return f"<ul class=facts>{''.join(items)}</ul>"


def _html_row(case: CaseResult) -> str:
    doc = case.document
    passed = sum(a.passed for a in case.assertions)
    css = "pass" if case.passed else "fail"
    return (
        f'<tr class="{css}"><td>{escape(case.id)}<br><small>{escape(case.description)}</small></td>'
        f"<td>{escape(case.speech_type)}</td><td class=num>{doc.chars if doc else '—'}</td>"
        f"<td class=num>{_score(case)}</td><td class=num>{passed}/{len(case.assertions)}</td>"
        f'<td class="mark">{_outcome(case)}</td>'
        f"<td><details{'' if case.passed else ' open'}><summary>断言</summary>"
        f"{_html_assertions(case)}</details></td></tr>"
    )


_COLUMNS = ("用例", "类型", "字数", "评分", "断言通过", "结果", "详情")
_HEADER = "".join(f"<th>{h}</th>" for h in _COLUMNS)
_EXTRA_STYLE = "li.fail{color:#b00020}li.pass{color:#1b7f3a}"


def render_cases_html(run: CasesRun) -> str:
    """The whole `cases` report as one HTML page: inline CSS, no script, no external file."""
    facts = "".join(f"<li>{escape(fact)}</li>" for fact in _facts(run))
    rows = "".join(_html_row(case) for case in run.cases)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>评测报告：cases（{escape(run.source)}）</title><style>{STYLE}{_EXTRA_STYLE}</style></head>
<body>
<h1>评测报告：cases（{escape(run.source)}）</h1>
<ul class=facts>{facts}</ul>
<h2>用例与断言</h2>
<table><tr>{_HEADER}</tr>
{rows}</table>
</body></html>
"""
