"""The Word add-in as the service serves it: a manifest Word accepts (well-formed, its parts in
the order of the schema, every address it names served), and the same task pane as WPS's
driven in headless Chromium against a real `jianggao serve`, with a stand-in for Office.js
(tests/standins/word.js) that records what `Word.run` would insert and in which style."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from service.web.office import HOST_SCRIPTS
from tests.apphelpers import (
    A_PACED_MODEL,
    example_brief,
    free_port,
    running_app,
    serving,
    serving_a_model,
    settings_for,
)
from tests.browsing import close_pane_mid_draft, open_browser, text, wait

STANDINS = Path(__file__).resolve().parent / "standins"
HOLLOW = Path(__file__).resolve().parent.parent / "evals" / "calibration" / "hollow"
APP = "{http://schemas.microsoft.com/office/appforoffice/1.1}"
OVERRIDES = "{http://schemas.microsoft.com/office/taskpaneappversionoverrides}"
BT = "{http://schemas.microsoft.com/office/officeappbasictypes/1.0}"
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"
# The order OfficeApp's children must keep (the TaskPaneApp schema is a sequence).
SCHEMA_ORDER = [
    "Id", "Version", "ProviderName", "DefaultLocale", "DisplayName", "Description", "IconUrl",
    "HighResolutionIconUrl", "SupportUrl", "AppDomains", "Hosts", "Requirements",
    "DefaultSettings", "Permissions", "VersionOverrides",
]  # fmt: skip


@pytest.fixture
def client(tmp_path: Path, build_dir: Path) -> Iterator[TestClient]:
    with running_app(settings_for(tmp_path, build_dir)) as running:
        yield running


def test_the_manifest_is_one_word_accepts(client: TestClient) -> None:
    response = client.get("/addins/word/manifest.xml")
    assert response.headers["content-type"].startswith("application/xml")
    app = ET.fromstring(response.content)
    assert app.tag == f"{APP}OfficeApp" and app.get(XSI_TYPE) == "TaskPaneApp"
    children = [child.tag.split("}")[1] for child in app]
    assert children == SCHEMA_ORDER
    guid = app.findtext(f"{APP}Id") or ""
    assert re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", guid)
    assert re.fullmatch(r"\d+\.\d+\.\d+\.\d+", app.findtext(f"{APP}Version") or "")
    assert app.find(f"{APP}Hosts/{APP}Host").get("Name") == "Document"  # type: ignore[union-attr]
    assert app.findtext(f"{APP}Permissions") == "ReadWriteDocument"
    source = app.find(f"{APP}DefaultSettings/{APP}SourceLocation")
    assert source is not None
    assert source.get("DefaultValue") == "http://testserver/addins/word/taskpane.html"
    tab = app.find(f".//{OVERRIDES}CustomTab")
    assert tab is not None
    strings = {s.get("id"): s.get("DefaultValue") for s in app.iter(f"{BT}String")}
    label = tab.find(f"{OVERRIDES}Label")
    assert label is not None and strings[label.get("resid")] == "讲稿"
    short = app.find(f".//{BT}ShortStrings")
    assert short is not None and all(len(s.get("DefaultValue", "")) <= 125 for s in short)
    resids = {e.get("id") for e in app.iter() if e.get("id") and e.tag.startswith(BT)}
    used = {e.get("resid") for e in app.iter() if e.get("resid")}
    assert used <= resids  # every resource referred to is declared
    addresses = [
        e.get("DefaultValue") for e in app.iter() if e.get("DefaultValue", "")[:4] == "http"
    ]
    addresses.append(app.findtext(f"{APP}AppDomains/{APP}AppDomain"))
    assert len(addresses) >= 8
    for address in addresses:
        assert address and address.startswith("http://testserver")
        path = urlsplit(address).path or "/"
        assert client.get(path).status_code == 200, address
    for size in (16, 32, 64, 80):
        icon = client.get(f"/addins/word/icon-{size}.png")
        assert icon.content[:8] == b"\x89PNG\r\n\x1a\n"
        assert int.from_bytes(icon.content[16:20], "big") == size


def test_the_word_pane_loads_office_js_then_its_host(client: TestClient) -> None:
    page = client.get("/addins/word/taskpane.html").text
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert scripts == [
        "/static/api.js",
        "/addins/document.js",
        *HOST_SCRIPTS["word"],
        "/addins/taskpane.js",
    ]
    assert HOST_SCRIPTS["word"][0].startswith("https://appsforoffice.microsoft.com/")


# ---------- the task pane in the browser ----------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with open_browser() as driver:
        driver.execute_cdp_cmd("Network.enable", {})
        driver.execute_cdp_cmd(
            "Network.setBlockedURLs", {"urls": ["*appsforoffice.microsoft.com*"]}
        )
        driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument",
            {"source": (STANDINS / "word.js").read_text(encoding="utf-8")},
        )
        yield driver


@pytest.fixture(scope="module")
def server(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("word"), build_dir) as base:
        yield base


def _open_pane(driver: Any, base: str, settings: dict[str, str] | None = None) -> None:
    driver.get(f"{base}/addins/word/taskpane.html")
    driver.execute_script("localStorage.clear()")
    if settings:
        driver.execute_script(
            "localStorage.setItem('jianggao.addin.settings', JSON.stringify(arguments[0]))",
            settings,
        )
    driver.get(f"{base}/addins/word/taskpane.html")
    wait(driver, lambda d: d.execute_script("return document.body.dataset.ready"), "the pane")


def _standin(driver: Any, what: str) -> Any:
    return driver.execute_script(f"return window.standin.{what}")


def _draft_example(driver: Any, name: str) -> dict[str, Any]:
    driver.execute_script(
        "const s = document.getElementById('example');"
        "s.value = arguments[0]; s.dispatchEvent(new Event('change'));"
        "document.getElementById('draft-button').click();",
        name,
    )
    wait(driver, lambda d: d.find_element("id", "result").is_displayed(), "the draft")
    draft: dict[str, Any] = driver.execute_script("return pane.draft")
    return draft


def _typed(driver: Any) -> list[tuple[str, str]]:
    return [(p["text"], p["style"]) for p in _standin(driver, "typed")]


def test_word_run_inserts_the_draft_in_order_and_in_styles(browser: Any, server: str) -> None:
    _open_pane(browser, server)
    draft = _draft_example(browser, "work_meeting")
    browser.find_element("id", "insert-all").click()
    wait(browser, lambda d: "已在光标处插入全文" in text(d, "#message"), "the insertion")
    typed = _typed(browser)
    assert typed[0] == (draft["title"], "讲稿标题")
    assert typed[1] == (draft["outline"]["dateline"], "讲稿署名")
    assert typed[2] == ("同志们：", "讲稿称谓")
    first_point = example_brief("work_meeting")["points"][0]["title"]
    assert (f"一、{first_point}", "一级标题") in typed
    assert typed[-1] == ("谢谢大家！", "讲稿正文")
    assert "".join(t for t, _ in typed) == "".join(
        (s.get("heading") or "") + s["text"].replace("\n", "") for s in draft["sections"]
    )
    added = {s["name"]: s for s in _standin(browser, "added")}
    assert set(added) == {"讲稿标题", "讲稿署名", "讲稿称谓", "一级标题", "讲稿正文"}
    assert added["讲稿标题"]["font"] == {"name": "方正小标宋简体", "size": 22}
    assert added["讲稿标题"]["paragraphFormat"]["alignment"] == "Centered"
    assert added["讲稿正文"]["paragraphFormat"] == {
        "alignment": "Justified", "firstLineIndent": 32, "lineSpacing": 28.95,
    }  # fmt: skip


def test_word_one_part_over_the_selection_in_the_documents_own_style(
    browser: Any, server: str
) -> None:
    _open_pane(browser, server)
    browser.execute_script("window.standin.styles.push('一级标题', '讲稿正文')")
    browser.execute_script("window.standin.selectionText = '要换掉的一段'")
    draft = _draft_example(browser, "progress")
    index = next(i for i, s in enumerate(draft["sections"]) if s["role"] == "points")
    browser.find_element("css selector", f'#result-parts .replace[data-index="{index}"]').click()
    wait(browser, lambda d: _standin(d, "typed"), "the insertion")
    typed = _typed(browser)
    assert typed[0] == (draft["sections"][index]["heading"], "一级标题")
    assert {style for _, style in typed[1:]} == {"讲稿正文"}
    assert _standin(browser, "replaced") == 1 and _standin(browser, "added") == []


def test_word_check_this_document_selects_each_finding(browser: Any, server: str) -> None:
    _open_pane(browser, server)
    hollow = (HOLLOW / "d41.txt").read_text(encoding="utf-8").strip()
    browser.execute_script("window.standin.text = arguments[0]", hollow.replace("\n", "\r"))
    browser.find_element("id", "check-button").click()
    wait(browser, lambda d: d.find_element("id", "check-result").is_displayed(), "the findings")
    finds = browser.find_elements("css selector", "#findings .find")
    assert finds
    finds[0].click()
    wait(browser, lambda d: _standin(d, "selected"), "a selection")
    quoted = re.search(r"选中“(.+)…”", finds[0].text)
    assert quoted and _standin(browser, "selected").startswith(quoted.group(1))


def test_word_service_down_and_wrong_key(browser: Any, build_dir: Path, tmp_path: Path) -> None:
    with serving(tmp_path, build_dir, JIANGGAO_API_KEYS='["s3cret"]') as keyed:
        _open_pane(browser, keyed, {"key": "wrong"})
        assert "API 密钥" in text(browser, "#message")
        _open_pane(browser, keyed, {"base": f"http://127.0.0.1:{free_port()}", "key": "s3cret"})
        assert "连不上讲稿服务" in text(browser, "#message")
        assert _standin(browser, "typed") == []


def test_word_pane_closed_while_the_draft_streams_finds_it_finished_when_opened_again(
    browser: Any, build_dir: Path, tmp_path: Path
) -> None:
    with serving_a_model(tmp_path, build_dir, A_PACED_MODEL) as (base, _):
        draft = close_pane_mid_draft(browser, base, _open_pane)
        assert draft["drafter"] == "openai" and draft["report"]["passed"]
        assert _standin(browser, "typed") == []  # nothing half-inserted
        _draft_example(browser, "work_meeting")  # and ready to draft again
