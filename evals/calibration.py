"""The calibration set: does the scorer tell a strong speech from a hollow one?

Strong texts: the speeches written with care for `evals/calibration/strong` (each with
the brief it answers) and the complete speeches of the reading set (no brief). Hollow
texts: the built-in drafter's drafts as it wrote them before it learned substance
(`evals/calibration/hollow`, with their briefs), and, made by code from every strong
text with two or more points, five spoiled copies a writer would throw away: headings
swapped between parts, sub-points moved under a wrong heading, a paragraph of another
field's work put in, stock filler padding every part, and one fact of the brief told again
in every part.

`run_calibration` scores them all and reports how well the score separates the groups
(ROC AUC) and how many of each pass.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from evals.reading import load_reading_cases
from evals.report_html import STYLE
from service.config import PROJECT_ROOT
from service.corpus.reader import read_document
from service.errors import JianggaoError
from service.knowledge.kit import Kit
from service.pipeline.judge import Judge
from service.schemas import Brief
from service.scoring import Scorer
from service.scoring.context import Context
from service.scoring.substance import MARKER, Substance
from service.text.structure import ParsedSpeech

CALIBRATION_DIR = PROJECT_ROOT / "evals" / "calibration"
TARGET_AUC = 0.95
TARGET_HOLLOW_PASS = 0.05
TARGET_STRONG_PASS = 0.90
SPEECH_KINDS = ("speech", "presiding", "pledge", "address")
MIN_READING_CHARS = 400
_ENUM = re.compile(r"(?:^|(?<=[。；！？]))(?=[一二三四五六七八九十]+[是要](?![否非]))")
_FILLER_GROUPS = (("points", "body"), ("points", "support"))
PADDING = 0.5  # stock filler adds this share of a part's length
MIN_MOVED = 12


@dataclass(frozen=True)
class Sample:
    """One labelled text: strong or hollow, where it comes from, its brief if it has one."""

    id: str
    label: str
    origin: str
    text: str
    brief: Brief | None


class SampleResult(BaseModel):
    id: str
    label: str
    origin: str
    score: float
    substance_score: float
    passed: bool
    failed: list[str]


class Group(BaseModel):
    name: str
    samples: int
    passed: int
    share: float


class JudgeAgreement(BaseModel):
    """How the model's review separates the same texts (mean score over the five aspects)."""

    model: str
    judged: int
    failed: int
    auc: float


class CalibrationRun(BaseModel):
    """A whole run, as the JSON report holds it."""

    schema_: str = Field("jianggao.eval/1", alias="schema")
    mode: str = "calibration"
    auc: float
    strong_pass: float
    hollow_pass: float
    targets: dict[str, float]
    met: bool
    groups: list[Group]
    failed_checks: dict[str, dict[str, int]]
    results: list[SampleResult]
    judge: JudgeAgreement | None = None

    model_config = ConfigDict(populate_by_name=True)


def load_pairs(folder: Path, label: str, origin: str) -> list[Sample]:
    """The .txt files of a folder with the .json brief beside each (if any)."""
    samples = []
    for path in sorted(folder.glob("*.txt")):
        brief_path = path.with_suffix(".json")
        brief = (
            Brief.model_validate_json(brief_path.read_text(encoding="utf-8"))
            if brief_path.exists()
            else None
        )
        samples.append(Sample(path.stem, label, origin, path.read_text(encoding="utf-8"), brief))
    return samples


def reading_speeches(kit: Kit) -> list[Sample]:
    """The complete speeches of the reading set, as the reader cleans them."""
    samples = []
    for case in load_reading_cases():
        expect = case.expect
        if expect.kind not in SPEECH_KINDS or expect.cut_short or expect.points < 2:
            continue
        reading = read_document(case.text, kit.types)
        text = "\n".join(reading.parsed.lines)
        if len(text) >= MIN_READING_CHARS:
            samples.append(Sample(case.id, "strong", "reading", text, None))
    return samples


def load_samples(kit: Kit, folder: Path = CALIBRATION_DIR) -> list[Sample]:
    """Every strong text, the frozen drafter drafts, and the spoiled copies of the strong."""
    strong = load_pairs(folder / "strong", "strong", "written") + reading_speeches(kit)
    hollow = load_pairs(folder / "hollow", "hollow", "drafter")
    # Only a text with its brief is spoiled: what a part should say is the brief's point.
    spoiled = [copy for sample in strong if sample.brief for copy in spoil(sample, kit)]
    if not strong or not hollow:
        raise ValueError(f"{folder} 下缺少 strong 或 hollow 文本")
    return [*strong, *hollow, *spoiled]


