"""`jianggao eval corpus|cases|generate`: score the corpus, check hand-written cases, or
draft every corpus speech again (leave one out); each writes JSON, Markdown and HTML.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.errors import ConfigError, RetrievalError
from service.knowledge.kit import Kit, load_kit

if TYPE_CHECKING:
    from evals.cases import CasesRun
    from evals.generate import GenerateRun
    from service.config import Settings
    from service.retrieval.index import CorpusIndex

PROGRESS_EVERY = 100  # without a terminal, a progress line every this many documents


def register(commands: Any) -> None:
    """Add the `eval` sub-command group."""
    parser = commands.add_parser("eval", help="评测：对语料或草稿批量评分并生成报告")
    group = parser.add_subparsers(dest="eval_command", required=True, metavar="MODE")
    corpus = group.add_parser("corpus", help="对语料库中的每篇文本评分（真实讲话稿应当合格）")
    corpus.add_argument(
        "--corpus", type=Path, default=None, help="speeches.jsonl（默认 corpus/build/ 下）"
    )
    corpus.add_argument(
        "--out",
        type=Path,
        default=None,
        help="报告目录（默认 evals/reports），写出 corpus.json/.md/.html",
    )
    corpus.add_argument(
        "--fail-under",
        type=_fraction,
        default=None,
        metavar="X",
        help="讲话稿类平均分低于 X（0–1）时以退出码 1 结束，供 CI 把关",
    )
    corpus.set_defaults(handler=run_corpus)
    _register_cases(group)
    _register_generate(group)
    _register_reading(group)
    _register_calibration(group)
    voice = group.add_parser(
        "voice",
        help="讲话人语气：录制的模型草稿是否更像讲话人本人的讲话（句长、四字词、一要/一是）",
    )
    voice.add_argument(
        "--out", type=Path, default=None, help="报告目录（默认 evals/reports），写出 voice.*"
    )
    voice.set_defaults(handler=run_voice_eval)


def run_voice_eval(args: argparse.Namespace) -> int:
    """Replay the recorded voice sessions and compare each draft with both speakers."""
    from evals.voice import load_sessions, render_voice_html, render_voice_markdown, run_voice
    from service.config import get_settings

    settings = get_settings()
    kit = load_kit(settings.prompts_dir)
    try:
        run = run_voice(kit, settings, load_sessions())
    except (OSError, ValueError) as error:
        return _fail("voice", error)
    data = run.model_dump(mode="json")
    written = _write("voice", args, (data, render_voice_markdown(run), render_voice_html(run)))
    if written is None:
        return 2
    print(f"更像本人：{run.model_in_voice}/{run.model_drafts}")
    for r in run.results:
        print(f"  {r.session:<16} {r.drafter:<8} 离本人 {r.own:.2f}  离另一位 {r.other:.2f}")
    print("报告：" + "、".join(str(p) for p in written))
    return 0


def _register_calibration(group: Any) -> None:
    calibration = group.add_parser(
        "calibration", help="评分校准：好稿与空稿（空话、跑题、挪错、凑字数）能否被评分分开"
    )
    calibration.add_argument(
        "--out", type=Path, default=None, help="报告目录（默认 evals/reports），写出 calibration.*"
    )
    calibration.add_argument(
        "--judge",
        action="store_true",
        help="配置了大模型时，让模型评审每篇有简报的文本，报告它与标注的一致程度",
    )
    calibration.add_argument(
        "--judge-limit",
        type=int,
        default=None,
        metavar="N",
        help="只评审前 N 篇（模型调用有成本）",
    )
    calibration.add_argument(
        "--fail-under-targets",
        action="store_true",
        help="AUC、空稿合格率或好稿合格率未达目标时以退出码 1 结束，供 CI 把关",
    )
    calibration.set_defaults(handler=run_calibration_eval)


def _judge_calibration(kit: Kit, samples: Any) -> Any:
    """The model's agreement with the labels, or None (said on stderr) without a model."""
    from evals.calibration import judge_agreement
    from service.config import get_settings
    from service.llm import ChatClient, llm_configured
    from service.pipeline.judge import Judge
    from service.pipeline.prompts import Prompter
    from service.text.tokens import TokenBudget

    settings = get_settings()
    if not llm_configured(settings):
        print(
            "eval calibration：--judge 需要配置大模型（OPENAI_API_KEY 或 OPENAI_BASE_URL）",
            file=sys.stderr,
        )
        return None

    async def judged() -> Any:
        async with ChatClient.from_settings(settings) as client:
            judge = Judge(client, Prompter(kit, TokenBudget.from_settings(settings)))
            return await judge_agreement(samples, judge)

    return asyncio.run(judged())


