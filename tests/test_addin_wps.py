"""The WPS add-in as the service serves it: every file there and well-formed, the add-in lists
naming the service's address, and the task pane driven in headless Chromium against a real
`jianggao serve`, with a stand-in for the WPS document API (tests/standins/wps.js) that records
what would be typed into the document and in which style."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from service.web.office import ADDINS_DIR
from tests.apphelpers import (
    A_PACED_MODEL,
    example_brief,
    free_port,
    running_app,
    serving,
    serving_a_model,
    settings_for,
)
from tests.browsing import close_pane_mid_draft, open_browser, screenshot, text, viewport, wait

STANDINS = Path(__file__).resolve().parent / "standins"
ROOT = Path(__file__).resolve().parent.parent
HOLLOW = ROOT / "evals" / "calibration" / "hollow"
CUSTOM_UI = "{http://schemas.microsoft.com/office/2006/01/customui}"


# ---------- served, well-formed (no browser) ----------


@pytest.fixture
def client(tmp_path: Path, build_dir: Path) -> Iterator[TestClient]:
    with running_app(settings_for(tmp_path, build_dir)) as running:
        yield running


def test_the_ribbon_has_a_jianggao_tab_whose_buttons_main_js_answers(client: TestClient) -> None:
    ribbon = ET.fromstring(client.get("/addins/wps/ribbon.xml").content)
    assert ribbon.tag == f"{CUSTOM_UI}customUI" and ribbon.get("onLoad") == "ribbon.OnAddinLoad"
    tab = ribbon.find(f".//{CUSTOM_UI}tab")
    assert tab is not None and tab.get("label") == "讲稿"
    buttons = ribbon.findall(f".//{CUSTOM_UI}button")
    assert [b.get("label") for b in buttons] == ["起草讲稿", "检查本文档", "设置"]
    main = client.get("/addins/wps/main.js").text
    for button in buttons:
        assert f"{button.get('id')}:" in main  # each button opens a view of the pane
        assert button.get("onAction") == "ribbon.OnAction"
    image = client.get("/addins/wps/images/jianggao.svg")
    assert image.status_code == 200 and ET.fromstring(image.content).tag.endswith("svg")
    index = client.get("/addins/wps/index.html")
    assert index.status_code == 200 and 'src="main.js"' in index.text


def test_the_addin_lists_name_the_service_address(
    client: TestClient, tmp_path: Path, build_dir: Path
) -> None:
    for name in ("jsplugins.xml", "publish.xml"):
        response = client.get(f"/addins/wps/{name}")
        assert response.headers["content-type"].startswith("application/xml")
        plugins = ET.fromstring(response.content)
        (plugin,) = plugins.findall("jspluginonline")
        assert plugin.get("name") == "jianggao" and plugin.get("type") == "wps"
        assert plugin.get("url") == "http://testserver/addins/wps/"
    public = settings_for(tmp_path, build_dir, public_url="https://jianggao.example.gov.cn/")
    with running_app(public) as behind_proxy:
        plugin = ET.fromstring(behind_proxy.get("/addins/wps/jsplugins.xml").content)[0]
        assert plugin.get("url") == "https://jianggao.example.gov.cn/addins/wps/"


def test_the_task_pane_and_every_script_it_loads_are_served(client: TestClient) -> None:
    page = client.get("/addins/wps/taskpane.html")
    assert page.status_code == 200 and "<!--HOST-->" not in page.text
    scripts = re.findall(r'<(?:script src|link rel="stylesheet" href)="([^"]+)"', page.text)
    assert "/addins/wps/host.js" in scripts and "/static/api.js" in scripts
    for src in scripts:
        assert client.get(src).status_code == 200, src
    assert client.get("/addins/excel/taskpane.html").status_code == 404
    for path in ADDINS_DIR.rglob("*"):  # nothing of the add-ins fetched from elsewhere
        if path.suffix in (".js", ".css", ".html") and path.parent.name != "word":
            found = re.search(r'(?:src|href)="https?:|url\(\s*["\']?https?:|import\s+["\']https?:',
                              path.read_text(encoding="utf-8"))  # fmt: skip
            assert not found, path


def test_the_addins_need_no_key_but_the_api_does(tmp_path: Path, build_dir: Path) -> None:
    with running_app(settings_for(tmp_path, build_dir, api_keys=["s3cret"])) as keyed:
        assert keyed.get("/addins/wps/ribbon.xml").status_code == 200
        assert keyed.get("/addins/wps/taskpane.html").status_code == 200
        assert keyed.get("/v1/examples").status_code == 401


def test_the_readmes_addin_pictures_are_there_and_small() -> None:
    """The README shows the pane and the inserted draft as the browser test below saved them
    (copied from var/screenshots/ to docs/screenshots/): PNGs, each under 300 KB."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in ("addin-ribbon.png", "addin-taskpane.png", "addin-inserted.png"):
        assert f"](docs/screenshots/{name})" in readme
        picture = ROOT / "docs" / "screenshots" / name
        assert picture.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert picture.stat().st_size < 300_000, name


