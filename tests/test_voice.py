"""The speaker's voice: the voice set's two speakers differ on the measured features, and
the recorded drafts for each (replayed through the real pipeline) come closer to their own
speaker's speeches than to the other's."""

from __future__ import annotations

from pathlib import Path

from evals.voice import VOICE_DIR, Style, distance, load_sessions, run_voice, style_of
from service.config import Settings
from tests.kits import KIT


def _style(name: str) -> Style:
    return style_of((VOICE_DIR / "corpus" / name).read_text(encoding="utf-8"), KIT)


def test_the_two_speakers_differ_on_every_feature() -> None:
    a = [_style(f"a{n}.txt") for n in range(1, 5)]
    b = [_style(f"b{n}.txt") for n in range(1, 5)]
    assert min(s.sentence_chars for s in a) > 2 * max(s.sentence_chars for s in b)
    assert min(s.four_char_words for s in a) > max(s.four_char_words for s in b)
    assert min(s.yao_items for s in a) == 1.0 and max(s.yao_items for s in b) == 0.0
    assert min(s.heading_chars for s in a) > max(s.heading_chars for s in b)
    spread = {"sentence_chars": 1.0, "four_char_words": 1.0, "yao_items": 1.0, "heading_chars": 1}
    assert distance(a[0], a[0], spread) == 0.0 < distance(a[0], b[0], spread)


def test_recorded_drafts_speak_in_their_own_speakers_voice(tmp_path: Path) -> None:
    sessions = load_sessions()
    assert {s.brief["speaker_name"] for s in sessions} == {"周建国", "林晓"}
    run = run_voice(KIT, Settings(build_dir=tmp_path), sessions)
    replayed = [r for r in run.results if r.drafter == "replay"]
    assert len(replayed) == 2 and all(r.closer_to_own for r in replayed), replayed
    assert all(r.passed for r in replayed)
    assert run.model_in_voice == run.model_drafts == 2
