"""Every check the service knows, in one list: the scorer, the repair loop, the page, the CLI
and the eval harness all read it from here.

A check has a name (the API's), a Chinese label (what users see), a weight, the
function that runs it on a Context, whether it judges a speech's form (skipped for a
text that is not a speech), and, when it can judge one part of a draft on its own,
`fix`: what a drafter is told to do when the part fails it. The repair loop runs
exactly the checks that have a `fix`, so a new check joins the repair loop by saying
how to fix what it finds.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from service.scoring import (
    checks_brief,
    checks_copying,
    checks_repetition,
    checks_structure,
    checks_substance,
    checks_text,
)
from service.scoring.context import Context
from service.scoring.report import Outcome, Skip

CheckFn = Callable[[Context], Outcome | Skip]


@dataclass(frozen=True)
class CheckSpec:
    """A named check, its label and weight, and how the repair loop may use it."""

    name: str
    label: str
    weight: int
    run: CheckFn
    form: bool = False
    fix: str | None = None  # set when the check can judge one part: what to do about it
    substance: bool = False  # judges what the text says, not its form

    @property
    def per_part(self) -> bool:
        return self.fix is not None


CHECKS: tuple[CheckSpec, ...] = (
    CheckSpec("is_speech", "是讲话稿", 5, checks_structure.check_is_speech),
    # Substance first: what a writer would throw a text away for, whatever its form.
    CheckSpec("relevance", "切题", 3, checks_substance.check_relevance, form=True, substance=True),
    CheckSpec("domain", "不跑题", 3, checks_substance.check_domain, substance=True),
    CheckSpec(
        "brief_coverage", "简报用全", 3, checks_substance.check_brief_coverage, substance=True
    ),
    CheckSpec("stock_text", "套话比例", 3, checks_substance.check_stock_text, substance=True),
    CheckSpec("circularity", "空话自夸", 2, checks_substance.check_circularity, substance=True),
    CheckSpec("openings", "句式变化", 1, checks_substance.check_openings, substance=True),
    CheckSpec("body", "正文", 3, checks_structure.check_body, form=True),
    CheckSpec("paragraphs", "分段", 3, checks_structure.check_paragraphs, form=True),
    CheckSpec("headings", "一级标题", 2, checks_structure.check_headings, form=True),
    CheckSpec("salutation", "称呼", 2, checks_structure.check_salutation, form=True),
    CheckSpec("opening", "开头", 1, checks_structure.check_opening, form=True),
    CheckSpec("closing", "结尾", 2, checks_structure.check_closing, form=True),
    CheckSpec("sign_off", "结束语位置", 2, checks_structure.check_sign_off, form=True),
    CheckSpec("numbering", "层次编号", 3, checks_structure.check_numbering, form=True),
    CheckSpec(
        "announced_count", "宣布的点数", 3, checks_structure.check_announced_count, form=True
    ),
    CheckSpec(
        "required_phrases",
        "必用提法",
        3,
        checks_brief.check_required_phrases,
        fix="请把这些提法原样写入，一字不改。",
    ),
    CheckSpec(
        "forbidden_phrases",
        "禁用词语",
        3,
        checks_brief.check_forbidden_phrases,
        fix="请删去或换一种说法。",
    ),
    CheckSpec("point_count", "要点数量", 2, checks_brief.check_point_count, form=True),
    CheckSpec("length", "篇幅", 1, checks_brief.check_length, fix="请调整篇幅（事实只取自简报）。"),
    CheckSpec("meeting_named", "点明会议", 1, checks_brief.check_meeting_named),
    CheckSpec("speaker_named", "点明讲话人", 1, checks_brief.check_speaker_named),
    CheckSpec(
        "invented_figures",
        "数字出处",
        3,
        checks_brief.check_invented_figures,
        fix="简报里没有的数字或日期不能编造：删去或改为定性表述。",
    ),
    CheckSpec(
        "copied_text",
        "照抄范文",
        3,
        checks_copying.check_copied_text,
        fix="范文只能学结构和语气，请用自己的话重写。",
    ),
    CheckSpec(
        "example_names",
        "范文人名地名",
        3,
        checks_copying.check_example_names,
        fix="简报里没有的人名、地名、单位名请删去。",
    ),
    CheckSpec(
        "placeholders",
        "占位符",
        3,
        checks_text.check_placeholders,
        fix="不要留占位符：用简报里的内容写实，或改为概括的说法。",
    ),
    CheckSpec("traditional", "繁体字", 2, checks_text.check_traditional, fix="请全部用简体字。"),
    CheckSpec("markdown", "Markdown 标记", 2, checks_text.check_markdown),
    CheckSpec("chatter", "对话式套话", 3, checks_text.check_chatter),
    CheckSpec("punctuation", "标点", 1, checks_text.check_punctuation),
    CheckSpec(
        "repeated_sentences",
        "重复句子",
        1,
        checks_text.check_repeated_sentences,
        substance=True,
    ),
    CheckSpec("restated", "内容重复", 3, checks_repetition.check_restated, substance=True),
    CheckSpec(
        "lexicon", "提法规范", 2, checks_text.check_lexicon, fix="请改用规范提法，一字不差。"
    ),
)
CHECK_NAMES = tuple(spec.name for spec in CHECKS)
CHECK_LABELS = {spec.name: spec.label for spec in CHECKS}
PART_CHECKS = tuple(spec for spec in CHECKS if spec.per_part)
SUBSTANCE_CHECKS = frozenset(spec.name for spec in CHECKS if spec.substance)
