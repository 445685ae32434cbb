"""The saved index through real files: mapped from disk, shared by processes, grown by a delta.

A corpus of 2,400 speeches made of the seeds' sentences (as the benchmarks make them) is big
enough that an added speech goes to a delta rather than a full refit.
"""

from __future__ import annotations

import json
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from service.corpus.build import build_corpus
from service.corpus.records import CorpusRecord, read_records, write_records
from service.retrieval.index import CorpusIndex, Vocabulary
from service.retrieval.lazy import StoredRecords
from service.retrieval.overlap import Overlap
from service.retrieval.ragged import Ragged
from service.retrieval.saved import (
    CORPUS_FILENAME,
    DELTA_DIRNAME,
    INDEX_DIRNAME,
    load_index,
    open_index,
    read_meta,
    save_added,
)
from service.retrieval.segment import COMPACT_BELOW, DELTA_SHARE
from service.retrieval.tokenise import encode_records
from tests.conftest import SEEDS_DIR
from tests.kits import KIT

LARGE = COMPACT_BELOW + 400
QUERIES = ["主题教育 调查研究 整改整治", "督导工作 教育实践活动 评价", "理论学习 回头看 群众路线"]


def synthetic(records: list[CorpusRecord], n: int) -> list[CorpusRecord]:
    """n speeches of shuffled seed sentences, each with a speech type and three sections."""
    text = "\n".join(r.text for r in records if r.is_example)
    sentences = [s for s in re.split(r"(?<=[。！？；])|\n", text) if len(s) > 6]
    types = ["progress", "supervision", "work_meeting"]
    rng = random.Random(13)
    made = []
    for i in range(n):
        picked = rng.sample(sentences, rng.randint(9, 24))
        parts = [picked[:3], picked[3:-3], picked[-3:]]
        sections = [
            {"role": role, "text": "".join(p)}
            for role, p in zip(("opening", "point", "closing"), parts, strict=True)
        ]
        body = "\n".join(str(s["text"]) for s in sections)
        made.append(
            CorpusRecord.model_validate(
                {"id": f"syn-{i:05d}", "source": f"syn-{i:05d}.txt", "title": f"讲话{i}",
                 "kind": "speech", "speech_type": rng.choice(types), "text": body,
                 "sections": sections, "chars": len(body)}
            )
        )  # fmt: skip
    return made


@pytest.fixture(scope="module")
def large(built_corpus: list[CorpusRecord]) -> list[CorpusRecord]:
    return synthetic(built_corpus, LARGE)


def build_dir_of(root: Path, records: list[CorpusRecord]) -> Path:
    build = root / "build"
    write_records(build / CORPUS_FILENAME, records)
    open_index(build, KIT.segmenter)
    return build


def results(index: CorpusIndex) -> list[list[object]]:
    """Everything a caller sees of a few searches."""
    out: list[list[object]] = []
    for query in QUERIES:
        out.append([(h.record.id, round(h.score, 4), h.why) for h in index.search(query, k=5)])
        out.append(list(index.top_k(query, 5)))
        typed = index.search(query, speech_type="progress", k=5, examples_only=False)
        out.append([(h.record.id, h.same_type) for h in typed])
        for role in ("point", "achievements"):
            hits = index.search_sections(query, role, speech_type="progress", k=3)
            out.append([(h.record.id, h.section_index, sorted(h.terms)) for h in hits])
    return out


