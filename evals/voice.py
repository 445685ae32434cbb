"""Does a draft speak in its speaker's voice? `jianggao eval voice`.

Writers are asked to write "the way our leader speaks". The voice set (evals/voice/) holds
speeches by two speakers of plainly different style and one brief drafted for each; the
recorded sessions (evals/recorded/voice_*.json) hold what a writer answering as the model
wrote when shown the service's real prompts, with the speaker's own speeches ranked first
as examples. Each session is replayed through the real pipeline, and the finished draft's
style is compared with each speaker's speeches on simple features:

- sentence length (characters between 。！？),
- share of four-character words (the 四字 phrases of a formal register),
- share of items introduced as 一要/二要 rather than 一是/二是,
- length of the top-level headings.

Each feature is scaled by its spread over the whole voice corpus; a draft is in its
speaker's voice when it is closer to its own speaker's mean than to the other's. The same
briefs drafted by the built-in drafter (which writes in no one's voice) are the peer.
"""

from __future__ import annotations

import asyncio
import math
import re
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pydantic import BaseModel

from service.config import PROJECT_ROOT, Settings
from service.corpus.build import build_corpus
from service.corpus.records import CorpusRecord
from service.knowledge.kit import Kit
from service.pipeline.pipeline import Draft, Pipeline
from service.resources import pipeline_for
from service.retrieval.index import CorpusIndex
from service.schemas import Brief
from service.testing.replay import Session, replay_draft
from service.text.structure import ITEM_MARKER, match_heading

VOICE_DIR = PROJECT_ROOT / "evals" / "voice"
RECORDED_DIR = PROJECT_ROOT / "evals" / "recorded"
FEATURES = ("sentence_chars", "four_char_words", "yao_items", "heading_chars")
FEATURE_LABELS = {
    "sentence_chars": "平均句长（字）",
    "four_char_words": "四字词占比",
    "yao_items": "“一要”式分条占比",
    "heading_chars": "一级标题平均字数",
}
_SENTENCE = re.compile(r"[^。！？\n]+[。！？]")
_CJK_WORD = re.compile(r"^[\u4e00-\u9fff]+$")


class Style(BaseModel):
    """A text's style features."""

    sentence_chars: float
    four_char_words: float
    yao_items: float
    heading_chars: float

    def value(self, name: str) -> float:
        return float(getattr(self, name))


def style_of(text: str, kit: Kit) -> Style:
    """The features of one text (an item style it never uses counts as half and half)."""
    sentences = _SENTENCE.findall(text)
    words = [w for w in kit.segmenter.tokens(text) if _CJK_WORD.match(w) and len(w) >= 2]
    items = [m.group(2) for m in ITEM_MARKER.finditer(text)]
    headings = [
        line[len(found.marker) :].strip()
        for line in text.split("\n")
        if (found := match_heading(line.strip())) is not None and found.style == "cn_dun"
    ]
    return Style(
        sentence_chars=statistics.fmean(len(s) for s in sentences) if sentences else 0.0,
        four_char_words=sum(len(w) == 4 for w in words) / len(words) if words else 0.0,
        yao_items=items.count("要") / len(items) if items else 0.5,
        heading_chars=statistics.fmean(len(h) for h in headings) if headings else 0.0,
    )


@dataclass(frozen=True)
class Profile:
    """A speaker's mean style over their speeches."""

    speaker: str
    speeches: int
    mean: Style


def _mean(styles: Sequence[Style]) -> Style:
    return Style(**{f: statistics.fmean(s.value(f) for s in styles) for f in FEATURES})


def _spread(styles: Sequence[Style]) -> dict[str, float]:
    """Each feature's standard deviation over the whole corpus (never zero)."""
    return {f: max(statistics.pstdev(s.value(f) for s in styles), 1e-6) for f in FEATURES}


def distance(style: Style, profile: Style, spread: dict[str, float]) -> float:
    """How far a style is from a profile, each feature in units of its corpus spread."""
    return math.sqrt(sum(((style.value(f) - profile.value(f)) / spread[f]) ** 2 for f in FEATURES))


class VoiceResult(BaseModel):
    """One draft against both speakers."""

    session: str
    drafter: str
    speaker: str
    style: Style
    own: float
    other: float
    closer_to_own: bool
    score: float
    passed: bool


class VoiceRun(BaseModel):
    """The whole report."""

    profiles: dict[str, Style]
    speeches: dict[str, int]
    results: list[VoiceResult]

    @property
    def model_in_voice(self) -> int:
        return sum(r.closer_to_own for r in self.results if r.drafter != "builtin")

    @property
    def model_drafts(self) -> int:
        return sum(r.drafter != "builtin" for r in self.results)