def run_calibration_eval(args: argparse.Namespace) -> int:
    """Score every calibration text, write calibration.json/.md/.html, print the figures."""
    from evals.calibration import (
        load_samples,
        render_calibration_html,
        render_calibration_markdown,
        run_calibration,
    )
    from service.config import get_settings

    kit = load_kit(get_settings().prompts_dir)
    try:
        samples = load_samples(kit)
    except (OSError, ValueError) as error:
        return _fail("calibration", error)
    run = run_calibration(samples, kit)
    if args.judge:
        judged = _judge_calibration(kit, samples[: args.judge_limit])
        if judged is None:
            return 2
        run.judge = judged
    data = run.model_dump(mode="json", by_alias=True)
    rendered = (data, render_calibration_markdown(run), render_calibration_html(run))
    written = _write("calibration", args, rendered)
    if written is None:
        return 2
    print(f"ROC AUC      {run.auc:.3f}")
    print(f"空稿合格率   {run.hollow_pass:.1%}")
    print(f"好稿合格率   {run.strong_pass:.1%}")
    if run.judge is not None:
        print(f"模型评审     {run.judge.judged} 篇，ROC AUC {run.judge.auc:.3f}")
    for item in run.groups:
        print(f"  {item.name:<18} {item.passed:>3}/{item.samples}")
    print("报告：" + "、".join(str(p) for p in written))
    return 1 if args.fail_under_targets and not run.met else 0


def _register_reading(group: Any) -> None:
    reading = group.add_parser(
        "reading", help="读稿评测：按 evals/reading 的读稿用例，逐项比较程序与人的读法"
    )
    reading.add_argument(
        "--cases",
        type=Path,
        default=None,
        help="读稿用例目录（默认 evals/reading/cases 与 heldout）",
    )
    reading.add_argument(
        "--out", type=Path, default=None, help="报告目录（默认 evals/reports），写出 reading.*"
    )
    reading.add_argument(
        "--fail-under-targets",
        action="store_true",
        help="有字段未达到目标一致率时以退出码 1 结束，供 CI 把关",
    )
    reading.set_defaults(handler=run_reading_eval)


def run_reading_eval(args: argparse.Namespace) -> int:
    """Read every reading case, write reading.json/.md/.html, print agreement per field."""
    from evals.reading import (
        READING_DIRS,
        load_reading_cases,
        render_reading_html,
        render_reading_markdown,
        run_reading,
    )
    from service.config import get_settings

    try:
        cases = load_reading_cases(args.cases or READING_DIRS)
    except (OSError, ValueError) as error:
        return _fail("reading", error)
    run = run_reading(cases, load_kit(get_settings().prompts_dir))
    data = run.model_dump(mode="json", by_alias=True)
    written = _write(
        "reading", args, (data, render_reading_markdown(run), render_reading_html(run))
    )
    if written is None:
        return 2
    for item in [*run.fields, run.flattened_points]:
        mark = "" if item.met is None else ("  达标" if item.met else "  未达标")
        name = "points（压平）" if item is run.flattened_points else item.field
        print(f"{name:<12} {item.agree:>3}/{item.cases}  {item.share:6.1%}{mark}")
    print("报告：" + "、".join(str(p) for p in written))
    missed = [i for i in [*run.fields, run.flattened_points] if i.met is False]
    return 1 if args.fail_under_targets and (missed or run.cut_short_wrongly) else 0


def _register_cases(group: Any) -> None:
    cases = group.add_parser("cases", help="按 evals/cases/*.yaml 起草并逐条检查断言")
    cases.add_argument("--cases", type=Path, default=None, help="用例目录（默认 evals/cases）")
    _corpus_and_out(cases, "cases")
    cases.add_argument(
        "--fail-under",
        type=_fraction,
        default=None,
        metavar="X",
        help="用例通过率低于 X（0–1）时以退出码 1 结束",
    )
    _drafter_option(cases)
    cases.set_defaults(handler=run_cases)


def _register_generate(group: Any) -> None:
    generate = group.add_parser(
        "generate", help="留一法：由语料中每篇讲话推出简报，排除该篇后重新起草并与原文比较"
    )
    generate.add_argument(
        "--limit", type=_positive, default=None, metavar="N", help="最多起草 N 篇"
    )
    _corpus_and_out(generate, "generate")
    _drafter_option(generate)
    generate.set_defaults(handler=run_generate)


def _corpus_and_out(parser: Any, stem: str) -> None:
    parser.add_argument(
        "--corpus",
        type=Path,
        default=None,
        help="speeches.jsonl（默认 corpus/build/ 下）；范文从它检索",
    )
    parser.add_argument(
        "--out", type=Path, default=None, help=f"报告目录（默认 evals/reports），写出 {stem}.*"
    )


