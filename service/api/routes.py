"""HTTP routes: drafts, outlines, checks, speech types, the corpus. Errors leave as problem+json."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from service import metrics
from service.api.admission import Admission, Ticket
from service.api.detached import DetachedDrafts
from service.api.problems import problem, status_of
from service.errors import InputError, JianggaoError, NotFound, OutlineMismatch, PromptTooLong
from service.export import (
    MEDIA_TYPES,
    Byline,
    ExportFormat,
    TextEncoding,
    content_disposition,
    export,
)
from service.limits import OFFSET_MAX
from service.logs import get_logger, log_event
from service.pipeline.outline import Outline
from service.pipeline.pipeline import Draft, Mode
from service.resources import Resources
from service.retrieval.saved import CORPUS_FILENAME
from service.schemas import FIELD_LABELS, Brief
from service.scoring import Report
from service.store import StoredDraft

router = APIRouter()
log = get_logger(__name__)
EVENT_STREAM = "text/event-stream"
STOPPED_AT_SHUTDOWN = "服务停止时这篇稿子还没有写完，请重新起草"
READY_MODEL_TIMEOUT_S = 3.0


class DraftRequest(Brief):
    """A brief, optionally with an outline the user approved or edited, and the mode."""

    outline: Outline | None = Field(None, description="按此提纲起草（来自 /v1/outlines，可修改）")
    mode: Mode | None = Field(
        None,
        description="subpoints：分论点并行（提纲边写边起草各部分）；parallel：分部分并行；"
        "single：一次写成全文；不填按服务设置（默认 subpoints）",
    )

    def brief(self) -> Brief:
        """The brief without the drafting options."""
        return Brief.model_validate(self.model_dump(exclude={"outline", "mode"}))


class CheckRequest(BaseModel):
    """A text to score, optionally with the brief it was drafted from."""

    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=100_000)
    brief: Brief | None = None
    speech_type: str | None = Field(None, description="API value or Chinese name")


class RegenerateRequest(BaseModel):
    """What the user wants changed in one part."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    instruction: str = Field(min_length=1, max_length=500, examples=["更精炼", "增加安全生产内容"])


class DraftList(BaseModel):
    """A page of drafts, newest first."""

    items: list[dict[str, Any]]
    total: int
    limit: int
    offset: int


def resources(request: Request) -> Resources:
    """What the lifespan built once for this worker, with the corpus as it is now."""
    found: Resources = request.app.state.resources
    found.refresh()
    return found


Res = Annotated[Resources, Depends(resources)]


@router.get("/healthz", tags=["service"])
async def healthz(request: Request) -> dict[str, Any]:
    """Liveness and what this worker drafts with. Answered on the event loop, without the
    thread pool or a corpus refresh, so it stays quick while drafts keep every thread busy."""
    res: Resources = request.app.state.resources
    return {
        "status": "ok",
        "drafter": res.pipeline.drafter.name,
        "model": res.pipeline.drafter.model,
        "corpus_records": len(res.index.records) if res.index else 0,
    }


@router.get("/metrics", tags=["service"], response_class=Response)
def metrics_page() -> Response:
    """This worker's metrics in Prometheus format (every worker's, in multiprocess mode)."""
    body, content_type = metrics.exposition()
    return Response(body, media_type=content_type)


@router.get("/readyz", tags=["service"])
async def readyz(res: Res) -> Any:
    """Readiness: the corpus index loaded, the database reachable and, with a model, its
    endpoint answering; 503 problem+json naming what is not ready."""
    # No corpus at all is a way to run (drafts then use no examples); a corpus that is there
    # but could not be loaded is not.
    built = (res.settings.build_dir / CORPUS_FILENAME).is_file()
    checks: dict[str, dict[str, Any]] = {
        "index": {
            "ok": res.index is not None or not built,
            "records": len(res.index.records) if res.index else 0,
            **({} if built else {"note": "没有语料库，起草时不用范文"}),
        }
    }
    try:
        await run_in_threadpool(res.store.ping)
        checks["database"] = {"ok": True}
    except JianggaoError as exc:
        checks["database"] = {"ok": False, "reason": exc.detail[:200]}
    if res.client is not None:
        reason = await res.client.unreachable(READY_MODEL_TIMEOUT_S)
        checks["model"] = {"ok": reason is None, **({"reason": reason} if reason else {})}
    failing = [name for name, check in checks.items() if not check["ok"]]
    if not failing:
        return {"status": "ready", "checks": checks}
    names = {"index": "语料库索引未加载", "database": "数据库不可用", "model": "模型服务连不上"}
    detail = "；".join(names[name] for name in failing)
    return problem(503, "服务未就绪", detail, code="not-ready", checks=checks)


