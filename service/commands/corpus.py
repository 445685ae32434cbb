"""`jianggao corpus build|search`: build the cleaned corpus from source files; search it."""

from __future__ import annotations

import argparse
from typing import Any


def register(commands: Any) -> None:
    """Add the `corpus` sub-command group."""
    parser = commands.add_parser("corpus", help="语料库：清洗入库、检索")
    group = parser.add_subparsers(dest="corpus_command", required=True, metavar="ACTION")
    build = group.add_parser("build", help="清洗 corpus/raw/ 下的源文件，写出 speeches.jsonl")
    build.set_defaults(handler=run_build)


def run_build(args: argparse.Namespace) -> int:
    """Build the corpus (implemented in service.corpus)."""
    raise SystemExit("corpus build: not yet implemented")
