"""`jianggao check FILE`: score a speech text with the scorer; exit 0 passed, 1 not, 2 bad input."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from pydantic import BaseModel

if TYPE_CHECKING:
    from service.retrieval.examples import Example
    from service.schemas import Brief
    from service.scoring import Report

EXIT_PASSED, EXIT_FAILED, EXIT_BAD_INPUT = 0, 1, 2
M = TypeVar("M", bound=BaseModel)


class BadInput(Exception):
    """A file or option the command cannot use; the message says which and why."""


def register(commands: Any) -> None:
    """Add the `check` sub-command."""
    parser = commands.add_parser("check", help="检查讲话稿的格式、提法、数字与抄袭，给出评分")
    parser.add_argument("file", type=Path, help="讲话稿文本文件（UTF-8 或 GB18030）")
    parser.add_argument(
        "--brief", type=Path, default=None, metavar="BRIEF.json", help="起草所依据的简报（JSON）"
    )
    parser.add_argument(
        "--type",
        dest="speech_type",
        default=None,
        metavar="TYPE",
        help="讲话类型，如 progress 或 推进会讲话",
    )
    parser.add_argument(
        "--example",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="起草时参考的范文（可重复）",
    )
    parser.add_argument(
        "--draft",
        action="store_true",
        help="按草稿检查（占位符算错）；给了 --brief 时默认如此",
    )
    parser.add_argument("--json", action="store_true", help="输出 JSON 报告")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Score the file and print the report."""
    from service.config import get_settings
    from service.errors import InputError
    from service.knowledge.kit import load_kit
    from service.scoring import Scorer

    try:
        text = read_text(args.file)
        brief = load_brief(args.brief) if args.brief else None
        speech_type = args.speech_type
        examples = [_example(path) for path in args.example]
        report = Scorer(load_kit(get_settings().prompts_dir)).score(
            text,
            brief=brief,
            speech_type=speech_type,
            examples=examples,
            draft=True if args.draft else None,
        )
    except (BadInput, InputError) as error:
        print(f"check：{error.detail if isinstance(error, InputError) else error}", file=sys.stderr)
        return EXIT_BAD_INPUT
    if args.json:
        print(json.dumps(report.model_dump(mode="json"), ensure_ascii=False, indent=2))
    else:
        print(format_report(report, args.file.name))
    return EXIT_PASSED if report.passed else EXIT_FAILED


def read_text(path: Path) -> str:
    """A text file in UTF-8 (with or without BOM) or GB18030, as office files come."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(f"文件不存在：{path}") from None
    except OSError as error:
        raise BadInput(f"无法读取 {path}：{error.strerror or error}") from None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BadInput(f"{path} 既不是 UTF-8 也不是 GB18030 编码的文本")


def read_json(path: Path) -> Any:
    """A JSON file's content; BadInput names the line and column of a syntax error."""
    try:
        return json.loads(read_text(path))
    except json.JSONDecodeError as error:
        raise BadInput(
            f"{path} 不是有效的 JSON（第{error.lineno}行第{error.colno}列：{error.msg}）"
        ) from None


def validated(model: type[M], data: Any, path: Path, what: str) -> M:
    """Data as the model; BadInput names every field at fault, in the file's terms."""
    from pydantic import ValidationError

    try:
        return model.model_validate(data)
    except ValidationError as error:
        problems = "；".join(
            f"字段 {'.'.join(str(p) for p in e['loc']) or '(整体)'}：{e['msg']}"
            for e in error.errors()
        )
        raise BadInput(f"{path} 不是有效的{what}：{problems}") from None


def load_brief(path: Path) -> Brief:
    """Read and validate a brief; errors name the file, the field and what is wrong."""
    from service.schemas import Brief

    return validated(Brief, read_json(path), path, "简报")


def _example(path: Path) -> Example:
    from service.retrieval.examples import Example

    return Example.of_text(path.name, read_text(path))


def format_report(report: Report, name: str) -> str:
    """A readable table: verdict, what the substance checks found (first: what a writer would
    throw the text away for), the structure summary, then the form checks and what was
    skipped."""
    s = report.structure
    verdict = "通过" if report.passed else "未通过"
    mode = "草稿" if report.mode == "draft" else "语料"
    announced = "未宣布" if s.points_announced is None else f"宣布{s.points_announced}点"
    lines = [
        f"{name}：评分 {report.score:.2f}，内容 {report.substance_score:.2f}，{verdict}"
        f"（按{mode}检查）",
        f"类别 {s.kind}，类型 {s.speech_type or '未知'}，{s.chars}字，"
        f"称呼 {s.salutation or '无'}，要点 {announced}/实有{s.points_found}点",
    ]
    width = max((len(c.name) for c in report.checks), default=10)
    for title, checks in (
        ("内容", [c for c in report.checks if c.substance]),
        ("格式与简报", [c for c in report.checks if not c.substance]),
    ):
        if not checks:
            continue
        lines += ["", f"{title}："]
        for check in sorted(checks, key=lambda c: c.passed):
            mark = "✓" if check.passed else "✗"
            lines.append(f"  {mark} {check.name:<{width}}  权重{check.weight}  {check.detail}")
    if report.skipped:
        lines.append("")
        lines.append("未运行：")
        lines.extend(f"  - {item.name}：{item.reason}" for item in report.skipped)
    return "\n".join(lines)
