"""Retrieval on the seeds: same type first, never news or duplicates, MMR, sections, storage."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from service import cli
from service.config import get_settings
from service.corpus.records import CorpusRecord, write_records
from service.errors import RetrievalError
from service.retrieval.examples import examples_from_hits
from service.retrieval.floor import VOICE_LABELS, ExampleFloor
from service.retrieval.index import CorpusIndex, _best, brief_query, jaccard
from service.retrieval.overlap import Overlap
from service.retrieval.saved import (
    add_document,
    build_index,
    load_index,
    open_index,
    read_meta,
)
from service.schemas import Brief
from service.text.segment import Segmenter, user_terms
from tests.kits import KIT


class CountingSegmenter(Segmenter):
    """The real segmenter, remembering every text it tokenised."""

    def __init__(self) -> None:
        super().__init__(user_terms(tuple(KIT.lexicon.canonical_terms)))
        self.texts: list[str] = []

    def tokens(self, text: str) -> list[str]:
        self.texts.append(text)
        return super().tokens(text)


def by_prefix(records: list[CorpusRecord], prefix: str) -> CorpusRecord:
    return next(r for r in records if r.id.startswith(prefix))


@pytest.fixture(scope="module")
def seed_index(built_corpus: list[CorpusRecord]) -> CorpusIndex:
    return CorpusIndex.from_records(built_corpus, KIT.segmenter)


BRIEFS = {
    "progress": Brief(
        speech_type="推进会讲话",
        meeting="全市主题教育推进会",
        speaker="市委书记",
        achievements=["调查研究扎实推进"],
        problems=["理论学习不够深入"],
        points=[{"title": "突出工作重点，把重点措施贯穿始终"}],
    ),
    "supervision": Brief(
        speech_type="督导组讲话",
        meeting="局党组教育实践活动总结大会",
        speaker="市委督导组组长",
        purpose="评价教育实践活动，提出巩固成果的建议",
    ),
    "work_meeting": Brief(
        speech_type="work_meeting",
        meeting="督导工作会议",
        speaker="县委副书记",
        points=[{"title": "加强督导工作"}],
    ),
    "presiding": Brief(
        speech_type="主持词",
        meeting="督导工作调度会",
        speaker="区委副书记",
        agenda=[{"speaker": "各督导组组长", "topic": "汇报前一阶段工作"}],
    ),
}


@pytest.mark.parametrize("speech_type", list(BRIEFS))
def test_same_type_first_and_never_news(seed_index: CorpusIndex, speech_type: str) -> None:
    hits = seed_index.search_brief(KIT.types.canonical(BRIEFS[speech_type]), k=5)
    assert hits[0].record.speech_type == speech_type
    assert hits[0].same_type and "同类型" in hits[0].why
    assert all(hit.record.kind != "news" for hit in hits)
    ranks = [hit.same_type for hit in hits]
    assert ranks == sorted(ranks, reverse=True), "a same-type speech came after another type"


def test_news_matches_but_is_never_an_example(seed_index: CorpusIndex) -> None:
    query = "郭竞坤 付国良 蹲点服务 整顿后进基层党组织"
    everything = seed_index.search(query, k=5, examples_only=False)
    assert everything[0].record.kind == "news" and everything[0].score > 0
    assert all(hit.record.kind != "news" for hit in seed_index.search(query, k=5))
    for role in ("opening", "point", "closing"):
        hits = seed_index.search_sections(query, role, k=5)
        assert all(hit.record.is_example for hit in hits)


def test_duplicate_is_never_returned(built_corpus: list[CorpusRecord]) -> None:
    progress = by_prefix(built_corpus, "001")
    copy = progress.model_copy(update={"id": "copy-of-001", "duplicate_of": progress.id})
    index = CorpusIndex.from_records([*built_corpus, copy], KIT.segmenter)
    hits = index.search("主题教育 调查研究 整改整治", k=10, examples_only=True)
    assert progress.id in [hit.record.id for hit in hits]
    assert "copy-of-001" not in [hit.record.id for hit in hits]
    unfiltered = index.search("主题教育 调查研究 整改整治", k=10, examples_only=False)
    assert "copy-of-001" in [hit.record.id for hit in unfiltered]


def near_copy(record: CorpusRecord, new_id: str) -> CorpusRecord:
    """The same speech from another site: its last paragraph cut short, a new title."""
    *head, last = record.sections
    shorter = last.model_copy(update={"text": last.text[: len(last.text) * 2 // 3]})
    sections = [*head, shorter]
    text = "\n".join(s.text for s in sections)
    return record.model_copy(
        update={"id": new_id, "title": "转载：" + record.title, "sections": sections, "text": text}
    )


def test_mmr_pushes_a_near_copy_below_a_different_document(
    built_corpus: list[CorpusRecord],
) -> None:
    original = by_prefix(built_corpus, "001")
    other = by_prefix(built_corpus, "004").model_copy(update={"speech_type": "progress"})
    rest = [r for r in built_corpus if r.id not in (original.id, other.id)]
    index = CorpusIndex.from_records(
        [*rest, original, near_copy(original, "near-copy"), other], KIT.segmenter
    )
    query = "主题教育 调查研究 理论学习 整改整治 群众路线 评价 督导组 总结 巩固 成果 建议"
    plain = [hit.record.id for hit in index.search(query, k=3, diversity=0.0)]
    assert set(plain[:2]) == {original.id, "near-copy"} and plain[2] == other.id
    diverse = index.search(query, k=4)
    ids = [hit.record.id for hit in diverse]
    assert ids[:2] == [plain[0], other.id]
    copy = diverse[ids.index(plain[1])]
    assert ids.index(plain[1]) > ids.index(other.id)
    assert copy.similarity > 0.8 and "MMR" in copy.why
    assert diverse[1].similarity < 0.5


def test_sections_come_back_in_the_asked_role(seed_index: CorpusIndex) -> None:
    hits = seed_index.search_sections("理论学习 调查研究 整改整治", "point", k=3)
    assert hits and all(hit.section is not None and hit.section.role == "point" for hit in hits)
    assert "调查研究" in hits[0].section.text  # type: ignore[union-attr]


def test_achievements_fall_back_to_opening_paragraphs(seed_index: CorpusIndex) -> None:
    brief = BRIEFS["progress"].model_copy(
        update={"achievements": ["压紧压实政治责任", "宣传引导氛围浓厚"]}
    )
    hits = seed_index.sections_for(brief, "achievements", k=2)
    assert hits[0].section is not None and "压紧压实政治责任" in hits[0].section.text
    assert hits[0].record.speech_type == "progress"


def test_bad_search_input_is_a_clear_error(seed_index: CorpusIndex) -> None:
    with pytest.raises(RetrievalError, match="段落角色"):
        seed_index.search_sections("督导", "ending")
    with pytest.raises(RetrievalError, match="k"):
        seed_index.search("督导", k=0)
    assert seed_index.search("！！！") == []


def test_segmenter_keeps_formulations_whole_and_drops_noise() -> None:
    tokens = KIT.segmenter.tokens(
        "坚持以习近平新时代中国特色社会主义思想为指导，坚决做到“两个维护”，的了和。2024"
    )
    assert "习近平新时代中国特色社会主义思想" in tokens
    assert "两个维护" in tokens
    assert not {"的", "了", "和", "，", "“", "2024"} & set(tokens)


def test_index_loads_without_tokenising_and_adds_one_document(
    built_corpus: list[CorpusRecord], tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    examples = [r for r in built_corpus if not r.id.startswith("001")]
    built = build_index(examples, index_dir, CountingSegmenter())
    spy = CountingSegmenter()
    loaded = load_index(index_dir, spy)
    assert spy.texts == []
    query_ids, _ = loaded.query_ids("督导工作 教育实践活动")
    assert list(loaded.speeches.scores(query_ids)) == list(built.speeches.scores(query_ids))
    assert list(loaded.sections.scores(query_ids)) == list(built.sections.scores(query_ids))
    spy.texts.clear()

    new = by_prefix(built_corpus, "001")
    loaded.add(new)
    section_texts = {f"{s.heading}\n{s.text}" if s.heading else s.text for s in new.sections}
    assert spy.texts and set(spy.texts) <= section_texts
    assert loaded.search_brief(BRIEFS["progress"])[0].record.id == new.id


def test_add_document_persists_and_rebuild_reuses_cached_terms(
    built_corpus: list[CorpusRecord], tmp_path: Path
) -> None:
    index_dir = tmp_path / "index"
    rest = [r for r in built_corpus if not r.id.startswith("004")]
    build_index(rest, index_dir, KIT.segmenter, source_digest="abc")
    add_document(index_dir, by_prefix(built_corpus, "004"), KIT.segmenter)
    reloaded = load_index(index_dir, KIT.segmenter)
    assert reloaded.get(by_prefix(built_corpus, "004").id) is not None
    assert read_meta(index_dir)["source_digest"] == "abc"  # type: ignore[index]

    spy = CountingSegmenter()
    changed = by_prefix(built_corpus, "002")
    edited = changed.model_copy(update={"title": changed.title + "（修订）"})
    records = [edited if r.id == changed.id else r for r in built_corpus]
    build_index(records, index_dir, spy)
    assert spy.texts and all(text in changed.text for text in spy.texts)


def test_open_index_builds_when_missing_and_rebuilds_when_the_corpus_changes(
    built_corpus: list[CorpusRecord], tmp_path: Path
) -> None:
    with pytest.raises(RetrievalError, match="corpus build"):
        open_index(tmp_path, KIT.segmenter)
    corpus = tmp_path / "speeches.jsonl"
    write_records(corpus, built_corpus[:-1])
    first = open_index(tmp_path, KIT.segmenter)
    assert len(first.records) == len(built_corpus) - 1
    assert (tmp_path / "index" / "meta.json").is_file()
    write_records(corpus, built_corpus)
    assert len(open_index(tmp_path, KIT.segmenter).records) == len(built_corpus)


def test_jaccard_of_identical_and_disjoint_sets() -> None:
    a = frozenset({1, 2, 3})
    assert jaccard(a, a) == 1.0
    assert jaccard(a, frozenset({4, 5})) == 0.0
    assert jaccard(a, frozenset({2, 3, 4})) == 0.5


def test_candidates_overlap_as_their_term_sets_do(seed_index: CorpusIndex) -> None:
    for table in (seed_index.speeches, seed_index.sections):
        docs = list(range(0, len(table), max(1, len(table) // 15)))
        overlap = Overlap(*table.gather(docs), len(docs))
        sets = [frozenset(table.doc_ids(d).tolist()) for d in docs]
        for i in range(len(docs)):
            assert overlap.terms(i).tolist() == sorted(sets[i])
            expected = [jaccard(s, sets[i]) for s in sets]
            assert overlap.similarity(i).tolist() == expected  # the same floats


def test_best_breaks_ties_in_document_order() -> None:
    values = np.asarray([1.0, 3.0, 2.0, 3.0, 2.0, 2.0, 0.5])
    assert _best(values, 3) == [1, 3, 2]
    assert _best(values, 4) == [1, 3, 2, 4]
    assert _best(values, 9) == [1, 3, 2, 4, 5, 0, 6]


def test_cli_search_prints_json_with_scores_and_reasons(
    built_corpus: list[CorpusRecord],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    write_records(tmp_path / "speeches.jsonl", built_corpus)
    monkeypatch.setenv("JIANGGAO_BUILD_DIR", str(tmp_path))
    get_settings.cache_clear()
    try:
        code = cli.main(["corpus", "search", "督导工作", "评价", "--type", "督导组讲话", "--json"])
        rows = json.loads(capsys.readouterr().out)
        assert code == 0 and rows
        assert set(rows[0]) >= {"id", "source", "title", "kind", "speech_type", "score", "why"}
        assert rows[0]["speech_type"] == "supervision"
        assert all(row["kind"] != "news" for row in rows)
        assert cli.main(["corpus", "search", "督导", "--type", "讲稿"]) == 2
        assert "未知的讲话类型" in capsys.readouterr().err
        assert cli.main(["corpus", "search", "理论学习", "--section", "point"]) == 0
        assert "[point]" in capsys.readouterr().out
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize("query", ["督导工作 教育实践活动", "主题教育 调查研究 整改", "回头看"])
def test_scores_are_rank_bm25_okapi_scores(seed_index: CorpusIndex, query: str) -> None:
    from rank_bm25 import BM25Okapi

    terms = [[seed_index.vocab.terms[i] for i in ids] for ids in seed_index.speeches.ids]
    reference = BM25Okapi(terms).get_scores(seed_index.segmenter.tokens(query))
    ours = seed_index.speeches.scores(seed_index.query_ids(query)[0])
    assert ours == pytest.approx(reference, rel=1e-4, abs=1e-5)
    assert ours.max() > 0


def test_a_term_in_most_seeds_still_scores(seed_index: CorpusIndex) -> None:
    scores = seed_index.speeches.scores(seed_index.query_ids("教育实践活动")[0])
    containing = sum("教育实践活动" in r.text for r in seed_index.records)
    assert containing > len(seed_index.records) / 2
    assert (scores > 0).sum() == containing


def _brief(meeting: str, points: list[str], speech_type: str = "work_meeting") -> Brief:
    return Brief(speech_type=speech_type, meeting=meeting, speaker="县委书记", points=points)


def test_the_floor_keeps_a_speech_of_the_briefs_field_and_says_why_it_drops_others(
    seed_index: CorpusIndex,
) -> None:
    flood = _brief("全县防汛工作会议", ["压实防汛责任", "排查风险隐患"])
    floor = ExampleFloor(KIT, flood, brief_query(flood))
    found = seed_index.search_brief(flood, k=8)
    assert found and floor.kept(found, 3) == []  # BM25 finds words in common; no field does
    assert all("领域不同" in floor.judge(hit).reason for hit in found)
    theme = _brief("全县主题教育推进会", ["深化理论学习", "抓好检视整改"])
    floor = ExampleFloor(KIT, theme, brief_query(theme))
    kept = floor.kept(seed_index.search_brief(theme, k=8), 3)
    assert kept and all(j.hit.record.kind != "news" for j in kept)
    # a part's example comes from the same type of speech
    sections = seed_index.sections_for(theme, "point", k=8)
    assert any(not hit.same_type for hit in sections)
    part_kept = floor.kept(sections, 2, part=True)
    assert part_kept and all(j.hit.same_type for j in part_kept)


def test_the_speakers_own_speeches_rank_first_and_the_prompt_names_them(
    built_corpus: list[CorpusRecord],
) -> None:
    """Two theme-education speeches given speakers: a brief naming one of them gets that
    speaker's speech first, labelled as the speaker's own, then the other."""
    base = by_prefix(built_corpus, "001")
    ours = base.model_copy(
        update={"id": "ours", "meta": base.meta.model_copy(update={"speaker": "市委书记 王立"})}
    )
    theirs = near_copy(base, "theirs").model_copy(
        update={"meta": base.meta.model_copy(update={"speaker": "市长 赵平"})}
    )
    index = CorpusIndex.from_records([theirs, ours], KIT.segmenter)
    brief = _brief("全市主题教育推进会", ["深化理论学习", "抓好检视整改"], "progress")
    named = brief.model_copy(update={"speaker": "市委书记", "speaker_name": "王立"})
    floor = ExampleFloor(KIT, named, brief_query(named))
    kept = floor.kept(index.search_brief(named, k=8), 2)
    assert [j.hit.record.id for j in kept] == ["ours", "theirs"]
    assert VOICE_LABELS[kept[0].voice] == "这次讲话人本人的讲话"
    examples = examples_from_hits([j.hit for j in kept], named, KIT.scrubber, ["本人", ""])
    assert [e.voice for e in examples] == ["本人", ""]


def test_without_a_name_the_speakers_own_body_ranks_above_the_same_post(
    built_corpus: list[CorpusRecord],
) -> None:
    base = by_prefix(built_corpus, "001")
    post = base.model_copy(
        update={"id": "post", "meta": base.meta.model_copy(update={"speaker": "市委书记 王立"})}
    )
    body = near_copy(base, "body").model_copy(
        update={
            "title": "在青山市主题教育推进会上的讲话",
            "meta": base.meta.model_copy(update={"speaker": "市长 赵平"}),
        }
    )
    index = CorpusIndex.from_records([post, body], KIT.segmenter)
    brief = _brief("全市主题教育推进会", ["深化理论学习", "抓好检视整改"], "progress")
    ours = brief.model_copy(update={"speaker": "市委书记", "organization": "中共青山市委"})
    floor = ExampleFloor(KIT, ours, brief_query(ours))
    kept = floor.kept(index.search_brief(ours, k=8), 2)
    assert [(j.hit.record.id, VOICE_LABELS[j.voice]) for j in kept] == [
        ("body", "本单位的讲话"),
        ("post", "同一职务的讲话"),
    ]