# ---------- the task pane in the browser ----------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with open_browser() as driver:
        driver.execute_cdp_cmd(
            "Page.addScriptToEvaluateOnNewDocument",
            {"source": (STANDINS / "wps.js").read_text(encoding="utf-8")},
        )
        yield driver


@pytest.fixture(scope="module")
def server(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("wps"), build_dir) as base:
        yield base


def _open_pane(driver: Any, base: str, settings: dict[str, str] | None = None) -> None:
    driver.get(f"{base}/addins/wps/taskpane.html")
    driver.execute_script("localStorage.clear()")
    if settings:
        driver.execute_script(
            "localStorage.setItem('jianggao.addin.settings', JSON.stringify(arguments[0]))",
            settings,
        )
    driver.get(f"{base}/addins/wps/taskpane.html")
    wait(driver, lambda d: d.execute_script("return document.body.dataset.ready"), "the pane")


def _standin(driver: Any, what: str) -> Any:
    return driver.execute_script(f"return window.standin.{what}")


def _draft_example(driver: Any, name: str) -> dict[str, Any]:
    driver.execute_script(
        "const s = document.getElementById('example');"
        "s.value = arguments[0]; s.dispatchEvent(new Event('change'));",
        name,
    )
    driver.execute_script("document.getElementById('draft-button').click()")
    wait(driver, lambda d: d.find_element("id", "result").is_displayed(), "the draft")
    draft: dict[str, Any] = driver.execute_script("return pane.draft")
    return draft


def _paragraphs(sections: list[dict[str, Any]]) -> list[str]:
    """What the page shows of these sections, paragraph by paragraph: heading, then its lines."""
    found = []
    for section in sections:
        heading = section.get("heading") or ""
        found.extend([heading] if heading else [])
        lines = [line.strip() for line in section["text"].split("\n") if line.strip()]
        found.extend(line for line in lines if line != heading)
    return found


def test_insert_the_whole_draft_in_gbt_9704_styles(browser: Any, server: str) -> None:
    _open_pane(browser, server)
    draft = _draft_example(browser, "work_meeting")
    assert text(browser, "#result-title") == draft["title"]
    browser.find_element("id", "insert-all").click()
    typed = _standin(browser, "typed")
    assert [p["text"] for p in typed] == _paragraphs(draft["sections"])
    styles = {p["text"]: p["style"] for p in typed}
    assert styles[draft["title"]] == "讲稿标题"
    assert styles[draft["outline"]["dateline"]] == "讲稿署名"
    assert styles["同志们："] == "讲稿称谓"
    points = example_brief("work_meeting")["points"]
    assert styles[f"一、{points[0]['title']}"] == "一级标题"
    assert {styles[t] for t in styles if t.startswith("今天")} == {"讲稿正文"}
    added = {s["name"]: s for s in _standin(browser, "added")}
    assert added["讲稿标题"]["Font"] == {
        "Name": "方正小标宋简体",
        "NameFarEast": "方正小标宋简体",
        "Size": 22,
    }
    assert added["一级标题"]["Font"]["Name"] == "黑体"
    assert added["讲稿正文"]["Font"]["Name"] == "仿宋_GB2312"
    assert added["讲稿正文"]["ParagraphFormat"]["CharacterUnitFirstLineIndent"] == 2
    assert added["讲稿正文"]["ParagraphFormat"]["LineSpacing"] == 28.95
    assert "已在光标处插入全文" in text(browser, "#message")