def _drafter_option(parser: Any) -> None:
    parser.add_argument(
        "--drafter",
        choices=("builtin", "openai"),
        default=None,
        help="起草器（默认与服务相同：配置了模型接口用模型，否则用内置起草器）",
    )


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"不是整数：{value}") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"应为正整数：{value}")
    return number


def _fraction(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"不是数字：{value}") from None
    if not 0.0 <= number <= 1.0:
        raise argparse.ArgumentTypeError(f"应在 0 到 1 之间：{value}")
    return number


def run_corpus(args: argparse.Namespace) -> int:
    """Score the corpus, write the three reports, print the summary; gate on --fail-under."""
    from evals.harness import CorpusError, corpus_items, evaluate, file_digest, write_reports
    from service.config import PROJECT_ROOT, get_settings
    from service.scoring import Scorer

    settings = get_settings()
    path: Path = args.corpus or settings.build_dir / "speeches.jsonl"
    out: Path = args.out or PROJECT_ROOT / "evals" / "reports"
    try:
        items = corpus_items(path)
    except CorpusError as error:
        print(f"eval corpus：{error}", file=sys.stderr)
        return 2
    run = evaluate(
        items,
        mode="corpus",
        source=path.name,
        source_sha256=file_digest(path),
        scorer=Scorer(load_kit(settings.prompts_dir)),
        progress=_progress(),
    )
    try:
        written = write_reports(run, out, "corpus")
    except OSError as error:
        print(f"eval corpus：无法写出报告到 {out}（{error.strerror or error}）", file=sys.stderr)
        return 2
    s = run.summary
    print(
        f"评测完成：{s.documents} 篇，讲话稿类 {s.speeches} 篇，合格 {s.speeches_passed} 篇"
        f"（{s.pass_rate:.0%}），平均分 {s.mean_score:.3f}；不是讲话稿 {s.not_speech} 篇"
    )
    for doc in run.documents:
        if not doc.passed:
            print(f"  ✗ {doc.id}：{doc.verdict[:120]}")
    print("报告：" + "、".join(str(p) for p in written))
    if args.fail_under is not None and s.mean_score < args.fail_under:
        print(f"平均分 {s.mean_score:.3f} 低于 --fail-under {args.fail_under}", file=sys.stderr)
        return 1
    return 0


def _progress() -> Callable[[int, int], None]:
    tty = sys.stderr.isatty()

    def show(done: int, total: int) -> None:
        if tty:
            end = "\n" if done == total else ""
            print(f"\r已评分 {done}/{total} 篇", end=end, file=sys.stderr, flush=True)
        elif done % PROGRESS_EVERY == 0 or (done == total and total >= PROGRESS_EVERY):
            print(f"已评分 {done}/{total} 篇", file=sys.stderr, flush=True)

    return show


def run_cases(args: argparse.Namespace) -> int:
    """Draft every case, check its assertions, write the reports; gate on --fail-under."""
    from evals.cases import CASES_DIR, CaseError, load_cases
    from evals.cases import run_cases as run_all
    from evals.report_cases import render_cases_html, render_cases_markdown
    from evals.runner import open_pipeline
    from service.config import get_settings

    folder: Path = args.cases or CASES_DIR
    try:
        cases = load_cases(folder, load_kit(get_settings().prompts_dir))
        settings, index = _drafting_setup(args, required=args.corpus is not None)
    except (CaseError, RetrievalError) as error:
        return _fail("cases", error)

    async def draft_all() -> CasesRun:
        async with open_pipeline(settings, load_kit(settings.prompts_dir), index) as pipeline:
            return await run_all(pipeline, cases, source=folder.name, progress=_each("已起草用例"))

    try:
        run = asyncio.run(draft_all())
    except ConfigError as error:
        return _fail("cases", error)
    rendered = (run.to_json(), render_cases_markdown(run), render_cases_html(run))
    if (written := _write("cases", args, rendered)) is None:
        return 2
    _print_cases(run)
    print("报告：" + "、".join(str(p) for p in written))
    rate = run.summary.pass_rate
    if args.fail_under is not None and rate < args.fail_under:
        print(f"通过率 {rate:.0%} 低于 --fail-under {args.fail_under}", file=sys.stderr)
        return 1
    return 0


def _print_cases(run: CasesRun) -> None:
    """The summary line, then every failed assertion (known failures marked)."""
    s = run.summary
    print(
        f"用例 {s.cases} 个，通过 {s.cases_passed} 个（{s.pass_rate:.0%}）；"
        f"断言 {s.assertions} 条，通过 {s.assertions_passed} 条；起草器 {run.drafter}"
    )
    for case in run.cases:
        known = "（已知问题）" if case.known_failure else ""
        if case.error:
            print(f"  ✗ {case.id}{known}：{case.error}")
        for failed in (a for a in case.assertions if not a.passed):
            print(f"  ✗ {case.id}{known}：{failed.label}：{failed.reason[:120]}")
        if case.known_failure and case.passed:
            print(f"  ! {case.id} 标为已知问题，本次却通过：已修复的话请去掉 known_failure")


