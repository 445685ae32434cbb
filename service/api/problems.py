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

_STATUS: tuple[tuple[type[JianggaoError], int], ...] = (
    (InputError, 422),
    (NotFound, 404),
    (UpstreamTimeout, 504),
    (UpstreamRateLimited, 502),
    (UpstreamError, 502),
    (ConfigError, 500),
    (StoreError, 503),
    (Busy, 503),
    (CorpusError, 503),
)
_MESSAGES = {
    "missing": "必填字段缺失",
    "extra_forbidden": "不认识这个字段（可能拼错了）",
    "json_invalid": "请求体不是合法的 JSON",
    "string_too_short": "内容太短",
    "string_too_long": "内容太长",
    "too_long": "条目太多",
    "less_than_equal": "数值太大",
    "greater_than_equal": "数值太小",
    "int_parsing": "应为整数",
    "string_type": "应为字符串",
    "list_type": "应为列表",
    "dict_type": "应为对象",
    "model_attributes_type": "应为 JSON 对象",
}


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


def _label(field: str) -> str:
    """points.2.details → 要点第3项的要点细节: the field as the writer knows it."""
    words: list[str] = []
    for part in field.split("."):
        if part.isdigit() and words:
            words[-1] += f"第{int(part) + 1}项"
        elif part in FIELD_LABELS:
            words.append(FIELD_LABELS[part])
        elif part != "body":
            words.append(part)
    return "的".join(words) or "请求体"


def _message(error: dict[str, Any], body: Any) -> str:
    kind, ctx = error.get("type", ""), error.get("ctx") or {}
    message = _MESSAGES.get(kind, "") or str(error.get("msg", ""))
    if kind == "json_invalid":
        return message + _json_position(body, error.get("loc", ()))
    if kind == "string_too_long" and "max_length" in ctx:
        return f"{message}（最多 {ctx['max_length']} 字）"
    if kind == "too_long" and "max_length" in ctx:
        return f"{message}（最多 {ctx['max_length']} 项）"
    if kind == "less_than_equal" and "le" in ctx:
        return f"{message}（最大 {ctx['le']}）"
    return message


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
    """A 422 naming every field at fault, in plain words."""
    fields = []
    for e in errors:
        field = _field(tuple(e.get("loc", ())), e.get("type", ""))
        fields.append(
            {
                "field": field,
                "label": _label(field),
                "message": _message(e, body),
                "detail": str(e.get("msg", "")),
            }
        )
    first = fields[0] if fields else {"field": "body", "message": "请求无效"}
    detail = "；".join(f"{f['label']}（{f['field']}）：{f['message']}" for f in fields)
    detail = detail.replace("请求体（body）：", "") or "请求无效"
    return problem(
        422, "请求内容有误", detail, code="validation-error", field=first["field"], errors=fields
    )


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
        response = problem(status_of(exc), exc.title, exc.detail, code=exc.code, field=exc.field)
        if isinstance(exc, Busy):
            response.headers["Retry-After"] = str(exc.retry_after_s)
        return rejected(request, response, code=exc.code, field=exc.field)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        response = validation_problem(list(exc.errors()), exc.body)
        fields = sorted({_field(tuple(e.get("loc", ())), e.get("type", "")) for e in exc.errors()})
        return rejected(request, response, code="validation-error", field=",".join(fields))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {
            404: "Not found",
            405: "Method not allowed",
            401: "Unauthorized",
            413: "请求体过大",
        }.get(exc.status_code, "HTTP error")
        code = "too-large" if exc.status_code == 413 else f"http-{exc.status_code}"
        response = problem(exc.status_code, title, str(exc.detail), code=code)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return rejected(request, response, code=code)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("request.crashed", exc_info=exc, extra={"fields": {"path": request.url.path}})
        return problem(
            500, "Internal error", f"意外错误：{type(exc).__name__}", code="internal-error"
        )
