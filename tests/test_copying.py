"""Overlap with examples: copied chunks, copied sentences, carried-over names."""

from __future__ import annotations

from service.corpus.records import CorpusRecord
from service.retrieval.examples import Example
from service.text.overlap import CHUNK, ExampleIndex, example_names, find_overlap


def _record(corpus: list[CorpusRecord], prefix: str) -> CorpusRecord:
    return next(r for r in corpus if r.id.startswith(prefix))


def _paragraphs(text: str) -> list[str]:
    return [line for line in text.split("\n") if len(line) > 200]


def test_original_text_shares_nothing(built_corpus: list[CorpusRecord]) -> None:
    index = ExampleIndex(
        [Example("例", "", None, "", original=_record(built_corpus, "004").text, removed=())]
    )
    draft = "同志们：\n今天我们召开全县安全生产工作会议，主要任务是部署今年工作。\n谢谢大家！"
    overlap = find_overlap(draft, index)
    assert overlap.runs == [] and overlap.sentences == [] and not overlap.copies_text


def test_copied_paragraph_is_found(built_corpus: list[CorpusRecord]) -> None:
    example = _record(built_corpus, "004").text
    index = ExampleIndex([Example("例", "", None, "", original=example, removed=())])
    copied = _paragraphs(example)[0][: 4 * CHUNK]  # punctuation dropped: still 3 chunks
    overlap = find_overlap(f"同志们：\n今天开会。\n{copied}\n谢谢大家！", index)
    assert overlap.chunks >= 3 and overlap.copies_text
    assert overlap.runs[0].line == 3


def test_two_short_runs_are_not_copying(built_corpus: list[CorpusRecord]) -> None:
    example = _record(built_corpus, "004").text
    index = ExampleIndex([Example("例", "", None, "", original=example, removed=())])
    first, second = _paragraphs(example)[:2]
    draft = f"我们认为，{first[: CHUNK + 2]}。另外，{second[: CHUNK + 2]}"
    overlap = find_overlap(draft, index)
    assert overlap.chunks == 2 and not overlap.copies_text


def test_punctuation_changes_do_not_hide_a_copy(built_corpus: list[CorpusRecord]) -> None:
    example = _record(built_corpus, "004").text
    index = ExampleIndex([Example("例", "", None, "", original=example, removed=())])
    copied = _paragraphs(example)[0][: 4 * CHUNK].replace("，", "；")
    assert find_overlap(copied, index).chunks >= 3


def test_whole_long_sentence_is_a_copy() -> None:
    sentence = (
        "集中化解信访积案，推动形成了部门联动、上下协同、齐抓共管的工作格局，群众满意度持续稳步提升"
    )
    index = ExampleIndex(
        [Example("例", "", None, "", original=f"前言。{sentence}。后记。", removed=())]
    )
    overlap = find_overlap(f"同志们：\n{sentence}。", index)
    assert overlap.chunks < 3 and len(overlap.sentences) == 1 and overlap.copies_text


def test_required_phrases_do_not_count_as_copying() -> None:
    phrase = "深入学习贯彻习近平新时代中国特色社会主义思想和党的二十大精神全面推进高质量发展"
    index = ExampleIndex([Example("例", "", None, "", original=f"我们要{phrase}，", removed=())])
    draft = f"我们要{phrase}。"
    assert find_overlap(draft, index).copies_text
    assert not find_overlap(draft, index, allowed_phrases=[phrase]).copies_text


def test_given_names_found_unless_in_brief() -> None:
    index = ExampleIndex(
        [
            Example(
                "例",
                "",
                None,
                "",
                original="郭竞坤同志在曹妃甸讲话。",
                removed=("郭竞坤", "曹妃甸"),
            )
        ]
    )
    draft = "同志们：\n学习曹妃甸的经验。\n郭竞坤同志讲得很好。"
    overlap = find_overlap(draft, index)
    assert [(n.name, n.lines) for n in overlap.names] == [("郭竞坤", (3,)), ("曹妃甸", (2,))]
    assert [n.name for n in find_overlap(draft, index, allowed_text="曹妃甸工业区").names] == [
        "郭竞坤"
    ]


def test_names_found_with_jieba_on_the_news_seed(built_corpus: list[CorpusRecord]) -> None:
    names = example_names(_record(built_corpus, "003").text)
    assert {"付国良", "王志超", "曹妃甸", "南堡"} <= set(names)
    assert not {"谢谢", "党组织", "深度"} & set(names)


def _brute_force_runs(draft: str, example: str) -> list[tuple[int, int]]:
    """Every position checked: the reference the indexed search must agree with."""
    from service.text.overlap import normalise

    text = normalise(draft)
    plain = normalise(example)
    chunks = {plain[i : i + CHUNK] for i in range(len(plain) - CHUNK + 1)}
    covered = [False] * len(text)
    for i in range(len(text) - CHUNK + 1):
        if text[i : i + CHUNK] in chunks:
            covered[i : i + CHUNK] = [True] * CHUNK
    runs, start = [], None
    for i, flag in enumerate([*covered, False]):
        if flag and start is None:
            start = i
        elif not flag and start is not None:
            runs.append((start, i - start))
            start = None
    return runs


def test_indexed_runs_agree_with_brute_force(built_corpus: list[CorpusRecord]) -> None:
    import random

    example = _record(built_corpus, "001").text
    filler = _record(built_corpus, "004").text
    index = ExampleIndex([Example("例", "", None, "", original=example, removed=())])
    rng = random.Random(7)
    for _ in range(30):
        parts = []
        for _ in range(rng.randint(1, 5)):
            start, size = rng.randrange(len(example) - 80), rng.randint(20, 80)
            cut = rng.randrange(len(filler) - 60)
            parts += [filler[cut : cut + rng.randint(5, 60)], example[start : start + size]]
        draft = "".join(parts)
        expected = [size for _, size in _brute_force_runs(draft, example)]
        assert [run.chars for run in find_overlap(draft, index).runs] == expected
