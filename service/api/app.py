"""The FastAPI application: lifespan-built resources, middleware, routes, problem+json errors."""

from __future__ import annotations

import hmac
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.middleware.cors import CORSMiddleware

from service import __version__
from service.api.admission import Admission
from service.api.body_limit import BodyLimit
from service.api.detached import DetachedDrafts
from service.api.problems import error_problem, install, problem, rejected
from service.api.rate_limit import RateLimit, bucket_of, costly
from service.api.routes import router
from service.config import Settings, get_settings
from service.errors import RateLimited, StoreError
from service.logs import configure_logging, get_logger, log_event
from service.resources import Resources
from service.web import install_web
from service.web.office import install_addins

Handler = Callable[[Request], Awaitable[Response]]
log = get_logger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; the corpus index, model client and database are made once, in the lifespan."""
    settings = settings or get_settings()
    configure_logging(settings.log_format, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        resources = Resources.build(settings)
        app.state.resources = resources
        app.state.admission = Admission(settings.max_drafts_in_flight)
        app.state.detached_drafts = DetachedDrafts()
        app.state.rate_limit = (
            RateLimit(resources.store, settings.rate_limit_per_minute)
            if settings.rate_limit_per_minute
            else None
        )
        try:
            yield
        finally:
            await app.state.detached_drafts.drain(settings.shutdown_grace_s)
            await resources.aclose()

    app = FastAPI(
        title="jianggao 讲稿",
        version=__version__,
        description="起草会议讲话稿、主持词、表态发言、致辞：简报进，合乎格式的初稿出。",
        lifespan=lifespan,
    )
    install(app)
    app.include_router(router)
    install_web(app)
    install_addins(app, settings.public_url)
    _add_middleware(app, settings)
    return app


def _add_middleware(app: FastAPI, settings: Settings) -> None:
    keys = [key.get_secret_value() for key in settings.api_keys]
    max_json = settings.max_request_kb * 1024
    max_upload = int(settings.max_upload_mb * 2**20) + 64 * 1024

    def body_limit(path: str) -> int:
        return max_upload if path == "/v1/corpus" else max_json

    # Innermost, so the count is raised where the route reads, not inside the guard's task group.
    app.add_middleware(BodyLimit, limit_for=body_limit)

    @app.middleware("http")
    async def guard(request: Request, call_next: Handler) -> Response:
        """Reject oversized bodies and unauthenticated calls before any work is done."""
        limit = body_limit(request.url.path)
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > limit:
            response = problem(
                413, "请求体过大", f"请求体 {int(length)} 字节，超过上限 {limit} 字节",
                code="too-large",
            )  # fmt: skip
            return rejected(request, response, code="too-large", bytes=int(length))
        if keys and request.url.path.startswith("/v1/") and not _authorised(request, keys):
            response = problem(
                401, "需要 API 密钥", "请在 Authorization 头里带上 Bearer 密钥", code="unauthorized"
            )
            response.headers["WWW-Authenticate"] = "Bearer"
            return rejected(request, response, code="unauthorized")
        refused = await _over_rate_limit(request, keyed=bool(keys))
        if refused is not None:
            return rejected(request, error_problem(refused), code=refused.code)
        _treat_form_body_as_json(request)
        return await call_next(request)

    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=settings.cors_origins,
            allow_methods=["GET", "POST", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "Accept"],
        )


async def _over_rate_limit(request: Request, *, keyed: bool) -> RateLimited | None:
    """The refusal of a costly request past its key's limit, or None. A database that cannot
    count lets the request through (logged): the limit protects the service, it is no reason
    to stop serving."""
    limit: RateLimit | None = getattr(request.app.state, "rate_limit", None)
    kind = costly(request.method, request.url.path)
    if limit is None or kind is None:
        return None
    try:
        await run_in_threadpool(limit.check, bucket_of(request, keyed), kind)
    except RateLimited as exc:
        return exc
    except StoreError as exc:
        log_event(log, "rate_limit.unavailable", logging.WARNING, reason=exc.detail[:200])
    return None


def _authorised(request: Request, keys: list[str]) -> bool:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return False
    given = token.strip().encode("utf-8", "replace")  # compare_digest takes ASCII str only
    return any(hmac.compare_digest(given, key.encode("utf-8")) for key in keys)


def _treat_form_body_as_json(request: Request) -> None:
    """`curl -d @brief.json` sends JSON labelled as a form: read it as the JSON it is."""
    if request.method != "POST" or request.url.path == "/v1/corpus":
        return
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("application/x-www-form-urlencoded") or not content_type:
        headers = [(k, v) for k, v in request.scope["headers"] if k != b"content-type"]
        request.scope["headers"] = [*headers, (b"content-type", b"application/json")]