def _document_view(driver: Any) -> list[dict[str, str]]:
    """What the stand-in's document view shows, paragraph by paragraph, and how it looks."""
    shown: list[dict[str, str]] = driver.execute_script(
        "return Array.from(document.querySelectorAll('#standin-document .standin-paragraph'))"
        ".map(row => { const p = row.querySelector('p'), look = getComputedStyle(p);"
        "  return { text: p.textContent, style: row.dataset.style,"
        "    shownStyle: row.querySelector('.standin-style').textContent,"
        "    align: look.textAlign, size: look.fontSize, weight: look.fontWeight,"
        "    indent: look.textIndent }; })"
    )
    return shown


def test_outline_then_draft_then_insert_all_shows_the_draft_in_the_document_in_order(
    browser: Any, server: str
) -> None:
    """A writer's whole path in the pane, beside a view of what the stand-in document recorded:
    the outline made and a heading changed, the draft written to it with its report, then the
    whole draft inserted. Saves var/screenshots/addin-taskpane.png and addin-inserted.png (the
    README's pictures are copies of them)."""
    viewport(browser, 1280, 800)
    try:
        _open_pane(browser, server)
        browser.execute_script("window.standin.show()")
        assert _document_view(browser) == []
        browser.execute_script(
            "const s = document.getElementById('example');"
            "s.value = 'work_meeting'; s.dispatchEvent(new Event('change'));"
        )
        browser.find_element("id", "outline-button").click()
        wait(browser, lambda d: d.find_element("id", "outline").is_displayed(), "the outline")
        headings = browser.find_elements("css selector", "#outline-parts input")
        assert len(headings) >= 2
        headings[0].clear()
        headings[0].send_keys("层层压实安全生产责任")  # the service numbers the parts
        browser.find_element("id", "outline-draft-button").click()
        wait(browser, lambda d: d.find_element("id", "result").is_displayed(), "the draft")
        draft: dict[str, Any] = browser.execute_script("return pane.draft")
        first = next(s for s in draft["sections"] if s.get("heading"))
        assert first["heading"] == "一、层层压实安全生产责任"
        assert text(browser, "#result-title") == draft["title"]
        assert re.match(r"(合格|不合格) · 得分 \d+ · 第 1 版", text(browser, "#verdict"))
        parts = browser.find_elements("css selector", "#result-parts .part-name")
        assert "一、层层压实安全生产责任" in [part.text for part in parts]
        assert browser.find_element("id", "outline").is_displayed()  # still there to change
        browser.execute_script("document.getElementById('outline').scrollIntoView()")
        screenshot(browser, "addin-taskpane.png")

        browser.find_element("id", "insert-all").click()
        wait(browser, lambda d: "已在光标处插入全文" in text(d, "#message"), "the insertion")
        typed = _standin(browser, "typed")
        assert f"（{len(typed)} 段）" in text(browser, "#message")
        shown = _document_view(browser)
        assert [p["text"] for p in shown] == _paragraphs(draft["sections"])
        assert [(p["text"], p["style"]) for p in shown] == [(t["text"], t["style"]) for t in typed]
        assert all(p["shownStyle"] == p["style"] for p in shown)
        looks = {p["style"]: p for p in shown}
        title, heading, body = looks["讲稿标题"], looks["一级标题"], looks["讲稿正文"]
        assert shown[0]["text"] == draft["title"] and shown[0]["style"] == "讲稿标题"
        assert title["align"] == "center" and float(title["size"][:-2]) > float(body["size"][:-2])
        assert heading["weight"] == "700" and body["weight"] == "400"
        assert float(body["indent"][:-2]) == 2 * float(body["size"][:-2])  # two characters
        browser.execute_script("window.scrollTo(0, 0)")  # the pane's top: the message, the brief
        screenshot(browser, "addin-inserted.png")
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_the_documents_own_styles_are_kept_and_one_part_inserted(browser: Any, server: str) -> None:
    _open_pane(browser, server)
    browser.execute_script("window.standin.styles['一级标题'] = { name: '一级标题', own: true }")
    browser.execute_script("window.standin.styles['讲稿正文'] = { name: '讲稿正文', own: true }")
    draft = _draft_example(browser, "work_meeting")
    index = next(i for i, s in enumerate(draft["sections"]) if s["role"] == "points")
    browser.find_element("css selector", f'#result-parts button[data-index="{index}"]').click()
    assert "插入此部分" in browser.find_element("css selector", "#result-parts button").text
    typed = _standin(browser, "typed")
    assert [p["text"] for p in typed] == _paragraphs([draft["sections"][index]])
    assert typed[0]["style"] == "一级标题" and {p["style"] for p in typed[1:]} == {"讲稿正文"}
    assert _standin(browser, "added") == []  # the document had them: none added, none changed
    assert _standin(browser, "styles['一级标题'].own") is True


