"""Near-duplicate detection on real seed text: copies, cut-short copies, quotes, unrelated texts."""

from __future__ import annotations

from service.corpus.dedup import ShingleIndex, shingles
from tests.conftest import SEEDS_DIR

SEED_001 = (SEEDS_DIR / "001_96dd786780a8f525.txt").read_text(encoding="utf-8")
SEED_004 = (SEEDS_DIR / "004_1d1c087138e683da.txt").read_text(encoding="utf-8")


def test_punctuation_and_spaces_do_not_matter() -> None:
    assert (shingles("同志们：今天 开会。") == shingles("同志们,今天开会.")).all()
    assert len(shingles("")) == 0
    assert len(shingles("开会")) == 1


def test_exact_and_edited_copies_point_at_the_first() -> None:
    index = ShingleIndex()
    assert index.check_and_add("a", SEED_001) is None
    assert index.check_and_add("b", SEED_004) is None
    edited = SEED_001.replace("全市", "全县").replace("市委书记", "县委书记")
    found = index.check_and_add("c", edited)
    assert found is not None
    assert (found.record_id, found.original_id) == ("c", "a")
    assert 0.8 <= found.jaccard < 1.0
    again = index.check_and_add("d", SEED_001.replace(",", "，"))
    assert again is not None and again.original_id == "a" and again.jaccard == 1.0


def test_cut_short_copy_is_a_duplicate_by_containment() -> None:
    index = ShingleIndex()
    index.check_and_add("full", SEED_004)
    half = SEED_004[: len(SEED_004) * 6 // 10]
    found = index.check_and_add("half", half)
    assert found is not None and found.original_id == "full"
    assert found.jaccard < 0.8 <= found.containment


def test_a_quoted_paragraph_or_a_different_speech_is_not_a_copy() -> None:
    index = ShingleIndex()
    index.check_and_add("speech", SEED_004)
    paragraph = next(line for line in SEED_004.splitlines() if len(line) > 300)
    assert index.check_and_add("quote", paragraph) is None
    assert index.check_and_add("other", SEED_001) is None
