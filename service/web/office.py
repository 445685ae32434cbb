"""The writer's office tools, served by the service: the WPS add-in (JS 加载项, online mode), the
Word add-in (Office.js task pane) and the macros, under `/addins/`.

Files are served as they are in `service/web/addins/`, except the few that must name the
service's own address (the WPS add-in lists, the Word manifest) and the task pane, which is one
page for both hosts with each host's script put in.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

from service.errors import NotFound

ADDINS_DIR = Path(__file__).resolve().parent / "addins"
BASE_MARK = "{{BASE}}"
# The scripts that reach each host's document; Office.js must come from Microsoft's CDN.
HOST_SCRIPTS = {
    "wps": ["/addins/wps/host.js"],
    "word": [
        "https://appsforoffice.microsoft.com/lib/1/hosted/office.js",
        "/addins/word/host.js",
    ],
}
ADDRESSED = {  # files that carry the service's address, and their media type
    "wps/jsplugins.xml": "application/xml",
    "wps/publish.xml": "application/xml",
    "word/manifest.xml": "application/xml",
}


def service_address(request: Request, public_url: str | None) -> str:
    """The address office software reaches the service at: the setting, else this request's."""
    return (public_url or str(request.base_url)).rstrip("/")


def taskpane_page(host: str) -> str:
    """The task pane page with the host's own scripts put in."""
    if host not in HOST_SCRIPTS:
        raise NotFound(f"没有 {host} 的加载项，只有 WPS 和 Word 的", field="host")
    page = (ADDINS_DIR / "taskpane.html").read_text(encoding="utf-8")
    scripts = "\n  ".join(f'<script src="{src}"></script>' for src in HOST_SCRIPTS[host])
    return page.replace("<!--HOST-->", scripts)


def install_addins(app: FastAPI, public_url: str | None = None) -> None:
    """Serve the add-ins and macros at `/addins/`."""
    router = APIRouter(include_in_schema=False)

    @router.get("/addins/{host}/taskpane.html")
    def taskpane(host: str) -> HTMLResponse:
        return HTMLResponse(taskpane_page(host), headers={"Cache-Control": "no-cache"})

    for name, media_type in ADDRESSED.items():

        def addressed(request: Request, name: str = name, media_type: str = media_type) -> Response:
            text = (ADDINS_DIR / name).read_text(encoding="utf-8")
            body = text.replace(BASE_MARK, service_address(request, public_url))
            return Response(body, media_type=media_type, headers={"Cache-Control": "no-cache"})

        router.add_api_route(f"/addins/{name}", addressed, methods=["GET"])

    @router.get("/addins/macros/jianggao.bas")
    def vba_module() -> Response:
        """The VBA module as Word's editor imports it on a Chinese Windows: GB18030, CRLF."""
        return Response(
            vba_module_bytes(),
            media_type="text/plain; charset=gb18030",
            headers={"Content-Disposition": 'attachment; filename="jianggao.bas"'},
        )

    app.include_router(router)
    app.mount("/addins", StaticFiles(directory=ADDINS_DIR), name="addins")


def vba_module_bytes() -> bytes:
    """The VBA module (kept in UTF-8 in the repo) in the code page and line ends VBA reads."""
    text = (ADDINS_DIR / "macros" / "jianggao.bas").read_text(encoding="utf-8")
    return text.replace("\r\n", "\n").replace("\n", "\r\n").encode("gb18030")
