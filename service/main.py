"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import FastAPI

from service import __version__


def create_app() -> FastAPI:
    """Build the app; expensive resources are built once in the lifespan."""
    app = FastAPI(title="jianggao 讲稿", version=__version__)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok", "version": __version__}

    return app