def test_replace_the_selection(browser: Any, server: str) -> None:
    _open_pane(browser, server)
    draft = _draft_example(browser, "address")
    browser.execute_script("window.standin.selection = { start: 5, end: 40, text: '旧的一段' }")
    browser.find_element("id", "replace-selection").click()
    assert _standin(browser, "deleted") == 1
    typed = _standin(browser, "typed")
    assert typed[0]["text"] == draft["title"] and len(typed) > 5
    assert "替换选中内容" in text(browser, "#message")


def test_check_this_document_points_at_each_finding(browser: Any, server: str) -> None:
    _open_pane(browser, server)
    hollow = (HOLLOW / "d41.txt").read_text(encoding="utf-8").strip()
    browser.execute_script("window.standin.text = arguments[0]", hollow.replace("\n", "\r") + "\r")
    browser.find_element("id", "check-button").click()
    wait(browser, lambda d: d.find_element("id", "check-result").is_displayed(), "the findings")
    assert text(browser, "#check-verdict").startswith("不合格")
    assert "套话比例" in text(browser, "#findings")
    finds = browser.find_elements("css selector", "#findings .find")
    assert len(finds) >= 3
    for button in finds[:3]:
        button.click()
        start, end, chosen = _standin(browser, "selected")
        quoted = re.search(r"选中“(.+)…”", button.text)
        assert quoted and chosen.startswith(quoted.group(1)) and end - start == len(chosen)
        assert chosen in hollow.replace("\n", "\r")


def test_a_check_that_passes_with_something_to_change_is_listed_and_points_at_it(
    browser: Any, server: str
) -> None:
    """One sentence said again in other words passes 内容重复 with both places named: the
    pane lists it as 可改进 (not as a problem) and its button selects the repeat."""
    strong = ROOT / "evals" / "calibration" / "strong"
    lines = (strong / "s01.txt").read_text(encoding="utf-8").split("\n")
    said = next(s for s in re.split(r"(?<=。)", lines[5]) if len(s) > 20)
    again = "当前，" + said.replace("，", "，切实", 1)
    lines[15] += again
    document = "\r".join(lines) + "\r"
    _open_pane(browser, server)
    browser.execute_script("window.standin.text = arguments[0]", document)
    browser.find_element("id", "check-button").click()
    wait(browser, lambda d: d.find_element("id", "check-result").is_displayed(), "the findings")
    assert re.search(r"0 项问题，1 处可改进$", text(browser, "#check-verdict"))
    (advice,) = browser.find_elements("css selector", "#findings li.advice")
    assert (
        advice.text.startswith("内容重复（可改进）：合稿时可删并：") and "几乎一样" in advice.text
    )
    advice.find_element("css selector", ".find").click()
    start, end, chosen = _standin(browser, "selected")
    assert again.startswith(chosen) and document[start:end] == chosen


def test_the_selection_becomes_the_briefs_notes(browser: Any, server: str) -> None:
    _open_pane(browser, server)
    browser.execute_script(
        "window.standin.selection = { start: 0, end: 9, text: '突出防汛备汛重点' }"
    )
    browser.find_element("id", "selection-notes").click()
    assert browser.find_element("id", "notes").get_attribute("value") == "突出防汛备汛重点"


def test_service_down_is_said_plainly_and_nothing_is_inserted(browser: Any, server: str) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    _open_pane(browser, server, {"base": closed})
    assert "连不上讲稿服务" in text(browser, "#message")
    assert browser.find_element("id", "settings").is_displayed()
    assert not browser.find_element("id", "insert-all").is_displayed()  # nothing to insert
    browser.execute_script("document.getElementById('draft-button').click()")
    wait(browser, lambda d: "连不上讲稿服务" in text(d, "#message"), "the message")
    assert _standin(browser, "typed") == []
    assert browser.find_element("id", "status").text == "未连接"


def test_a_wrong_key_is_said_plainly(browser: Any, build_dir: Path, tmp_path: Path) -> None:
    with serving(tmp_path, build_dir, JIANGGAO_API_KEYS='["s3cret"]') as keyed:
        _open_pane(browser, keyed, {"key": "wrong"})
        assert "API 密钥" in text(browser, "#message")
        browser.find_element("id", "service-key").clear()
        browser.find_element("id", "service-key").send_keys("s3cret")
        browser.find_element("id", "settings-save").click()
        wait(browser, lambda d: text(d, "#status") == "内置起草器", "the connection")
        assert not browser.find_element("id", "message").is_displayed()


