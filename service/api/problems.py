"""Errors as RFC 9457 problem documents: the one place that chooses HTTP status codes."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import (
    Busy,
    ConfigError,
    CorpusError,
    InputError,
    JianggaoError,
    NotFound,
    RateLimited,
    StoreError,
    UpstreamError,
    UpstreamRateLimited,
    UpstreamTimeout,
)
from service.logs import get_logger, log_event
from service.schemas import FIELD_LABELS

log = get_logger(__name__)
PROBLEM_JSON = "application/problem+json"
TYPE_BASE = "urn:jianggao:problem:"
LOGGED_FIELD_CHARS = 60  # a made-up field's name can be any length; the log keeps its start

_STATUS: tuple[tuple[type[JianggaoError], int], ...] = (
    (InputError, 422),
    (NotFound, 404),
    (UpstreamTimeout, 504),
    (UpstreamRateLimited, 502),
    (UpstreamError, 502),
    (ConfigError, 500),
    (StoreError, 503),
    (Busy, 503),
    (RateLimited, 429),
    (CorpusError, 503),
)
_MESSAGES = {
    "missing": "必填，请填写",
    "extra_forbidden": "不认识这个字段（可能拼错了）",
    "json_invalid": "请求体不是合法的 JSON",
    "string_too_short": "内容太短，至少要 {min_length} 个字",
    "string_too_long": "内容太长，最多 {max_length} 个字，现在是 {actual} 个字",
    "too_short": "条目太少，至少要 {min_length} 条",
    "too_long": "条目太多，最多 {max_length} 条，现在是 {actual_length} 条",
    "less_than_equal": "数值太大，不能超过 {le}",
    "greater_than_equal": "数值太小，不能少于 {ge}",
    "less_than": "数值太大，应小于 {lt}",
    "greater_than": "数值太小，应大于 {gt}",
    "int_parsing": "应为整数",
    "int_type": "应为整数",
    "string_type": "应为文字",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_attributes_type": "应为 JSON 对象",
    "literal_error": "只能是 {expected} 之一",
    "enum": "只能是 {expected} 之一",
}
_ROW_UNIT = {"points": "点", "agenda": "项", "parts": "部分", "details": "条"}


def problem(status: int, title: str, detail: str, *, code: str, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body = {"type": TYPE_BASE + code, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def status_of(error: JianggaoError) -> int:
    """The HTTP status of one of our errors."""
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 500)


def _field(loc: tuple[Any, ...], kind: str = "") -> str:
    if kind == "json_invalid":
        return "body"  # its loc holds a byte offset, not a field
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


def error_problem(error: JianggaoError) -> JSONResponse:
    """The problem+json answer to one of our errors, with Retry-After when it has one."""
    response = problem(
        status_of(error), error.title, error.detail, code=error.code, field=error.field
    )
    retry_after = getattr(error, "retry_after_s", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def field_label(field: str) -> str:
    """A field path in words: points.1.details.0 → 要讲的几点第2点的第1条具体内容."""
    words: list[str] = []
    parts = field.split(".")
    for position, part in enumerate(parts):
        if part.isdigit():
            unit = _ROW_UNIT.get(parts[position - 1], "条") if position else "条"
            words.append(f"第{int(part) + 1}{'行' if unit == '条' and position == 1 else unit}")
        else:
            label = FIELD_LABELS.get(part, part)
            words.append(f"的{label}" if words and words[-1].startswith("第") else label)
    return "".join(words)


def plain_message(error: dict[str, Any], body: Any = None) -> str:
    """One validation error in plain Chinese, naming the limit that was passed (and, for
    JSON that does not parse, the line and column where it breaks)."""
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
    if kind == "json_invalid":
        return _MESSAGES[kind] + _json_position(body, error.get("loc", ()))
    if kind == "value_error" and ctx.get("error") is not None:
        return str(ctx["error"])  # our validators' own Chinese sentences
    template = _MESSAGES.get(kind)
    if template is None:
        return "填写的内容不符合要求"
    given = error.get("input")
    if kind == "string_too_long" and isinstance(given, str):
        ctx["actual"] = len(given)
    if "expected" in ctx:
        ctx["expected"] = str(ctx["expected"]).replace("'", "")
    try:
        return template.format(**ctx)
    except (KeyError, IndexError):
        return template.split("，")[0]


def _json_position(body: Any, loc: Any) -> str:
    """Where the JSON breaks, as an editor shows it: line and column, not a byte offset."""
    offset = next((p for p in reversed(tuple(loc)) if isinstance(p, int)), None)
    if offset is None:
        return ""
    text = body.decode("utf-8", "replace") if isinstance(body, bytes) else body
    if not isinstance(text, str):
        return ""
    before = text[:offset]
    line = before.count("\n") + 1
    column = offset - (before.rfind("\n") + 1) + 1
    return f"（第 {line} 行第 {column} 列）"


def validation_problem(errors: list[dict[str, Any]], body: Any = None) -> JSONResponse:
    """A 422 naming every field at fault, in plain words, with the limit that was passed."""
    fields = [
        {
            "field": _field(tuple(e.get("loc", ())), str(e.get("type", ""))),
            "message": plain_message(e, body),
        }
        for e in errors
    ]
    first = fields[0] if fields else {"field": "body", "message": "请求无效"}
    detail = "；".join(f"{field_label(f['field'])}：{f['message']}" for f in fields) or "请求无效"
    return problem(
        422, "请修改标出的内容", detail, code="validation-error", field=first["field"],
        errors=fields,
    )  # fmt: skip


def rejected(request: Request, response: JSONResponse, **fields: Any) -> JSONResponse:
    """Log a request answered with an error (one line, no body text), and pass the answer on."""
    level = logging.ERROR if response.status_code >= 500 else logging.INFO
    log_event(
        log,
        "request.rejected",
        level,
        method=request.method,
        path=request.url.path,
        status=response.status_code,
        **{k: v for k, v in fields.items() if v is not None},
    )
    return response


def install(app: FastAPI) -> None:
    """Register the handlers: our errors, validation errors, HTTP errors, anything else."""

    @app.exception_handler(JianggaoError)
    async def _ours(request: Request, exc: JianggaoError) -> JSONResponse:
        return rejected(request, error_problem(exc), code=exc.code, field=exc.field)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        response = validation_problem(list(exc.errors()), exc.body)
        fields = sorted(
            {
                _field(tuple(e.get("loc", ())), e.get("type", ""))[:LOGGED_FIELD_CHARS]
                for e in exc.errors()
            }
        )
        return rejected(request, response, code="validation-error", field=",".join(fields))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {
            400: "请求体无法读取",
            404: "找不到",
            405: "不支持这种请求方法",
            401: "需要 API 密钥",
            413: "请求体过大",
        }.get(exc.status_code, "请求出错")
        detail = {
            400: "请求体无法读取：请发送 UTF-8 编码的 JSON",  # the framework's English words
            404: "没有这个地址",
            405: "这个地址不接受这种请求",
        }.get(exc.status_code, str(exc.detail))
        code = "too-large" if exc.status_code == 413 else f"http-{exc.status_code}"
        field = "body" if exc.status_code == 400 else None
        response = problem(exc.status_code, title, detail, code=code, field=field)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return rejected(request, response, code=code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("request.crashed", exc_info=exc, extra={"fields": {"path": request.url.path}})
        return problem(
            500, "服务内部出错", f"意外错误：{type(exc).__name__}", code="internal-error"
        )
