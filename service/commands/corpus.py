"""`jianggao corpus build|search`: build the cleaned corpus from source files; search it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

# Without a terminal, progress is printed every this many files.
PROGRESS_EVERY = 500


def register(commands: Any) -> None:
    """Add the `corpus` sub-command group; each action adds itself with one _add_* call."""
    parser = commands.add_parser("corpus", help="语料库：清洗入库、检索")
    group = parser.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")
    _add_build(group)


def _add_build(group: Any) -> None:
    build = group.add_parser("build", help="清洗 corpus/raw/ 下的源文件，写出 speeches.jsonl")
    build.add_argument(
        "--source",
        type=Path,
        default=None,
        help="源文件目录或单个文件（默认取 JIANGGAO_CORPUS_DIR）",
    )
    build.add_argument(
        "--out",
        type=Path,
        default=None,
        help="输出的 jsonl 文件（默认 corpus/build/speeches.jsonl）",
    )
    build.set_defaults(handler=run_build)


def run_build(args: argparse.Namespace) -> int:
    """Build the corpus, write speeches.jsonl and print the summary table."""
    from service.config import get_settings
    from service.corpus.build import CorpusBuildError, build_corpus
    from service.corpus.summary import format_summary

    settings = get_settings()
    source: Path = args.source or settings.corpus_dir
    out: Path = args.out or settings.build_dir / "speeches.jsonl"
    try:
        report = build_corpus(
            source, out, max_source_mb=settings.max_source_mb, progress=_progress_printer()
        )
    except CorpusBuildError as error:
        print(f"corpus build：{error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"corpus build：无法写出 {out}（{error.strerror or error}）", file=sys.stderr)
        return 2
    print(format_summary(report), end="")
    return 0


def _progress_printer() -> Callable[[int, int], None]:
    """A counter on stderr: every file on a terminal, every PROGRESS_EVERY files otherwise."""
    tty = sys.stderr.isatty()

    def show(done: int, total: int) -> None:
        if tty:
            end = "\n" if done == total else ""
            print(f"\r已处理 {done}/{total} 个文件", end=end, file=sys.stderr, flush=True)
        elif done % PROGRESS_EVERY == 0 or (done == total and total >= PROGRESS_EVERY):
            print(f"已处理 {done}/{total} 个文件", file=sys.stderr, flush=True)

    return show