def test_a_pane_closed_while_the_draft_streams_finds_it_finished_when_opened_again(
    browser: Any, build_dir: Path, tmp_path: Path
) -> None:
    with serving_a_model(tmp_path, build_dir, A_PACED_MODEL) as (base, _):
        draft = close_pane_mid_draft(browser, base, _open_pane)
        assert draft["drafter"] == "openai" and draft["report"]["passed"]
        assert _standin(browser, "typed") == []  # nothing half-inserted


def test_the_ribbon_opens_the_task_pane_once_and_at_the_view_asked(
    browser: Any, server: str
) -> None:
    browser.get(f"{server}/addins/wps/index.html")
    wait(browser, lambda d: d.execute_script("return typeof window.ribbon === 'object'"), "main.js")
    assert browser.execute_script("return ribbon.OnAddinLoad({ name: 'ui' })") is True
    browser.execute_script("ribbon.OnAction({ Id: 'jianggaoPane' })")
    browser.execute_script("ribbon.OnAction({ Id: 'jianggaoCheck' })")
    panes = _standin(browser, "panes")
    assert len(panes) == 1 and panes[0]["Visible"] is True and panes[0]["title"] == "讲稿"
    assert panes[0]["url"] == f"{server}/addins/wps/taskpane.html#check"
    assert browser.execute_script("return ribbon.GetImage({ Id: 'jianggaoPane' })").endswith(".svg")


def test_the_ribbon_tab_drawn_from_ribbon_xml_opens_the_pane_beside_the_document(
    browser: Any, server: str
) -> None:
    """The 讲稿 tab as the served ribbon.xml describes it, in the stand-in's host view: each
    button shows its label and the image its getImage callback names, and a click runs its
    onAction callback in main.js, which docks the task pane (a real one, in a frame) at the
    right. Saves var/screenshots/addin-ribbon.png (the README's copy)."""
    viewport(browser, 1280, 800)
    try:
        browser.get(f"{server}/addins/wps/index.html")
        wait(
            browser,
            lambda d: d.execute_script("return typeof window.ribbon === 'object'"),
            "main.js",
        )
        browser.execute_script("localStorage.clear()")  # the pane's settings of other tests
        ribbon_xml = httpx.get(f"{server}/addins/wps/ribbon.xml", timeout=10).text
        browser.execute_script("standin.host(arguments[0])", ribbon_xml)
        buttons = browser.find_elements("css selector", "#standin-ribbon .standin-button")
        assert [b.text for b in buttons] == ["起草讲稿", "检查本文档", "设置"]
        icons = browser.find_elements("css selector", "#standin-ribbon .standin-button img")
        wait(browser, lambda d: all(d.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth", i) for i in icons), "icons")  # fmt: skip
        assert "ribbonUI" in browser.execute_script("return Object.keys(window.Application)")
        buttons[0].click()
        (frame,) = browser.find_elements("css selector", "#standin-panes iframe")
        assert frame.get_attribute("src") == f"{server}/addins/wps/taskpane.html"
        browser.switch_to.frame(frame)
        wait(browser, lambda d: d.execute_script("return document.body.dataset.ready"), "the pane")
        browser.execute_script(
            "const s = document.getElementById('example');"
            "s.value = 'work_meeting'; s.dispatchEvent(new Event('change'));"
        )
        browser.find_element("id", "draft-button").click()
        wait(browser, lambda d: d.find_element("id", "result").is_displayed(), "the draft")
        browser.find_element("id", "insert-all").click()
        browser.switch_to.default_content()
        shown = _document_view(browser)  # the pane in its frame typed into the same document
        assert len(shown) > 10 and shown[0]["style"] == "讲稿标题"
        browser.execute_script("document.getElementById('standin-document').scrollTop = 0")
        screenshot(browser, "addin-ribbon.png")

        buttons[1].click()  # 检查本文档: the same pane, at its check section
        assert len(browser.find_elements("css selector", "#standin-panes iframe")) == 1
        assert frame.get_attribute("src") == f"{server}/addins/wps/taskpane.html#check"
    finally:
        browser.switch_to.default_content()
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