def spoil(sample: Sample, kit: Kit) -> list[Sample]:
    """The five spoiled copies of a strong text with two or more points (fewer if a way
    of spoiling does not apply)."""
    parsed = read_document(sample.text, kit.types).parsed
    if len(parsed.points) < 2:
        return []
    copies = []
    for origin, make in SPOILERS.items():
        text = make(parsed, sample, kit)
        if text is not None and text != "\n".join(parsed.lines):
            copies.append(Sample(f"{sample.id}-{origin}", "hollow", origin, text, sample.brief))
    return copies


def swap_headings(parsed: ParsedSpeech, sample: Sample, kit: Kit) -> str | None:
    """The headings of the first two parts exchanged, their numbers kept."""
    lines = list(parsed.lines)
    first, second = parsed.points[0], parsed.points[1]
    one, two = _heading_words(first.heading), _heading_words(second.heading)
    if not one or not two or one == two:
        return None
    lines[first.line] = lines[first.line].replace(one, "\0", 1).replace("\0", two)
    lines[second.line] = lines[second.line].replace(two, "\0", 1).replace("\0", one)
    return "\n".join(lines)


def move_subpoints(parsed: ParsedSpeech, sample: Sample, kit: Kit) -> str | None:
    """A sub-point of each of the first two parts put under the other's heading: the last
    one that uses a fact of the brief (the content that belongs to its heading), else the
    last one."""
    text = "\n".join(parsed.lines)
    measures = Context(text=text, kit=kit, brief=sample.brief, draft=True).substance
    picked = [_subpoint_to_move(measures, part) for part in (0, 1)]
    if picked[0] is None or picked[1] is None:
        return None
    (line_a, text_a), (line_b, text_b) = picked[0], picked[1]
    if line_a == line_b:
        return None
    lines = list(parsed.lines)
    lines[line_a] = lines[line_a].replace(text_a, "\0", 1)
    lines[line_b] = lines[line_b].replace(text_b, text_a, 1)
    lines[line_a] = lines[line_a].replace("\0", text_b, 1)
    return "\n".join(lines)


def _subpoint_to_move(measures: Substance, part: int) -> tuple[int, str] | None:
    units = [u for u in measures.units if u.part == part and len(u.text) >= MIN_MOVED]
    if not units:
        return None
    sourced = [u for u in units if measures.source_of(u) is not None]
    unit = (sourced or units)[-1]
    return unit.line, MARKER.sub("", unit.text)


def insert_foreign(parsed: ParsedSpeech, sample: Sample, kit: Kit) -> str | None:
    """A paragraph of another field's work put into the second part."""
    home = kit.domains.place(sample.text)
    near = {home[0].domain.key, *home[0].domain.related} if home else set()
    others = [d for d in kit.domains.all if d.key not in near and d.sentences.items]
    if not others:
        return None
    domain = others[_seed(sample.id) % len(others)]
    sentences = [*domain.sentences.items[:2], *domain.sentences.support[:2]]
    lines = list(parsed.lines)
    at = parsed.points[1].line + 1
    lines.insert(at, "".join(sentences))
    return "\n".join(lines)


def pad_filler(parsed: ParsedSpeech, sample: Sample, kit: Kit) -> str | None:
    """Every part made half as long again with stock sentences that fit any speech."""
    filler = [
        entry
        for role, group in _FILLER_GROUPS
        for entry in kit.phrasebank.role(role).group(group)
        if "{" not in entry
    ]
    if not filler:
        return None
    lines = list(parsed.lines)
    start = _seed(sample.id)
    ends = [p.line for p in parsed.points[1:]] + [_closing_start(parsed)]
    taken = 0
    for end, point in zip(ends, parsed.points, strict=True):
        body = sum(len(lines[i]) for i in range(point.line, end))
        added = ""
        while len(added) < PADDING * body:
            added += filler[(start + taken) % len(filler)]
            taken += 1
        lines[end - 1] += added
    return "\n".join(lines)


def restate_facts(parsed: ParsedSpeech, sample: Sample, kit: Kit) -> str | None:
    """The brief's first problem (else achievement) told again at the head of every part and
    in the closing, as a model drafting part by part restates the opening's facts."""
    brief = sample.brief
    facts = (brief.problems or brief.achievements) if brief else []
    if not facts:
        return None
    told = facts[0].rstrip("。；，") + "。"
    lines = list(parsed.lines)
    for point in parsed.points:
        at = point.line + 1 if point.line + 1 < len(lines) else point.line
        lines[at] = told + lines[at]
    closing = _closing_start(parsed)
    if closing < len(lines):
        lines[closing] = told + lines[closing]
    return "\n".join(lines)


