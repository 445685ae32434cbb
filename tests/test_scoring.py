"""The scorer on the seeds and on hand-broken variants: each check fails when, and only when,
its fault is present."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from service.corpus.records import CorpusRecord
from service.retrieval.examples import Example
from service.schemas import Brief
from service.scoring import Report
from service.text.normalise import count_chars
from tests.kits import score_text

# Every figure of seed 004 except 57% (test_invented_figure adds one), so the base passes.
FACTS_004 = (
    "2014年10月20日召开总结大会；1月份以来组织20余场专题座谈会、发出2400余份征求意见函、"
    "收集意见建议630余条；10月8日总书记发表重要讲话；深化正风肃纪“9+3+X”专项整治"
)


def _record(corpus: list[CorpusRecord], prefix: str) -> CorpusRecord:
    return next(r for r in corpus if r.id.startswith(prefix))


def _failed(report: Report) -> set[str]:
    return {check.name for check in report.checks if not check.passed}


def _detail(report: Report, name: str) -> str:
    return next(check.detail for check in report.checks if check.name == name)


@pytest.fixture(scope="module")
def base_004(built_corpus: list[CorpusRecord]) -> str:
    """Seed 004 de-anonymised and without its one figure-bearing sentence: a clean draft."""
    text = _record(built_corpus, "004").text
    text = text.replace("（2014年月日）", "（2014年10月20日）").replace("习总书记", "习近平总书记")
    text = text.replace("XX局", "住建局").replace("XX同志", "张明同志")
    text = re.sub(r"“X+”", "“美好家园”", text)
    text = text.replace("XX\\XX\\XX", "城建、规划、房管").replace("XX行业", "建设行业")
    text = text.replace("集中化解信访积案，实现信访量同比下降57%。", "")
    text = text.replace("省委常委、副省长XX，市委书记XX等领导", "省市领导")
    assert "X" not in text.replace("9+3+X", "")
    return text


@pytest.fixture(scope="module")
def brief_004(base_004: str) -> Brief:
    return Brief(
        speech_type="督导组讲话",
        meeting="住建局党的群众路线教育实践活动总结大会",
        speaker="市委第四督导组组长",
        achievements=[FACTS_004],
        point_count=2,
        required_phrases=["三严三实", "四风"],
        forbidden_phrases=["高大上"],
        target_chars=round(count_chars(base_004) / 1.05),
    )


def test_clean_draft_passes_every_check(base_004: str, brief_004: Brief) -> None:
    report = score_text(base_004, brief=brief_004)
    assert report.mode == "draft"
    assert _failed(report) == set(), [c.detail for c in report.failed]
    assert report.passed and report.score == 1.0
    assert {s.name for s in report.skipped} == {"copied_text", "example_names"}


def _first_sentence_end(text: str, after: str) -> int:
    return text.index("。", text.index(after)) + 1


def _drop_closing(text: str) -> str:
    lines = text.split("\n")
    body = [line for line in lines if line.strip()][:-2]
    body[-1] = body[-1][: body[-1].rindex("希望广大党员干部")]
    return "\n".join(body)


def _insert_after(anchor: str, inserted: str) -> Callable[[str], str]:
    return lambda text: text.replace(anchor, anchor + inserted, 1)


FAULTS: dict[str, tuple[str, Callable[[str], str]]] = {
    "no_salutation": ("salutation", lambda t: t.replace("同志们：\n", "", 1)),
    "renumbered_point": ("numbering", lambda t: t.replace("\n二、巩固", "\n三、巩固")),
    "skipped_item": ("numbering", lambda t: t.replace("三是创新自选动作", "四是创新自选动作")),
    "skipped_level": ("numbering", _insert_after("特点感触颇深。", "\n1.领导带头示范的做法")),
    "announced_three_gave_two": (
        "announced_count",
        lambda t: t.replace("讲两个方面的意见", "讲三个方面的意见"),
    ),
    "announced_five_features": (
        "announced_count",
        lambda t: t.replace("四个方面好的特点", "五个方面好的特点"),
    ),
    "no_opening": (
        "opening",
        lambda t: (
            t[: t.index("刚才")]
            + "教育实践活动开展以来，住建局做了大量工作。"
            + t[t.index("下面，我代表") :]
        ),
    ),
    "no_closing": ("closing", _drop_closing),
    "sign_off_in_the_middle": ("sign_off", _insert_after("特点感触颇深。", "谢谢大家！")),
    "required_phrase_missing": ("required_phrases", lambda t: t.replace("“三严三实”", "")),
    "forbidden_phrase": ("forbidden_phrases", _insert_after("特色鲜明", "、高大上")),
    "invented_figure": (
        "invented_figures",
        _insert_after("积极回应群众关切", "，办件量同比增长57%"),
    ),
    "placeholder": ("placeholders", lambda t: t.replace("张明同志始终", "XXX同志始终", 1)),
    "traditional": ("traditional", lambda t: t.replace("教育实践活动的评价", "教育實踐活動的評價")),
    "markdown": ("markdown", lambda t: t.replace("“四风”得到", "**“四风”**得到", 1)),
    "chatter": ("chatter", lambda t: "好的，以下是为您起草的讲话稿：\n" + t),
    "halfwidth_comma": (
        "punctuation",
        lambda t: t.replace("实事求是，讲得很好", "实事求是,讲得很好"),
    ),
    "repeated_sentence": (
        "repeated_sentences",
        _insert_after(
            "好一筹。",
            "局党组班子其他成员也切实做到了认识高一层、学习深一步、实践先一着、剖析解决问题好一筹。",
        ),
    ),
    "lexicon_variant": ("lexicon", lambda t: t.replace("习近平总书记", "习总书记", 1)),
}


@pytest.mark.parametrize("fault", sorted(FAULTS))
def test_each_fault_fails_only_its_check(base_004: str, brief_004: Brief, fault: str) -> None:
    check, breaker = FAULTS[fault]
    broken = breaker(base_004)
    assert broken != base_004
    report = score_text(broken, brief=brief_004)
    assert _failed(report) == {check}, [c.detail for c in report.failed]
    assert report.score < 1.0


@pytest.mark.parametrize(
    ("check", "change"),
    [
        ("point_count", {"point_count": 3}),
        ("length", {"target_chars": 8000}),
        ("meeting_named", {"meeting": "市直机关教育实践活动推进会"}),
        ("speaker_named", {"speaker": "市长"}),
        ("invented_figures", {"achievements": ["1月份以来组织20余场专题座谈会"]}),
    ],
)
def test_brief_mismatch_fails_only_its_check(
    base_004: str, brief_004: Brief, check: str, change: dict[str, object]
) -> None:
    brief = brief_004.model_copy(update=change)
    report = score_text(base_004, brief=brief)
    assert _failed(report) == {check}, [c.detail for c in report.failed]


def test_figures_inside_required_phrases_are_allowed(base_004: str, brief_004: Brief) -> None:
    phrase = "全年新增城镇就业1.2万人"
    text = base_004.replace("取得更大的成绩！", f"取得更大的成绩！确保{phrase}。")
    assert _failed(score_text(text, brief=brief_004)) == {"invented_figures"}
    brief = brief_004.model_copy(update={"required_phrases": [*brief_004.required_phrases, phrase]})
    assert _failed(score_text(text, brief=brief)) == set()


def test_invented_figure_detail_names_the_line(base_004: str, brief_004: Brief) -> None:
    broken = FAULTS["invented_figure"][1](base_004)
    detail = _detail(score_text(broken, brief=brief_004), "invented_figures")
    line = next(i for i, x in enumerate(broken.split("\n"), 1) if "增长57%" in x)
    assert f"第{line}行“57%”" in detail


def test_renumbered_point_detail(base_004: str, brief_004: Brief) -> None:
    broken = FAULTS["renumbered_point"][1](base_004)
    detail = _detail(score_text(broken, brief=brief_004), "numbering")
    assert "跳号" in detail and "一、三" in detail


def test_copied_passage_from_an_example(
    base_004: str, brief_004: Brief, built_corpus: list[CorpusRecord]
) -> None:
    example = _record(built_corpus, "001").text
    start = example.index("在部署推进方面")
    passage = example[start : _first_sentence_end(example, "上下一般粗问题")]
    examples = [Example("例", "", None, "", original=example, removed=())]
    assert _failed(score_text(base_004, brief=brief_004, examples=examples)) == set()
    broken = _insert_after("取得更大的成绩！", passage)(base_004)
    report = score_text(broken, brief=brief_004, examples=examples)
    assert _failed(report) == {"copied_text"}, [c.detail for c in report.failed]


def test_example_names_carried_over(
    base_004: str, brief_004: Brief, built_corpus: list[CorpusRecord]
) -> None:
    examples = [
        Example(
            "例",
            "",
            None,
            "",
            original=_record(built_corpus, "003").text,
            removed=("郭竞坤", "曹妃甸", "付国良"),
        )
    ]
    broken = _insert_after("有条不紊推进。", "学习借鉴曹妃甸的做法。")(base_004)
    report = score_text(broken, brief=brief_004, examples=examples)
    assert _failed(report) == {"example_names"}
    assert "曹妃甸" in _detail(report, "example_names")
    brief = brief_004.model_copy(update={"notes": "学习曹妃甸工业区的做法"})
    assert _failed(score_text(broken, brief=brief, examples=examples)) == set()


def test_placeholders_are_not_faults_of_corpus_texts(base_004: str) -> None:
    broken = FAULTS["placeholder"][1](base_004)
    report = score_text(broken)
    assert report.mode == "corpus"
    skipped = {s.name: s.reason for s in report.skipped}
    assert "placeholders" in skipped and "1处" in skipped["placeholders"]
    assert score_text(broken, draft=True).mode == "draft"
    assert "placeholders" in _failed(score_text(broken, draft=True))


def test_without_brief_the_brief_checks_are_skipped(base_004: str) -> None:
    report = score_text(base_004)
    skipped = {s.name for s in report.skipped}
    brief_checks = {"required_phrases", "forbidden_phrases", "point_count", "length"}
    assert brief_checks | {"meeting_named", "speaker_named", "invented_figures"} <= skipped
    assert not skipped & {c.name for c in report.checks}


# The seeds as the corpus builder cleans them: real speeches pass their structure checks,
# except where the source itself is off-form.


def test_seed_004_passes_but_flags_the_short_form_of_the_leader_title(
    built_corpus: list[CorpusRecord],
) -> None:
    record = _record(built_corpus, "004")
    report = score_text(record.text, speech_type=record.speech_type)
    assert report.passed and report.mode == "corpus"
    assert _failed(report) == {"lexicon"}
    assert "“习总书记”应为“习近平总书记”" in _detail(report, "lexicon")
    assert report.structure.points_announced == 2 and report.structure.points_found == 2
    assert report.structure.kind == "speech" and report.structure.speech_type == "supervision"


def test_seed_001_announces_three_points_and_gives_two(built_corpus: list[CorpusRecord]) -> None:
    """A web copy cut short after point 二: the announcement and the missing closing show it."""
    record = _record(built_corpus, "001")
    report = score_text(record.text, speech_type=record.speech_type)
    assert not report.passed
    assert _failed(report) == {"announced_count", "closing"}
    detail = _detail(report, "announced_count")
    assert "强调三点意见" in detail and "实际一级要点2个（一、二）" in detail
    assert report.structure.points_announced == 3 and report.structure.points_found == 2
    assert report.structure.headings == [
        "一、提高政治站位，进一步把主题教育引向深入",
        "二、突出工作重点，进一步把重点措施贯穿始终",
    ]


def test_seed_002_traditional_source_is_clean_but_cut_short(
    built_corpus: list[CorpusRecord],
) -> None:
    record = _record(built_corpus, "002")
    report = score_text(record.text, speech_type=record.speech_type)
    assert _failed(report) == {"announced_count", "closing"}
    assert "讲三个方面的意见" in _detail(report, "announced_count")


def test_seed_000_presiding_text_and_speech(built_corpus: list[CorpusRecord]) -> None:
    presiding, speech = (r for r in built_corpus if r.id.startswith("000"))
    report = score_text(presiding.text, speech_type=presiding.speech_type)
    assert report.structure.kind == "presiding"
    assert _failed(report) == {"closing"}  # the copy ends at the hand-over: no 散会
    assert "散会" in _detail(report, "closing")
    speech_report = score_text(speech.text, speech_type=speech.speech_type)
    assert _failed(speech_report) == set() and speech_report.passed
    assert speech_report.structure.salutation == "同志们，"


def test_seed_003_news_report_is_not_a_speech(built_corpus: list[CorpusRecord]) -> None:
    record = _record(built_corpus, "003")
    report = score_text(record.text)
    assert not report.passed and report.structure.kind == "news"
    assert _failed(report) == {"is_speech"}
    assert "会议报道" in _detail(report, "is_speech")
    skipped = {s.name for s in report.skipped}
    assert {"salutation", "numbering", "announced_count", "closing"} <= skipped


def test_empty_text_is_an_input_error() -> None:
    from service.errors import ScoringInputError

    with pytest.raises(ScoringInputError):
        score_text("  \n ")


def test_address_needs_a_respectful_salutation() -> None:
    text = "同志们：\n今天，我们隆重举行开业典礼。\n祝开业典礼圆满成功！谢谢大家！"
    report = score_text(text, speech_type="address")
    assert "salutation" in _failed(report)
    fixed = text.replace("同志们：", "尊敬的各位领导、各位来宾：")
    assert "salutation" not in _failed(score_text(fixed, speech_type="address"))


def test_line_numbers_count_blank_lines_and_inline_salutations(base_004: str) -> None:
    """Details point at lines of the text as given, whatever the parser re-splits."""
    lines = [line for line in base_004.split("\n") if line.strip()]
    salutation = lines.index("同志们：")
    lines[salutation : salutation + 2] = [lines[salutation] + lines[salutation + 1]]
    spaced = "\n\n".join(lines).replace("讲两个方面的意见", "讲三个方面的意见")
    detail = _detail(score_text(spaced), "announced_count")
    expected = next(i for i, x in enumerate(spaced.split("\n"), 1) if "讲三个方面的意见" in x)
    assert detail.startswith(f"第{expected}行宣布")