def run_generate(args: argparse.Namespace) -> int:
    """Draft every example speech again with itself left out; compare; write the reports."""
    from evals.generate import run_generate as run_all
    from evals.harness import file_digest
    from evals.report_generate import render_generate_html, render_generate_markdown
    from evals.runner import open_pipeline

    try:
        settings, index = _drafting_setup(args, required=True)
    except RetrievalError as error:
        return _fail("generate", error)
    assert index is not None
    path = _corpus_path(args, settings)

    async def draft_all() -> GenerateRun:
        async with open_pipeline(settings, load_kit(settings.prompts_dir), index) as pipeline:
            return await run_all(
                pipeline,
                index,
                source=path.name,
                source_sha256=file_digest(path),
                limit=args.limit,
                progress=_each("已重新起草"),
            )

    try:
        run = asyncio.run(draft_all())
    except ConfigError as error:
        return _fail("generate", error)
    rendered = (run.to_json(), render_generate_markdown(run), render_generate_html(run))
    if (written := _write("generate", args, rendered)) is None:
        return 2
    _print_generate(run)
    print("报告：" + "、".join(str(p) for p in written))
    return 0


def _print_generate(run: GenerateRun) -> None:
    s = run.summary
    print(
        f"重新起草 {s.drafted} 篇（跳过 {s.skipped}，失败 {s.failed}）；"
        f"ROUGE-L 平均 {_figure(s.mean_rouge_l)}"
        f"（最相近范文 {_figure(s.mean_nearest_example_rouge_l)}），"
        f"小标题重合度 {_figure(s.mean_heading_overlap)}；草稿合格 "
        f"{s.scores.speeches_passed}/{s.scores.speeches}"
    )
    for doc in run.documents:
        if doc.error:
            print(f"  ✗ {doc.id}：{doc.error}")


def _figure(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


def _corpus_path(args: argparse.Namespace, settings: Settings) -> Path:
    from service.retrieval.saved import CORPUS_FILENAME

    given: Path | None = args.corpus
    return given or settings.build_dir / CORPUS_FILENAME


def _drafting_setup(
    args: argparse.Namespace, *, required: bool
) -> tuple[Settings, CorpusIndex | None]:
    """Settings with the asked-for drafter, and the corpus index (RetrievalError if required)."""
    from evals.runner import with_drafter
    from service.config import get_settings
    from service.resources import load_index

    settings = with_drafter(get_settings(), args.drafter)
    kit = load_kit(settings.prompts_dir)
    if required:
        return settings, open_corpus(_corpus_path(args, settings), kit)
    index = load_index(settings, kit)
    if index is None:
        print("未找到语料库索引：起草时不使用范文", file=sys.stderr)
    return settings, index


def open_corpus(path: Path, kit: Kit) -> CorpusIndex:
    """The index of a corpus file: the saved one beside speeches.jsonl, else built in memory."""
    from service.corpus.records import read_records
    from service.retrieval.index import CorpusIndex
    from service.retrieval.saved import CORPUS_FILENAME, open_index

    if not path.is_file():
        raise RetrievalError(f"找不到语料文件 {path}；请先运行 jianggao corpus build")
    try:
        if path.name == CORPUS_FILENAME:
            index = open_index(path.parent, kit.segmenter)
        else:
            index = CorpusIndex.from_records(read_records(path), kit.segmenter)
    except (OSError, ValueError) as error:
        raise RetrievalError(f"无法读取语料文件 {path}：{error}") from None
    index.type_names = kit.types.names()
    return index


def _write(
    mode: str, args: argparse.Namespace, rendered: tuple[Any, str, str]
) -> list[Path] | None:
    from evals.harness import write_outputs
    from service.config import PROJECT_ROOT

    out: Path = args.out or PROJECT_ROOT / "evals" / "reports"
    try:
        return write_outputs(out, mode, *rendered)
    except OSError as error:
        print(f"eval {mode}：无法写出报告到 {out}（{error.strerror or error}）", file=sys.stderr)
        return None


def _fail(mode: str, error: Exception) -> int:
    print(f"eval {mode}：{error}", file=sys.stderr)
    return 2


def _each(verb: str) -> Callable[[int, int, str], None]:
    """Progress of a drafting run: one line per item, as drafting one takes a while."""

    def show(done: int, total: int, what: str) -> None:
        print(f"{verb} {done}/{total}：{what}", file=sys.stderr, flush=True)

    return show