SPOILERS: dict[str, Callable[[ParsedSpeech, Sample, Kit], str | None]] = {
    "swapped": swap_headings,
    "moved": move_subpoints,
    "foreign": insert_foreign,
    "padded": pad_filler,
    "restated": restate_facts,
}


def _heading_words(heading: str) -> str:
    words = MARKER.sub("", heading.strip())
    return re.split(r"[。；]", words, maxsplit=1)[0].strip()


def _closing_start(parsed: ParsedSpeech) -> int:
    if parsed.closing:
        return len(parsed.lines) - len(parsed.closing.split("\n"))
    return len(parsed.lines)


def _seed(text: str) -> int:
    return int(hashlib.sha256(text.encode("utf-8")).hexdigest()[:8], 16)


def roc_auc(strong: Sequence[float], hollow: Sequence[float]) -> float:
    """Probability that a strong text ranks above a hollow one (ties count half)."""
    if not strong or not hollow:
        return 0.0
    wins = sum(1.0 if s > h else 0.5 if s == h else 0.0 for s in strong for h in hollow)
    return round(wins / (len(strong) * len(hollow)), 4)


def run_calibration(
    samples: Sequence[Sample], kit: Kit, progress: Callable[[int, int], None] | None = None
) -> CalibrationRun:
    """Score every sample (as a draft when it has a brief) and measure the separation."""
    scorer = Scorer(kit)
    results = []
    for done, sample in enumerate(samples, start=1):
        report = scorer.score(sample.text, brief=sample.brief)
        results.append(
            SampleResult(
                id=sample.id,
                label=sample.label,
                origin=sample.origin,
                score=report.score,
                substance_score=report.substance_score,
                passed=report.passed,
                failed=[c.name for c in report.failed],
            )
        )
        if progress is not None:
            progress(done, len(samples))
    strong = [r for r in results if r.label == "strong"]
    hollow = [r for r in results if r.label == "hollow"]
    auc = roc_auc([_rank(r) for r in strong], [_rank(r) for r in hollow])
    strong_pass = _pass_share(strong)
    hollow_pass = _pass_share(hollow)
    return CalibrationRun(
        auc=auc,
        strong_pass=strong_pass,
        hollow_pass=hollow_pass,
        targets={
            "auc": TARGET_AUC,
            "hollow_pass": TARGET_HOLLOW_PASS,
            "strong_pass": TARGET_STRONG_PASS,
        },
        met=auc >= TARGET_AUC
        and hollow_pass <= TARGET_HOLLOW_PASS
        and strong_pass >= TARGET_STRONG_PASS,
        groups=_groups(results),
        failed_checks=_failed_checks(results),
        results=results,
    )


async def judge_agreement(samples: Sequence[Sample], judge: Judge) -> JudgeAgreement:
    """The model's review of every sample (as many at once as the client allows) and how
    well its mean score separates strong from hollow."""

    async def one(sample: Sample) -> float | None:
        if sample.brief is None:
            return None  # the review reads the brief; reading-set texts have none
        try:
            review = await judge.review(sample.brief, sample.text)
        except JianggaoError:
            return -1.0
        return review.overall

    found = await asyncio.gather(*(one(s) for s in samples))
    scored = [(s, r) for s, r in zip(samples, found, strict=True) if r is not None and r >= 0]
    strong = [r for s, r in scored if s.label == "strong"]
    hollow = [r for s, r in scored if s.label == "hollow"]
    return JudgeAgreement(
        model=judge.client.model,
        judged=len(scored),
        failed=sum(1 for r in found if r is not None and r < 0),
        auc=roc_auc(strong, hollow),
    )


def _rank(result: SampleResult) -> float:
    """How a user reads a report: its verdict first, then what its substance checks say,
    then the whole score."""
    return 10.0 * result.passed + result.substance_score + 0.01 * result.score


def _pass_share(results: Sequence[SampleResult]) -> float:
    return round(sum(r.passed for r in results) / len(results), 4) if results else 0.0


def _groups(results: Sequence[SampleResult]) -> list[Group]:
    names = sorted({(r.label, r.origin) for r in results}, key=lambda x: (x[0] != "strong", x[1]))
    groups = []
    for label, origin in names:
        members = [r for r in results if (r.label, r.origin) == (label, origin)]
        passed = sum(r.passed for r in members)
        groups.append(
            Group(
                name=f"{label}/{origin}",
                samples=len(members),
                passed=passed,
                share=round(passed / len(members), 4),
            )
        )
    return groups


