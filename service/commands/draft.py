"""`jianggao draft BRIEF.json`: draft a speech with what the service would use.

Exit 0 when the draft passes the checks, 1 when it does not, 2 on bad input
(a file, the brief, the outline, --out, a setting), 3 when drafting failed
(the model endpoint gave up). Progress goes to stderr, the result to stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, get_args

from service.commands.check import BadInput, load_brief, read_json, validated
from service.config import DraftMode

if TYPE_CHECKING:
    from service.config import Settings
    from service.export import ExportFormat
    from service.pipeline.outline import Outline
    from service.pipeline.pipeline import Draft, DraftEvent, Mode
    from service.schemas import Brief

EXIT_PASSED, EXIT_FAILED, EXIT_BAD_INPUT, EXIT_DRAFTING_FAILED = 0, 1, 2, 3
BUILTIN_LABEL = "内置起草器（未配置模型）"
_SUFFIXES = {".docx": "docx", ".md": "md", ".markdown": "md", ".txt": "txt"}


def register(commands: Any) -> None:
    """Add the `draft` sub-command."""
    parser = commands.add_parser(
        "draft",
        help="按简报起草讲话稿（配置了模型就用模型，否则用内置起草器）",
        epilog="退出码：0 通过检查；1 未通过检查；2 输入有误；3 起草失败（模型服务出错）",
    )
    parser.add_argument("brief", type=Path, metavar="BRIEF.json", help="简报（JSON）")
    parser.add_argument(
        "--out",
        type=Path,
        default=None,
        metavar="FILE",
        help="写出文件：.docx（公文格式）、.md 或 .txt，按扩展名",
    )
    parser.add_argument(
        "--mode",
        choices=get_args(DraftMode),
        default=None,
        help="subpoints：分论点并行，提纲边写边起草（默认，可用 JIANGGAO_DRAFT_MODE 改）；"
        "parallel：分部分并行；single：一次写成全文",
    )
    parser.add_argument("--json", action="store_true", help="输出完整草稿 JSON（含检查报告）")
    parser.add_argument(
        "--outline",
        type=Path,
        default=None,
        metavar="OUTLINE.json",
        help="按此提纲起草（POST /v1/outlines 的结果，可修改）",
    )
    parser.add_argument(
        "--encoding",
        choices=("utf-8", "gb18030"),
        default="utf-8",
        help="写出 .txt/.md 时的编码（默认 utf-8）",
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    """Draft the brief, print or write the result, and say whether it passed the checks."""
    from pydantic import ValidationError

    from service.config import get_settings
    from service.errors import ConfigError, InputError, JianggaoError, OutlineMismatch

    try:
        fmt = output_format(args.out) if args.out else None
        brief = load_brief(args.brief)
        outline = load_outline(args.outline) if args.outline else None
        settings = get_settings()
    except BadInput as error:
        return _fail(str(error), EXIT_BAD_INPUT)
    except ValidationError as error:  # a JIANGGAO_* environment variable with a bad value
        return _fail(f"配置有误：{error}", EXIT_BAD_INPUT)
    try:
        draft = asyncio.run(_draft(settings, brief, outline, args.mode or settings.draft_mode))
    except OutlineMismatch as error:
        return _fail(f"{args.outline} 与简报不符：{error.detail}", EXIT_BAD_INPUT)
    except ConfigError as error:
        return _fail(f"配置有误：{error.detail}", EXIT_BAD_INPUT)
    except InputError as error:
        where = f"字段 {error.field}：" if error.field else ""
        return _fail(f"{args.brief} 不是有效的简报：{where}{error.detail}", EXIT_BAD_INPUT)
    except JianggaoError as error:
        return _fail(f"起草失败：{error.detail}", EXIT_DRAFTING_FAILED)
    try:
        _emit(args, draft, fmt, brief)
    except OSError as error:
        return _fail(f"无法写出 {args.out}（{error.strerror or error}）", EXIT_BAD_INPUT)
    return EXIT_PASSED if draft.report.passed else EXIT_FAILED


def _emit(args: argparse.Namespace, draft: Draft, fmt: ExportFormat | None, brief: Brief) -> None:
    """The file --out names, then the JSON, or the text (unless it went to a file) and summary."""
    if fmt is not None:
        _write(args.out, draft, fmt, args.encoding, brief)
    if args.json:
        print(json.dumps(draft.model_dump(mode="json"), ensure_ascii=False, indent=2))
        return
    if fmt is None:
        print(draft.text, end="\n\n")
    print(format_summary(draft))


def _fail(message: str, code: int) -> int:
    print(f"draft：{message}", file=sys.stderr)
    return code


def output_format(path: Path) -> ExportFormat:
    """The export format --out asks for by its extension; BadInput before any drafting."""
    from service.export import ExportFormat

    value = _SUFFIXES.get(path.suffix.lower())
    if value is None:
        raise BadInput(f"--out 只能写 .docx、.md 或 .txt 文件，不认识 {path.name}")
    if not path.parent.is_dir():
        raise BadInput(f"--out 的目录不存在：{path.parent}")
    return ExportFormat(value)


def load_outline(path: Path) -> Outline:
    """An outline file (as POST /v1/outlines returns, or a draft JSON holding one)."""
    from service.pipeline.outline import Outline

    data = read_json(path)
    if isinstance(data, dict) and isinstance(data.get("outline"), dict):
        data = data["outline"]
    return validated(Outline, data, path, "提纲")


async def _draft(settings: Settings, brief: Brief, outline: Outline | None, mode: Mode) -> Draft:
    """Build what the API builds (drafter, corpus index, scorer) and run the pipeline once."""
    from service.knowledge.kit import load_kit
    from service.pipeline.pipeline import Draft
    from service.resources import load_index, pipeline_for

    kit = load_kit(settings.prompts_dir)
    pipeline, client = pipeline_for(settings, kit, load_index(settings, kit))
    drafter = pipeline.drafter
    _progress(f"起草器：{_drafter_label(drafter.name, drafter.model)}")
    result: Draft | None = None
    try:
        async for event in pipeline.events(brief, outline, mode):
            _report_progress(event)
            if event.event == "done":
                result = Draft.model_validate(event.data)
    finally:
        if client is not None:
            await client.aclose()
    assert result is not None, "the pipeline always ends with a done event"
    return result


def _report_progress(event: DraftEvent) -> None:
    from service.text.normalise import count_chars

    data = event.data
    if event.event == "outline":
        parts = data["outline"]["parts"]
        _progress(f"提纲：{data['outline']['title']}（{len(parts)}个部分）")
        for number, part in enumerate(parts, 1):
            _progress(f"  {number}. {part.get('heading') or _gist_label(part)}")
    elif event.event == "section.done":
        _progress(f"第{data['index'] + 1}部分写成（{count_chars(data['text'])}字）")
    elif event.event == "report":
        _progress(f"检查完成：评分 {data['score']:.2f}")


def _gist_label(part: dict[str, Any]) -> str:
    """A headingless part (opening, closing) named by the first clause of its gist."""
    gist = re.split(r"[，。；：]", part.get("gist") or "", maxsplit=1)[0]
    return f"（{gist[:20] or part['role']}）"


def _progress(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def _write(path: Path, draft: Draft, fmt: ExportFormat, encoding: Any, brief: Brief) -> None:
    """The file, with the brief's speaker and date under the title as the API's export has them."""
    from service.export import Byline, export

    byline = Byline(speaker=brief.speaker, date=brief.date)
    exported = export(
        draft.title, draft.text, fmt, encoding=encoding, created=draft.created_at, byline=byline
    )
    path.write_bytes(exported.data)
    _progress(f"已写入 {path}（{len(exported.data)} 字节）")


def _drafter_label(name: str, model: str | None) -> str:
    if name == "builtin":
        return BUILTIN_LABEL
    return f"{name}（模型 {model}）" if model else name


def format_summary(draft: Draft) -> str:
    """Score, verdict, who drafted it, the failed checks with their details, and the notes."""
    from service.text.normalise import count_chars

    report = draft.report
    verdict = "通过" if report.passed else "未通过"
    seconds = draft.timings_ms.get("total", 0) / 1000
    lines = [
        f"检查：评分 {report.score:.2f}，{verdict}",
        f"起草器：{_drafter_label(draft.drafter, draft.model)}",
        f"字数：{count_chars(draft.text)}，用时 {seconds:.1f} 秒，范文 {len(draft.examples)} 篇",
    ]
    if report.failed:
        lines.append("未通过的检查：")
        lines.extend(f"  ✗ {check.name}：{check.detail}" for check in report.failed)
    if draft.notes:
        lines.append("说明：")
        lines.extend(f"  - {note}" for note in draft.notes)
    return "\n".join(lines)
