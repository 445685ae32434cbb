"""The browser page for material writers: `/` and `/static/…`, and the example briefs it offers.

Plain files (no build step), served by the app itself so `jianggao serve` is all a
secretary's office needs; the examples are read from the prompts folder's briefs/,
the same briefs the tests and the eval harness draft, so the page never shows a stale copy.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel

from service.errors import ConfigError, InputError
from service.knowledge.kit import Kit
from service.schemas import Brief

STATIC_DIR = Path(__file__).resolve().parent / "static"

router = APIRouter()


class ExampleBrief(BaseModel):
    """One example brief, with a label for the page's 载入示例 list."""

    name: str
    label: str
    brief: dict[str, Any]


@router.get("/", include_in_schema=False)
def index() -> FileResponse:
    """The page itself."""
    return FileResponse(STATIC_DIR / "index.html", headers={"Cache-Control": "no-cache"})


@router.get("/v1/examples", tags=["reference"], response_model=list[ExampleBrief])
def examples(request: Request) -> list[ExampleBrief]:
    """The example briefs (one per speech type), in the usual order of the types."""
    kit: Kit = request.app.state.resources.kit
    found = [_example(kit, path) for path in sorted(kit.briefs_dir.glob("*.json"))]
    order = kit.types.values
    found.sort(key=lambda e: order.index(e.brief["speech_type"]))
    return found


def _example(kit: Kit, path: Path) -> ExampleBrief:
    """A brief file checked against the Brief model, so the page is never offered a bad one."""
    try:
        brief = kit.types.canonical(
            Brief.model_validate(json.loads(path.read_text(encoding="utf-8")))
        )
    except (OSError, ValueError, InputError) as exc:  # a ValidationError is a ValueError
        raise ConfigError(f"示例简报 {path.name} 不可用：{exc}") from exc
    label = f"{kit.types.get(brief.speech_type).name}：{brief.meeting}"
    data = brief.model_dump(mode="json", exclude_none=True, exclude_defaults=True)
    return ExampleBrief(name=path.stem, label=label, brief=data)


def install_web(app: FastAPI) -> None:
    """Serve the page at `/` and its files at `/static/`."""
    app.include_router(router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