@router.post("/v1/drafts", status_code=201, tags=["drafts"], response_model=Draft)
async def create_draft(body: DraftRequest, request: Request, res: Res) -> Any:
    """Draft a speech from a brief; `Accept: text/event-stream` streams it as it is written."""
    brief = res.kit.types.canonical(body.brief())
    ticket = _admit(request)
    if EVENT_STREAM in request.headers.get("accept", ""):
        drafts: DetachedDrafts = request.app.state.detached_drafts
        events = drafts.start(
            _draft_events(res, brief, body.outline, _mode(res, body)),
            ticket,
            on_stopped=lambda: _record_failure(res, brief, STOPPED_AT_SHUTDOWN),
        )
        return StreamingResponse(
            events,
            media_type=EVENT_STREAM,
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    with ticket:
        try:
            draft = await res.pipeline.draft(brief, body.outline, _mode(res, body))
        except OutlineMismatch:
            raise  # the user's outline: a 422 naming it, not a failed draft
        except JianggaoError as exc:
            await _record_failure(res, brief, str(exc))
            raise _explained(exc, brief) from exc
        return await _save(res, brief, draft)


def _mode(res: Resources, body: DraftRequest) -> Mode:
    """The mode the request names, else the service's."""
    return body.mode or res.settings.draft_mode


def _admit(request: Request) -> Ticket:
    """A place among this worker's drafts in flight, or Busy (503, Retry-After)."""
    admission: Admission = request.app.state.admission
    return admission.admit()


async def _record_failure(res: Resources, brief: Brief, error: str) -> None:
    """Keep a failed draft's brief and reason; a store that fails as well is logged, never
    raised: the caller still owes its client the first error."""
    try:
        await run_in_threadpool(res.store.save_failure, _json(brief), error)
    except Exception as exc:
        log_event(log, "draft.failure_not_recorded", logging.ERROR, error=type(exc).__name__)


def _explained(error: JianggaoError, brief: Brief) -> JianggaoError:
    """A brief too long for the model's context names the field to shorten first."""
    if not isinstance(error, PromptTooLong):
        return error
    name, chars = brief.longest_field()
    label = FIELD_LABELS.get(name, name)
    detail = f"{error.detail}。最长的是“{label}”（约 {chars} 字），请先精简它"
    return PromptTooLong(detail, field=name)


async def _save(res: Resources, brief: Brief, draft: Draft) -> Draft:
    payload = draft.model_dump(mode="json")
    draft_id = await run_in_threadpool(
        res.store.save_draft, payload, _json(brief), draft.drafter, draft.model
    )
    return draft.model_copy(update={"id": draft_id, "version": 1})


async def _draft_events(
    res: Resources, brief: Brief, outline: Outline | None, mode: Mode
) -> AsyncIterator[bytes]:
    """Server-Sent Events: outline, section.delta, section.done, report, done, or error.

    Whatever fails (the draft, saving it, recording the failure), the stream ends with
    `done` or `error`."""
    try:
        async for event in res.pipeline.events(brief, outline, mode):
            data = event.data
            if event.event == "done":
                saved = await _save(res, brief, Draft.model_validate(data))
                data = saved.model_dump(mode="json")
            yield sse(event.event, data)
    except OutlineMismatch as exc:
        yield sse("error", {"status": 422, "title": "提纲不合要求", "detail": exc.detail})
    except JianggaoError as exc:
        await _record_failure(res, brief, str(exc))
        exc = _explained(exc, brief)
        yield sse("error", {"status": status_of(exc), **exc.problem()})
    except Exception as exc:  # the response has begun: report in the stream, not as a 500
        log.exception("draft.stream.crashed", extra={"fields": {"error": type(exc).__name__}})
        await _record_failure(res, brief, repr(exc))
        yield sse("error", {"status": 500, "title": "意外错误", "detail": type(exc).__name__})


def sse(event: str, data: Any) -> bytes:
    """One Server-Sent Event with a JSON payload."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


@router.post("/v1/outlines", tags=["drafts"], response_model=Outline)
async def create_outline(brief: Brief, request: Request, res: Res) -> Any:
    """The outline alone, for approval; send it back edited in POST /v1/drafts."""
    brief = res.kit.types.canonical(brief)
    try:
        with _admit(request):
            outline, notes = await res.pipeline.outline(brief)
    except PromptTooLong as exc:
        raise _explained(exc, brief) from exc
    return JSONResponse(outline.model_dump(), headers={"X-Jianggao-Notes": _header(notes)})


@router.get("/v1/drafts", tags=["drafts"], response_model=DraftList)
async def list_drafts(
    res: Res,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    offset: Annotated[int, Query(ge=0, le=OFFSET_MAX)] = 0,
) -> DraftList:
    """Recent drafts, newest first (summaries; fetch one for its text)."""
    items, total = await run_in_threadpool(res.store.list_drafts, limit, offset)
    summaries = [
        {
            "id": i.id,
            "version": i.latest_version,
            "status": i.status,
            "error": i.error,
            "meeting": i.brief.get("meeting"),
            "speech_type": i.brief.get("speech_type"),
            "drafter": i.drafter,
            "model": i.model,
            "created_at": i.created_at.isoformat(),
            "updated_at": i.updated_at.isoformat(),
        }
        for i in items
    ]
    return DraftList(items=summaries, total=total, limit=limit, offset=offset)


@router.get("/v1/drafts/{draft_id}", tags=["drafts"], response_model=Draft)
async def get_draft(
    draft_id: str, res: Res, version: Annotated[int | None, Query(ge=1)] = None
) -> Draft:
    """One draft (its latest version unless `version` is given)."""
    return await _load(res, draft_id, version)


async def _stored(res: Resources, draft_id: str, version: int | None = None) -> StoredDraft:
    """The stored draft, or NotFound in plain words (the store's own message is for logs)."""
    try:
        return await run_in_threadpool(res.store.get_draft, draft_id, version)
    except NotFound as exc:
        if exc.field == "version":
            raise NotFound(f"草稿 {draft_id} 没有第 {version} 版", field="version") from exc
        raise NotFound(f"没有编号为 {draft_id} 的草稿", field="draft_id") from exc


async def _load(res: Resources, draft_id: str, version: int | None = None) -> Draft:
    stored = await _stored(res, draft_id, version)
    if stored.status != "complete" or stored.payload is None:
        raise NotFound(f"草稿 {draft_id} 起草失败，没有正文：{stored.error}", field="draft_id")
    payload = {**stored.payload, "id": stored.id, "version": stored.version}
    return Draft.model_validate(payload)


@router.get(
    "/v1/drafts/{draft_id}/export",
    tags=["drafts"],
    response_class=Response,
    responses={200: {"content": {media: {} for media in MEDIA_TYPES.values()}}},
)
async def export_draft(
    draft_id: str,
    res: Res,
    fmt: Annotated[
        ExportFormat, Query(alias="format", description="docx（公文格式）、md 或 txt")
    ] = ExportFormat.DOCX,
    version: Annotated[int | None, Query(ge=1)] = None,
    encoding: Annotated[TextEncoding, Query(description="md/txt 的编码")] = "utf-8",
) -> Response:
    """The draft as a file to hand on: Word laid out as GB/T 9704-2012, Markdown or text."""
    stored = await _stored(res, draft_id, version)
    draft = await _load(res, draft_id, stored.version)
    byline = Byline(speaker=stored.brief.get("speaker"), date=stored.brief.get("date"))
    exported = await run_in_threadpool(
        lambda: export(
            draft.title, draft.text, fmt, encoding=encoding, created=draft.created_at, byline=byline
        )
    )
    fallback = f"draft-{draft.id[:12]}-v{draft.version}.{fmt.value}"
    disposition = content_disposition(exported.filename, fallback)
    return Response(
        exported.data,
        media_type=exported.media_type,
        headers={"Content-Disposition": disposition},
    )


@router.post(
    "/v1/drafts/{draft_id}/sections/{index}/regenerate",
    status_code=201,
    tags=["drafts"],
    response_model=Draft,
)
async def regenerate_section(
    draft_id: str, index: int, body: RegenerateRequest, request: Request, res: Res
) -> Draft:
    """Write one section (index into the draft's `sections`) again to an instruction;
    the result is a new version, the old one kept."""
    stored = await _stored(res, draft_id)
    draft = await _load(res, draft_id, stored.version)
    brief = Brief.model_validate(stored.brief)
    with _admit(request):
        new = await res.pipeline.regenerate(draft, brief, index, body.instruction)
    if new.text == draft.text:  # not followed: say so rather than keep an identical version
        raise InputError(
            f"这一部分没有按“{body.instruction}”改动，所以没有生成新版本。"
            "内置起草器只会按“更精炼”“更充实”“增加……的内容”修改；"
            "配置大模型后，可以按任意要求修改",
            field="instruction",
        )
    payload = new.model_dump(mode="json")
    version = await run_in_threadpool(
        lambda: res.store.add_version(
            draft_id, payload, parent_version=draft.version, drafter=new.drafter, model=new.model
        )
    )
    return new.model_copy(update={"id": draft_id, "version": version})


@router.post("/v1/checks", tags=["checks"], response_model=Report)
async def check_text(body: CheckRequest, res: Res) -> Report:
    """Score any text for form, and against a brief when one is given."""
    speech_type = res.kit.types.get(body.speech_type).type if body.speech_type else None
    return await run_in_threadpool(
        lambda: res.scorer.score(body.text, brief=body.brief, speech_type=speech_type)
    )


@router.get("/v1/speech-types", tags=["reference"])
def speech_types(res: Res) -> list[dict[str, Any]]:
    """Every speech type with its skeleton: parts, shares, numbering, fixed formulas, in order."""
    return [skeleton.api_view() for skeleton in res.kit.types]


@router.get("/v1/roles", tags=["reference"])
def roles(res: Res) -> dict[str, dict[str, str]]:
    """The Chinese name of every part of a draft: `program` (written by the program from the
    form's rules, never rewritten on request) and `drafted` (written by the drafter)."""
    kit_roles = res.kit.roles
    return {
        "program": dict(kit_roles.program),
        "drafted": {name: spec.label for name, spec in kit_roles.roles.items()},
    }


@router.get("/v1/corpus", tags=["corpus"])
def list_corpus(
    res: Res,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=OFFSET_MAX)] = 0,
) -> dict[str, Any]:
    """The corpus records (without their text)."""
    records = res.index.records if res.index else []
    page = records[offset : offset + limit]
    items = [
        r.model_dump(mode="json", include={"id", "source", "title", "kind", "speech_type", "chars"})
        | {"example": r.is_example, "flags": r.flags}
        for r in page
    ]
    return {"items": items, "total": len(records), "limit": limit, "offset": offset}


@router.get("/v1/corpus/{record_id:path}", tags=["corpus"])
def get_corpus_record(record_id: str, res: Res) -> dict[str, Any]:
    """One corpus record, with its clean text, sections and what cleaning removed."""
    record = res.index.get(record_id) if res.index else None
    if record is None:
        raise NotFound(f"语料库里没有 {record_id}", field="record_id")
    return record.model_dump(mode="json")


@router.post("/v1/corpus", status_code=201, tags=["corpus"])
async def upload_corpus(res: Res, file: Annotated[UploadFile, File()]) -> dict[str, Any]:
    """Add a .txt or .docx speech: cleaned, classified and indexed at once."""
    data = await file.read(res.max_upload_bytes + 1)
    records = await run_in_threadpool(res.add_source, file.filename or "", data)
    return {"records": [r.model_dump(mode="json", exclude={"text"}) for r in records]}


def _json(brief: Brief) -> dict[str, Any]:
    return brief.model_dump(mode="json")


def _header(notes: list[str]) -> str:
    """Notes in an ASCII-safe header (JSON with escapes)."""
    return json.dumps(notes)