def test_a_mapped_index_answers_as_one_fitted_in_memory(
    built_corpus: list[CorpusRecord], large: list[CorpusRecord], tmp_path: Path
) -> None:
    records = [*built_corpus, *large[:300]]
    build = build_dir_of(tmp_path, records)
    loaded = load_index(build / INDEX_DIRNAME, KIT.segmenter)
    assert isinstance(loaded.records, StoredRecords) and not loaded.records._parsed
    assert isinstance(loaded.main.terms.flat, np.memmap)
    assert isinstance(loaded.speeches.parts[0].model.scores["data"], np.memmap)
    memory = CorpusIndex.from_records(records, KIT.segmenter)
    assert results(loaded) == results(memory)
    for query in QUERIES:  # the same scores to the bit as bm25s's own
        ids, _ = loaded.query_ids(query)
        for table in (loaded.speeches, loaded.sections):
            expected = table.parts[0].model.get_scores_from_ids(ids)
            assert np.array_equal(table.scores(ids), expected)
    for table in (loaded.speeches, loaded.sections):  # each document's distinct terms, mapped
        distinct = table.parts[0].distinct
        assert isinstance(distinct.flat, np.memmap) and len(distinct) == len(table)
        assert all(
            distinct[d].tolist() == np.unique(table.doc_ids(d)).tolist() for d in range(len(table))
        )
    roles = np.asarray(loaded.sections.facts.role)  # sections by role: a role is one span
    assert (np.diff(roles) >= 0).all()
    assert 0 < len(loaded.records._parsed) < len(records)  # only hits were parsed
    assert [r.id for r in loaded.records] == [r.id for r in records]
    assert loaded.get(records[7].id) == records[7]