def speaker_of(record: CorpusRecord, names: Sequence[str]) -> str | None:
    """Which of the speakers a corpus speech is by (from its speaker line)."""
    line = record.meta.speaker or ""
    return next((name for name in names if name in line), None)


def load_sessions(folder: Path = RECORDED_DIR) -> list[Session]:
    """The recorded voice sessions, by name."""
    return [Session.load(path) for path in sorted(folder.glob("voice_*.json"))]


def run_voice(kit: Kit, settings: Settings, sessions: Sequence[Session]) -> VoiceRun:
    """Replay every session, draft its brief with the built-in drafter too, and compare."""
    records = build_corpus(VOICE_DIR / "corpus", None, kit.types, max_source_mb=20).records
    index = CorpusIndex.from_records(records, kit.segmenter)
    index.type_names = kit.types.names()
    names = sorted({str(s.brief.get("speaker_name")) for s in sessions})
    by_speaker = {
        name: [style_of(r.text, kit) for r in records if speaker_of(r, [name]) == name]
        for name in names
    }
    every = [style for styles in by_speaker.values() for style in styles]
    if len(names) < 2 or any(not styles for styles in by_speaker.values()):
        raise ValueError("语气评测需要两位讲话人各自的讲话和录制的起草会话")
    profiles = {name: _mean(styles) for name, styles in by_speaker.items()}
    spread = _spread(every)
    builtin, _ = pipeline_for(settings.model_copy(update={"drafter": "builtin"}), kit, index)
    results = []
    for session in sessions:
        speaker = str(session.brief["speaker_name"])
        draft, _missing = asyncio.run(replay_draft(session, kit, settings, index))
        results.append(_result(session.name, "replay", speaker, draft, profiles, spread, kit))
        plain = asyncio.run(_builtin(builtin, session))
        results.append(_result(session.name, "builtin", speaker, plain, profiles, spread, kit))
    counts = {name: len(styles) for name, styles in by_speaker.items()}
    return VoiceRun(profiles=profiles, speeches=counts, results=results)


async def _builtin(pipeline: Pipeline, session: Session) -> Draft:
    return await pipeline.draft(Brief.model_validate(session.brief))


def _result(
    session: str,
    drafter: str,
    speaker: str,
    draft: Draft,
    profiles: dict[str, Style],
    spread: dict[str, float],
    kit: Kit,
) -> VoiceResult:
    style = style_of(draft.text, kit)
    own = distance(style, profiles[speaker], spread)
    other = min(distance(style, p, spread) for name, p in profiles.items() if name != speaker)
    return VoiceResult(
        session=session,
        drafter=drafter,
        speaker=speaker,
        style=style,
        own=round(own, 3),
        other=round(other, 3),
        closer_to_own=own < other,
        score=draft.report.score,
        passed=draft.report.passed,
    )


def render_voice_markdown(run: VoiceRun) -> str:
    lines = [
        "# 讲话人语气（voice）",
        "",
        f"录制的模型草稿中，离本人讲话比离另一位更近的：{run.model_in_voice}/{run.model_drafts}。"
        "内置起草器不学语气，作对照。距离按每项特征在语料中的标准差折算。",
        "",
        "## 两位讲话人（语料）",
        "",
        "| 讲话人 | 篇数 | " + " | ".join(FEATURE_LABELS[f] for f in FEATURES) + " |",
        "|---|---|" + "---|" * len(FEATURES),
    ]
    for name, style in run.profiles.items():
        values = " | ".join(_shown(style.value(f)) for f in FEATURES)
        lines.append(f"| {name} | {run.speeches[name]} | {values} |")
    lines += [
        "",
        "## 草稿",
        "",
        "| 会话 | 起草 | 讲话人 | "
        + " | ".join(FEATURE_LABELS[f] for f in FEATURES)
        + " | 离本人 | 离另一位 | 更像本人 | 检查 |",
        "|---|---|---|" + "---|" * (len(FEATURES) + 4),
    ]
    for r in run.results:
        values = " | ".join(_shown(r.style.value(f)) for f in FEATURES)
        verdict = "是" if r.closer_to_own else "否"
        checked = f"{r.score:.2f} {'合格' if r.passed else '不合格'}"
        lines.append(
            f"| {r.session} | {r.drafter} | {r.speaker} | {values} | {r.own:.2f} | {r.other:.2f}"
            f" | {verdict} | {checked} |"
        )
    return "\n".join(lines) + "\n"


def render_voice_html(run: VoiceRun) -> str:
    from html import escape

    body = escape(render_voice_markdown(run))
    return (
        "<!doctype html><html lang='zh-CN'><head><meta charset='utf-8'><title>讲话人语气</title>"
        f"</head><body><pre>{body}</pre></body></html>"
    )


def _shown(value: float) -> str:
    return f"{value:.2f}" if value < 1 else f"{value:.1f}"
