"""Errors as RFC 9457 problem documents: the one place that chooses HTTP status codes."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from service.errors import (
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
# What each field is called on the page and in the brief, for messages that name it.
FIELD_LABELS = {
    "speech_type": "讲话类型", "meeting": "会议名称", "speaker": "讲话人职务",
    "organization": "单位", "date": "会议日期", "audience": "参会对象", "purpose": "会议目的",
    "achievements": "成绩", "problems": "问题", "points": "要讲的几点",
    "required_phrases": "必须出现的提法", "forbidden_phrases": "不得出现的词语",
    "target_chars": "目标字数", "notes": "其他要求", "agenda": "议程", "attendees": "出席人员",
    "point_count": "要点数量", "outline": "提纲", "mode": "起草方式", "instruction": "修改要求",
    "text": "文字", "brief": "简报", "title": "标题", "details": "具体内容",
    "heading": "标题", "subpoints": "要点", "parts": "", "chars": "字数",
    "topic": "内容", "limit": "条数", "offset": "起点",
    "version": "版本", "format": "格式", "encoding": "编码", "body": "请求体",
}  # fmt: skip
_ROW_UNIT = {"points": "点", "agenda": "项", "parts": "部分", "details": "条"}


def problem(status: int, title: str, detail: str, *, code: str, **extra: Any) -> JSONResponse:
    """A problem+json response."""
    body = {"type": TYPE_BASE + code, "title": title, "status": status, "detail": detail}
    body.update({k: v for k, v in extra.items() if v is not None})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def status_of(error: JianggaoError) -> int:
    """The HTTP status of one of our errors."""
    return next((status for kind, status in _STATUS if isinstance(error, kind)), 500)


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


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


def plain_message(error: dict[str, Any]) -> str:
    """One validation error in plain Chinese, naming the limit that was passed."""
    kind = str(error.get("type", ""))
    ctx = dict(error.get("ctx") or {})
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


def validation_problem(errors: list[dict[str, Any]]) -> JSONResponse:
    """A 422 naming every field at fault, in plain words, with the limit that was passed."""
    fields = [
        {"field": _field(tuple(e.get("loc", ()))), "message": plain_message(e)} for e in errors
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
        response = problem(status_of(exc), exc.title, exc.detail, code=exc.code, field=exc.field)
        return rejected(request, response, code=exc.code, field=exc.field)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        response = validation_problem(list(exc.errors()))
        fields = sorted({_field(tuple(e.get("loc", ()))) for e in exc.errors()})
        return rejected(request, response, code="validation-error", field=",".join(fields))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        title = {404: "找不到", 405: "不支持这种请求方法", 401: "需要 API 密钥"}.get(
            exc.status_code, "请求出错"
        )
        detail = {404: "没有这个地址", 405: "这个地址不接受这种请求"}.get(
            exc.status_code, str(exc.detail)
        )
        response = problem(exc.status_code, title, detail, code=f"http-{exc.status_code}")
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return rejected(request, response, code=f"http-{exc.status_code}")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("request.crashed", exc_info=exc, extra={"fields": {"path": request.url.path}})
        return problem(
            500, "服务内部出错", f"意外错误：{type(exc).__name__}", code="internal-error"
        )
