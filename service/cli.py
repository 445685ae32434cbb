"""The `jianggao` command: one sub-command group per module in service/commands/, plus the
groups other installed packages register under the `jianggao.commands` entry point (the
evaluation harness adds `jianggao eval` this way, so the service never imports it)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from importlib.metadata import entry_points

from pydantic import ValidationError

from service import __version__
from service.commands import check, corpus, db, draft, serve
from service.config import get_settings
from service.logs import configure_logging

COMMAND_GROUP = "jianggao.commands"


def build_parser() -> argparse.ArgumentParser:
    """All sub-commands; each command module adds its own arguments."""
    parser = argparse.ArgumentParser(
        prog="jianggao", description="讲稿：起草会议讲话稿、主持词、表态发言的服务与工具。"
    )
    parser.add_argument("--version", action="version", version=f"jianggao {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (serve, db, corpus, draft, check):
        module.register(commands)
    for plugin in sorted(entry_points(group=COMMAND_GROUP), key=lambda e: e.name):
        plugin.load()(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the process exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
        # A command's own output is its report; its log lines stay quiet unless asked for.
        asked = "JIANGGAO_LOG_LEVEL" in os.environ or args.command == "serve"
        configure_logging(settings.log_format, settings.log_level if asked else "WARNING")
        code: int = args.handler(args)
    except KeyboardInterrupt:
        print("已中断。", file=sys.stderr)
        return 130
    except ValidationError as error:
        if error.title != "Settings":
            raise
        print(f"设置有误，未启动：\n{settings_problems(error)}", file=sys.stderr)
        return 2
    return code


def settings_problems(error: ValidationError) -> str:
    """One line per bad environment variable, named as the user set it."""
    lines = []
    for problem in error.errors():
        name = "_".join(str(p) for p in problem["loc"]).upper()
        name = name if name.startswith(("JIANGGAO_", "OPENAI_")) else "JIANGGAO_" + name
        shown = "（已隐藏）" if "KEY" in name else repr(problem.get("input"))
        lines.append(f"  {name}={shown}：{problem['msg']}")
    return "\n".join(lines)


if __name__ == "__main__":
    raise SystemExit(main())
