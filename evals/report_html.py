"""A self-contained HTML page of an eval run: inline CSS, an inline SVG histogram, one table."""

from __future__ import annotations

from html import escape

from evals.harness import BINS, DocResult, EvalRun

STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2rem;color:#222}
body{max-width:72rem}
h1{font-size:1.4rem}h2{font-size:1.15rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}
th,td{border:1px solid #ccc;padding:.3rem .5rem;vertical-align:top;text-align:left}
th{background:#f3f3f3}td.num{text-align:right}
tr.fail td.mark{color:#b00020;font-weight:bold}tr.pass td.mark{color:#1b7f3a;font-weight:bold}
tr.other td{color:#666}
details summary{cursor:pointer}ul.facts li{margin:.2rem 0}
"""
_WIDTH, _HEIGHT, _PAD = 560, 220, 30


def _svg_histogram(counts: list[int]) -> str:
    """Bars of the score distribution, drawn as SVG; no script, no external file."""
    peak = max(counts) or 1
    bar = (_WIDTH - 2 * _PAD) / BINS
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_WIDTH}" height="{_HEIGHT}" '
        f'role="img" aria-label="分数分布直方图">',
        f'<line x1="{_PAD}" y1="{_HEIGHT - _PAD}" x2="{_WIDTH - _PAD}" y2="{_HEIGHT - _PAD}" '
        'stroke="#444"/>',
    ]
    for index, count in enumerate(counts):
        height = (_HEIGHT - 2 * _PAD) * count / peak
        x = _PAD + index * bar
        y = _HEIGHT - _PAD - height
        parts.append(
            f'<rect x="{x + 2:.1f}" y="{y:.1f}" width="{bar - 4:.1f}" height="{height:.1f}" '
            f'fill="#3f6fb5"><title>{index / BINS:.1f}–{(index + 1) / BINS:.1f}：{count} 篇'
            "</title></rect>"
        )
        if count:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{y - 4:.1f}" font-size="11" '
                f'text-anchor="middle">{count}</text>'
            )
        parts.append(
            f'<text x="{x:.1f}" y="{_HEIGHT - _PAD + 14}" font-size="10">{index / BINS:.1f}</text>'
        )
    parts.append(
        f'<text x="{_WIDTH - _PAD:.1f}" y="{_HEIGHT - _PAD + 14}" font-size="10">1.0</text></svg>'
    )
    return "".join(parts)


def _headline(doc: DocResult) -> str:
    """The judgement when there is one (cut-short source, not a speech), else the verdict."""
    text = doc.diagnosis or doc.verdict
    return text if len(text) <= 80 else text[:80] + "…"


def _row(doc: DocResult) -> str:
    speech = doc.detected_kind in ("speech", "presiding", "pledge", "address")
    css = ("pass" if doc.passed else "fail") if speech else "other"
    failed = "".join(
        f"<li><b>{escape(c.name)}</b>（权重{c.weight}）：{escape(c.detail)}</li>"
        for c in doc.failed
    )
    flags = "".join(f"<li>{escape(flag)}</li>" for flag in doc.flags)
    if doc.diagnosis:
        failed += f"<li><b>判断</b>：{escape(doc.diagnosis)}</li>"
    details = (
        f"<details><summary>{escape(_headline(doc))}</summary>"
        f"<ul class=facts>{failed}</ul><p>语料构建记录：</p><ul class=facts>{flags}</ul></details>"
    )
    return (
        f'<tr class="{css}"><td>{escape(doc.id)}<br><small>{escape(doc.title)}</small></td>'
        f"<td>{escape(doc.detected_kind)}</td><td>{escape(doc.speech_type or '—')}</td>"
        f'<td class="num">{doc.chars}</td><td class="num">{doc.score:.2f}</td>'
        f'<td class="mark">{"✓" if doc.passed else "✗"}</td><td>{details}</td></tr>'
    )


_HEADER = "".join(
    f"<th>{h}</th>" for h in ("文档", "识别类别", "类型", "字数", "分数", "合格", "说明")
)


def _facts(run: EvalRun) -> str:
    s = run.summary
    facts = [
        f"共 {s.documents} 篇；讲话稿类 {s.speeches} 篇，合格 {s.speeches_passed} 篇"
        f"（{s.pass_rate:.0%}）",
        f"平均分 {s.mean_score:.3f}，中位数 {s.median_score:.3f}，"
        f"最低 {s.min_score:.3f}，最高 {s.max_score:.3f}",
        f"不是讲话稿 {s.not_speech} 篇（与语料分类一致 {s.not_speech_recognised} 篇）；"
        f"分类不一致 {s.kind_disagreements} 篇",
        f"合格标准：加权分 ≥ {run.pass_score}，且无权重 ≥ {run.blocking_weight} 的检查失败",
        f"语料 {escape(run.source)}，SHA-256：<code>{escape(run.source_sha256)}</code>",
    ]
    return "".join(f"<li>{fact}</li>" for fact in facts)


def render_html(run: EvalRun) -> str:
    """The whole page."""
    s = run.summary
    failures = "".join(
        f"<tr><td>{escape(name)}</td><td class=num>{run.checks[name]}</td>"
        f"<td class=num>{count}</td></tr>"
        for name, count in s.failures_by_check.items()
    )
    failures = failures or "<tr><td colspan=3>无</td></tr>"
    rows = "".join(_row(doc) for doc in run.documents)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>评测报告：{escape(run.mode)}（{escape(run.source)}）</title><style>{STYLE}</style></head>
<body>
<h1>评测报告：{escape(run.mode)}（{escape(run.source)}）</h1>
<ul class=facts>{_facts(run)}</ul>
<h2>分数分布（讲话稿类）</h2>
{_svg_histogram(s.histogram)}
<h2>各检查项失败次数</h2>
<table><tr><th>检查项</th><th>权重</th><th>失败篇数</th></tr>{failures}</table>
<h2>逐篇结果</h2>
<table><tr>{_HEADER}</tr>
{rows}</table>
</body></html>
"""