def test_another_process_maps_the_same_index(
    built_corpus: list[CorpusRecord], tmp_path: Path
) -> None:
    build = build_dir_of(tmp_path, built_corpus)
    script = (
        "import json, sys\n"
        "from pathlib import Path\n"
        "from service.knowledge.kit import default_kit\n"
        "from service.retrieval.saved import load_index\n"
        "index = load_index(Path(sys.argv[1]), default_kit().segmenter)\n"
        "print(json.dumps([[h.record.id for h in index.search(q, k=5)] for q in sys.argv[2:]]))\n"
    )
    index_dir = build / INDEX_DIRNAME
    done = subprocess.run(
        [sys.executable, "-c", script, str(index_dir), *QUERIES],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    here = load_index(index_dir, KIT.segmenter)
    assert json.loads(done.stdout) == [[h.record.id for h in here.search(q, k=5)] for q in QUERIES]


@pytest.fixture(scope="module")
def large_build(large: list[CorpusRecord], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_dir_of(tmp_path_factory.mktemp("large"), large)


def copy_of(build: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(build, tmp_path / "build"))


def test_an_added_speech_goes_to_a_delta_that_other_workers_load(
    built_corpus: list[CorpusRecord], large_build: Path, tmp_path: Path
) -> None:
    build = copy_of(large_build, tmp_path)
    index_dir = build / INDEX_DIRNAME
    main_id = read_meta(index_dir)["id"]  # type: ignore[index]
    index = open_index(build, KIT.segmenter)
    news = next(r for r in built_corpus if r.kind == "news")
    speech = next(r for r in built_corpus if r.is_example)
    for record in (news, speech):
        index.add(record)
    assert index.get(news.id) == news and index.get(speech.id) == speech
    assert index.get(large_build.name) is None
    save_added(index, build)
    assert read_meta(index_dir)["id"] == main_id  # type: ignore[index]  # the main untouched
    assert (index_dir / DELTA_DIRNAME / "meta.json").is_file()
    corpus = list(read_records(build / CORPUS_FILENAME))
    assert [r.id for r in corpus[-2:]] == [news.id, speech.id]

    reopened = open_index(build, KIT.segmenter)  # as another worker: no rebuild
    assert reopened.delta is not None and len(reopened.delta) == 2
    assert read_meta(index_dir)["id"] == main_id  # type: ignore[index]
    query = "郭竞坤 付国良 蹲点服务 整顿后进基层党组织"
    assert reopened.search(query, k=1, examples_only=False)[0].record.id == news.id
    assert all(h.record.id != news.id for h in reopened.search(query, k=5))
    assert reopened.get(speech.id) == speech
    for table in (reopened.speeches, reopened.sections):  # candidates of both parts, mixed
        docs = [len(table) - 1, 0, len(table) - 2, 5]
        overlap = Overlap(*table.gather(docs), len(docs))
        assert [overlap.terms(i).tolist() for i in range(4)] == [
            np.unique(table.doc_ids(d)).tolist() for d in docs
        ]
    # scores of the delta's documents are a full refit's; the main's are near them
    full = CorpusIndex.from_records(corpus, KIT.segmenter)
    ours = dict(reopened.top_k(query, 5))
    theirs = dict(full.top_k(query, 5))
    assert list(ours)[:1] == list(theirs)[:1] == [news.id]
    assert ours[news.id] == pytest.approx(theirs[news.id], rel=1e-5)


def test_a_torn_delta_is_ignored_and_the_corpus_rebuilds_the_index(
    built_corpus: list[CorpusRecord], large_build: Path, tmp_path: Path
) -> None:
    build = copy_of(large_build, tmp_path)
    index = open_index(build, KIT.segmenter)
    added = next(r for r in built_corpus if r.is_example)
    index.add(added)
    save_added(index, build)
    index_dir = build / INDEX_DIRNAME
    shutil.copytree(index_dir / DELTA_DIRNAME, index_dir / (DELTA_DIRNAME + ".tmp"))
    terms = index_dir / DELTA_DIRNAME / "terms.npy"
    terms.write_bytes(terms.read_bytes()[:40])  # a delta cut short

    main_only = load_index(index_dir, KIT.segmenter)
    assert main_only.delta is None and main_only.get(added.id) is None
    rebuilt = open_index(build, KIT.segmenter)  # the corpus has the speech: rebuilt from it
    assert rebuilt.get(added.id) == added and rebuilt.delta is None
    assert not (index_dir / DELTA_DIRNAME).exists()


def test_a_delta_past_its_share_is_merged_into_a_new_main(
    large: list[CorpusRecord], tmp_path: Path
) -> None:
    main = large[: COMPACT_BELOW + 100]
    build = build_dir_of(tmp_path, main)
    index_dir = build / INDEX_DIRNAME
    first = read_meta(index_dir)["id"]  # type: ignore[index]
    index = open_index(build, KIT.segmenter)
    room = int(DELTA_SHARE * len(main))
    extra = large[len(main) : len(main) + room + 1]
    for record in extra[:-1]:
        index.add(record)
    assert index.delta is not None and len(index.delta) == room
    index.add(extra[-1])
    assert index.delta is None and len(index.main) == len(main) + room + 1
    assert index.get(extra[-1].id) == extra[-1] and index.get(extra[0].id) == extra[0]
    save_added(index, build)
    assert read_meta(index_dir)["id"] != first
    merged = open_index(build, KIT.segmenter)
    full = CorpusIndex.from_records([*main, *extra], KIT.segmenter)
    assert results(merged) == results(full)


def test_tokenising_and_building_give_the_same_output_on_any_number_of_workers(
    large: list[CorpusRecord], tmp_path: Path
) -> None:
    sample = large[:600]
    one, two = Vocabulary(), Vocabulary()
    alone = encode_records(sample, KIT.segmenter, one, workers=1)
    pooled = encode_records(sample, KIT.segmenter, two, workers=2, parallel_min=0)
    assert one.terms == two.terms
    assert all(
        [a.tolist() for a in x.sections] == [b.tolist() for b in y.sections]
        for x, y in zip(alone, pooled, strict=True)
    )
    source = tmp_path / "raw"
    shutil.copytree(SEEDS_DIR, source)
    for path in sorted(SEEDS_DIR.iterdir())[:2]:  # copies, for the de-duplication's order
        shutil.copy(path, source / f"copy-{path.name}")
    built = [
        build_corpus(source, None, KIT.types, max_source_mb=8.0, workers=w, parallel_min=0)
        for w in (1, 2)
    ]
    assert [r.model_dump() for r in built[0].records] == [r.model_dump() for r in built[1].records]
    assert built[0].duplicates and built[0].duplicates == built[1].duplicates


def test_the_index_arrays_index_and_slice_as_lists_do() -> None:
    docs = [np.array(ids, dtype=np.int32) for ids in ([1, 2], [], [3], [4, 5, 6])]
    ragged = Ragged.of(docs)
    as_lists = [d.tolist() for d in docs]
    assert [d.tolist() for d in ragged] == as_lists
    assert ragged[-1].tolist() == as_lists[-1] and ragged[1].tolist() == []
    assert [d.tolist() for d in ragged[1:3]] == as_lists[1:3]
    assert [d.tolist() for d in ragged[::-2]] == as_lists[::-2]
    for wrong in (4, -5):
        with pytest.raises(IndexError):
            ragged[wrong]