def _failed_checks(results: Sequence[SampleResult]) -> dict[str, dict[str, int]]:
    """For each group, how often each check failed."""
    table: dict[str, Counter[str]] = {}
    for result in results:
        table.setdefault(f"{result.label}/{result.origin}", Counter()).update(result.failed)
    return {group: dict(counts.most_common()) for group, counts in sorted(table.items())}


def render_calibration_markdown(run: CalibrationRun) -> str:
    lines = [
        "# 评分校准（calibration）",
        "",
        "好稿（用心写的讲话、读稿集里完整的讲话）与空稿（旧版内置起草器的草稿，以及把好稿"
        "标题互换、条目挪错、插入别的领域的段落、用套话凑篇幅、每部分重讲同一条简报事实）各自的评分：分数能否把两者分开。",
        "",
        "| 指标 | 结果 | 目标 | 达标 |",
        "|---|---|---|---|",
        f"| ROC AUC | {run.auc:.3f} | ≥ {TARGET_AUC} | {_yes(run.auc >= TARGET_AUC)} |",
        f"| 空稿合格率 | {run.hollow_pass:.1%} | ≤ {TARGET_HOLLOW_PASS:.0%} | "
        f"{_yes(run.hollow_pass <= TARGET_HOLLOW_PASS)} |",
        f"| 好稿合格率 | {run.strong_pass:.1%} | ≥ {TARGET_STRONG_PASS:.0%} | "
        f"{_yes(run.strong_pass >= TARGET_STRONG_PASS)} |",
        "",
        "## 分组",
        "",
        "| 组 | 篇数 | 合格 | 合格率 | 最常不过的检查 |",
        "|---|---|---|---|---|",
    ]
    for group in run.groups:
        common = ", ".join(
            f"{name}×{count}"
            for name, count in list(run.failed_checks.get(group.name, {}).items())[:4]
        )
        counts = f"{group.samples} | {group.passed} | {group.share:.1%}"
        lines.append(f"| {group.name} | {counts} | {common or '—'} |")
    if run.judge is not None:
        j = run.judge
        lines += [
            "",
            f"模型评审（{j.model}）：评了 {j.judged} 篇（失败 {j.failed} 篇），"
            f"按五项均分区分好稿与空稿的 ROC AUC 为 {j.auc:.3f}。",
        ]
    wrong = [r for r in run.results if r.passed == (r.label == "hollow")]
    lines += ["", "## 判错的文本", ""]
    lines += [
        f"- {r.id}（{r.label}/{r.origin}）：{r.score:.2f}，"
        f"{'合格' if r.passed else '不合格'}；未通过：{', '.join(r.failed) or '无'}"
        for r in wrong
    ] or ["无"]
    return "\n".join(lines) + "\n"


def render_calibration_html(run: CalibrationRun) -> str:
    rows = "".join(
        f"<tr class='{'pass' if g.share >= 0.5 else 'fail'}'><td>{escape(g.name)}</td>"
        f"<td class='num'>{g.samples}</td><td class='num'>{g.passed}</td>"
        f"<td class='num'>{g.share:.1%}</td></tr>"
        for g in run.groups
    )
    wrong = "".join(
        f"<li>{escape(r.id)}（{escape(r.label)}/{escape(r.origin)}）：{r.score:.2f}；"
        f"未通过：{escape(', '.join(r.failed) or '无')}</li>"
        for r in run.results
        if r.passed == (r.label == "hollow")
    )
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'>"
        f"<title>评分校准</title><style>{STYLE}</style></head><body>"
        "<h1>评分校准（calibration）</h1>"
        f"<p>ROC AUC {run.auc:.3f}（目标 ≥ {TARGET_AUC}）；空稿合格率 {run.hollow_pass:.1%}"
        f"（目标 ≤ {TARGET_HOLLOW_PASS:.0%}）；好稿合格率 {run.strong_pass:.1%}"
        f"（目标 ≥ {TARGET_STRONG_PASS:.0%}）</p>"
        "<table><tr><th>组</th><th>篇数</th><th>合格</th><th>合格率</th></tr>"
        f"{rows}</table><h2>判错的文本</h2><ul>{wrong or '<li>无</li>'}</ul></body></html>"
    )


def _yes(flag: bool) -> str:
    return "是" if flag else "否"
