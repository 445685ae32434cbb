"""`jianggao eval corpus`: score every document of the built corpus and write the reports.

The `cases` and `generate` modes (drafts from briefs) join when the drafter exists;
they reuse evals.harness.evaluate and write_reports with their own item source.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

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

    path: Path = args.corpus or get_settings().build_dir / "speeches.jsonl"
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
