"""`jianggao corpus build|search`: build the cleaned corpus from source files; search it."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from service.errors import CorpusBuildError, InputError, RetrievalError

if TYPE_CHECKING:
    from service.text.segment import Segmenter

# Without a terminal, progress is printed every this many files.
PROGRESS_EVERY = 500


def register(commands: Any) -> None:
    """Add the `corpus` sub-command group; each action adds itself with one _add_* call."""
    parser = commands.add_parser("corpus", help="语料库：清洗入库、检索")
    group = parser.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")
    _add_build(group)
    _add_search(group)


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
    from service.corpus.build import build_corpus
    from service.corpus.lock import build_lock
    from service.corpus.records import write_records
    from service.corpus.summary import format_summary
    from service.knowledge.kit import load_kit

    settings = get_settings()
    kit = load_kit(settings.prompts_dir)
    source: Path = args.source or settings.corpus_dir
    out: Path = args.out or settings.build_dir / "speeches.jsonl"
    try:
        report = build_corpus(
            source, None, kit.types, max_source_mb=settings.max_source_mb,
            progress=_progress_printer(),
        )  # fmt: skip
        with build_lock(out.parent):  # a running service may be adding an upload
            write_records(out, report.records)
            report.out = out
            print(format_summary(report), end="")
            return _index_after_build(out, kit.segmenter)
    except CorpusBuildError as error:
        print(f"corpus build：{error}", file=sys.stderr)
        return 2
    except OSError as error:
        print(f"corpus build：无法写出 {out}（{error.strerror or error}）", file=sys.stderr)
        return 2


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


def _index_after_build(out: Path, segmenter: Segmenter) -> int:
    """Build the retrieval index beside the new speeches.jsonl (unchanged records are reused)."""
    from service.corpus.records import read_records
    from service.retrieval.saved import INDEX_DIRNAME, build_index

    index_dir = out.parent / INDEX_DIRNAME
    index = build_index(read_records(out), index_dir, segmenter, source=out)
    print(f"检索索引：{len(index.speeches)} 篇、{len(index.sections)} 段 → {index_dir}")
    return 0


def _add_search(group: Any) -> None:
    search = group.add_parser("search", help="检索语料库，列出范文及得分")
    search.add_argument("query", nargs="+", help="检索词，可写一句话")
    search.add_argument(
        "--type", dest="speech_type", default=None, help="讲话类型，如 progress 或 推进会讲话"
    )
    search.add_argument("--k", type=int, default=5, help="返回几篇（默认 5）")
    search.add_argument(
        "--section",
        default=None,
        help="只检索某类段落：opening、achievements、problems、agenda、point、closing",
    )
    search.add_argument(
        "--all", action="store_true", help="连新闻报道、重复稿一起列出（它们不作范文）"
    )
    search.add_argument("--json", action="store_true", help="输出 JSON")
    search.set_defaults(handler=run_search)


def run_search(args: argparse.Namespace) -> int:
    """Search the corpus index (built first if missing or stale) and print the hits."""
    import json

    from service.config import get_settings
    from service.knowledge.kit import load_kit
    from service.retrieval.saved import open_index

    settings = get_settings()
    kit = load_kit(settings.prompts_dir)
    query = " ".join(args.query).strip()
    try:
        speech_type = kit.types.get(args.speech_type).type if args.speech_type else None
        if not query or args.k < 1:
            raise ValueError("检索词不能为空，--k 必须是正整数")
        index = open_index(settings.build_dir, kit.segmenter)
        index.type_names = kit.types.names()
        if args.section:
            hits = index.search_sections(query, args.section, speech_type=speech_type, k=args.k)
        else:
            hits = index.search(
                query, speech_type=speech_type, k=args.k, examples_only=not args.all
            )
    except (ValueError, RetrievalError, OSError, InputError) as error:
        detail = error.detail if isinstance(error, InputError) else error
        print(f"corpus search：{detail}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps([hit.as_json() for hit in hits], ensure_ascii=False, indent=2))
    else:
        _print_hits(hits)
    return 0


def _print_hits(hits: list[Any]) -> None:
    if not hits:
        print("没有找到匹配的范文。")
    for rank, hit in enumerate(hits, start=1):
        kind = hit.record.speech_type or hit.record.kind
        where = f" [{hit.section.role}] {hit.section.heading}" if hit.section else ""
        print(f"{rank}. {hit.score:7.3f}  {hit.record.id}  ({kind})  {hit.record.title}{where}")
        print(f"   {hit.why}")
