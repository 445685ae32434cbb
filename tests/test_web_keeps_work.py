"""The page keeps a writer's work and fits the screens they use: the form and the draft survive a
reload, recent drafts reopen, an example asks before it overwrites typing, the buttons stay in
view at 1366×768 with one scrollbar, the header is one line at 390 px, the focus follows each
action, and every error reads as plain Chinese. Real `jianggao serve`, real Chromium."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from service.limits import MEETING_MAX_CHARS
from tests.apphelpers import A_PACED_MODEL, example_brief, serving, serving_a_model
from tests.browsing import fresh_page, open_browser, screenshot, text, viewport, wait
from tests.test_plain_errors import DEVELOPER_TEXT


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with open_browser() as driver:
        yield driver


@pytest.fixture(scope="module")
def server(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("kept"), build_dir) as base:
        yield base


@pytest.fixture(autouse=True)
def desktop(browser: Any) -> Iterator[None]:
    viewport(browser, 1366, 768)
    yield
    browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def _example(driver: Any, name: str) -> None:
    driver.execute_script(
        "const s = document.querySelector('#example-select');"
        "s.value = arguments[0]; s.dispatchEvent(new Event('change'));",
        name,
    )


def _draft(driver: Any, version: str = "第 1 版") -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "draft-button").click()
    wait(driver, lambda d: text(d, "#version-label") == version, version)


def _active(driver: Any) -> str:
    found: str = driver.execute_script(
        "const a = document.activeElement; return a.id || a.className || a.tagName;"
    )
    return found


def test_reload_keeps_the_form_and_the_draft_and_history_reopens_one(
    browser: Any, server: str
) -> None:
    from selenium.webdriver.common.by import By

    fresh_page(browser, server)
    _example(browser, "work_meeting")
    meeting = browser.find_element(By.ID, "f-meeting")
    meeting.send_keys("（第二次）")
    _draft(browser)
    first_title = text(browser, "#draft .doc-title")
    done = text(browser, "#done-line")
    assert re.fullmatch(r"第 1 版完成于 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d，用时 \d+\.\d 秒", done)

    browser.refresh()
    wait(browser, lambda d: d.execute_script("return document.body.dataset.ready"), "the page")
    assert text(browser, "#draft .doc-title") == first_title
    assert text(browser, "#version-label") == "第 1 版"
    typed = example_brief("work_meeting")["meeting"] + "（第二次）"
    assert browser.find_element(By.ID, "f-meeting").get_attribute("value") == typed
    assert not browser.find_element(By.ID, "intro").is_displayed()

    _example(browser, "address")  # the form is hand-filled: it asks first
    browser.find_element(By.ID, "example-confirm-yes").click()
    _draft(browser)
    assert text(browser, "#draft .doc-title") != first_title
    listed = "#history-list .history-item"
    wait(browser, lambda d: len(d.find_elements(By.CSS_SELECTOR, listed)) == 2, "two drafts")
    older = browser.execute_script(
        "return document.querySelectorAll(arguments[0])[1].textContent", listed
    )
    assert typed in older and "第 1 版" in older and "工作会议讲话" in older
    browser.execute_script("document.querySelectorAll(arguments[0])[1].click()", listed)
    wait(browser, lambda d: text(d, "#draft .doc-title") == first_title, "the first draft again")
    assert _active(browser) == "version-label"


def test_a_draft_still_being_written_at_a_reload_or_a_cancel_opens_when_it_is_done(
    browser: Any, build_dir: Path, tmp_path: Path
) -> None:
    """The service writes on when the page stops reading: after a reload mid-draft the page
    says the draft is still being written and opens it once saved; a cancel does the same."""
    from selenium.webdriver.common.by import By

    def words(driver: Any) -> Any:
        return driver.execute_script(
            "return Array.from(document.querySelectorAll('#live-parts .live-body:not(.waiting)'))"
            ".some(p => p.textContent.trim())"
        )

    def opened_after_a_while(driver: Any, meeting: str) -> None:
        deadline = time.monotonic() + 90
        title = (
            "const t = document.querySelector('#draft .doc-title'); return t ? t.textContent : ''"
        )
        while meeting not in driver.execute_script(title):
            assert time.monotonic() < deadline, "the draft never opened"
            time.sleep(0.3)
        assert not driver.find_element(By.ID, "pending-note").is_displayed()
        assert driver.execute_script("return localStorage.getItem('jianggao.pending')") is None

    with serving_a_model(tmp_path, build_dir, A_PACED_MODEL) as (base, _):
        fresh_page(browser, base)
        _example(browser, "work_meeting")
        meeting = example_brief("work_meeting")["meeting"]
        browser.find_element(By.ID, "draft-button").click()
        wait(browser, words, "the first words")
        browser.refresh()  # mid-draft
        wait(browser, lambda d: d.execute_script("return document.body.dataset.ready"), "the page")
        note = text(browser, "#pending-note")
        assert note == f"“{meeting}”还在写，写完会自动打开。", note
        opened_after_a_while(browser, meeting)
        assert text(browser, "#version-label") == "第 1 版"

        _example(browser, "progress")  # the form holds an example as loaded: no question
        browser.find_element(By.ID, "draft-button").click()
        wait(browser, words, "the first words")
        browser.find_element(By.ID, "cancel-button").click()
        wait(browser, lambda d: "已取消显示" in text(d, "#progress-status"), "the cancel")
        opened_after_a_while(browser, example_brief("progress")["meeting"])
        items = browser.find_elements(By.CSS_SELECTOR, "#history-list .history-item")
        assert len(items) == 2


def test_an_example_asks_before_it_overwrites_a_hand_filled_form(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By

    fresh_page(browser, server)
    _example(browser, "pledge")  # an empty form: loaded at once
    assert not browser.find_element(By.ID, "example-confirm").is_displayed()
    pledge = example_brief("pledge")["meeting"]
    assert browser.find_element(By.ID, "f-meeting").get_attribute("value") == pledge
    _example(browser, "progress")  # still as the example left it: no question either
    progress = example_brief("progress")["meeting"]
    assert browser.find_element(By.ID, "f-meeting").get_attribute("value") == progress

    meeting = browser.find_element(By.ID, "f-meeting")
    meeting.clear()
    meeting.send_keys("全镇秋冬季森林防火工作会议")
    _example(browser, "address")
    confirm = browser.find_element(By.ID, "example-confirm")
    assert confirm.is_displayed() and "覆盖" in confirm.text
    assert _active(browser) == "example-confirm-no"
    browser.find_element(By.ID, "example-confirm-no").click()
    assert meeting.get_attribute("value") == "全镇秋冬季森林防火工作会议"
    assert not confirm.is_displayed()
    _example(browser, "address")
    browser.find_element(By.ID, "example-confirm-yes").click()
    assert meeting.get_attribute("value") == example_brief("address")["meeting"]


def test_at_1366_by_768_the_buttons_are_in_view_with_one_scrollbar(
    browser: Any, server: str
) -> None:
    fresh_page(browser, server)
    _example(browser, "work_meeting")
    for scroll in (0, 400):
        browser.execute_script("window.scrollTo(0, arguments[0])", scroll)
        for button in ("outline-button", "draft-button"):
            seen = browser.execute_script(
                "const b = document.getElementById(arguments[0]).getBoundingClientRect();"
                "const hit = document.elementFromPoint(b.x + b.width / 2, b.y + b.height / 2);"
                "return [b.top >= 0 && b.bottom <= innerHeight, hit && hit.id];",
                button,
            )
            assert seen == [True, button], (scroll, button, seen)
    boxes = browser.execute_script(
        "return Array.from(document.querySelectorAll('body *'))"
        ".filter(e => ['auto', 'scroll'].includes(getComputedStyle(e).overflowY)"
        "  && e.scrollHeight > e.clientHeight + 1 && e.tagName !== 'TEXTAREA')"
        ".map(e => e.id || e.className)"
    )
    assert boxes == []  # only the page itself scrolls
    screenshot(browser, "page-1366x768.png")


def test_at_390_px_the_header_is_one_line_and_covers_no_title(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By

    viewport(browser, 390, 844)
    fresh_page(browser, server)
    _example(browser, "work_meeting")
    header = browser.execute_script(
        "const bar = document.querySelector('.topbar');"
        "const boxes = Array.from(bar.querySelectorAll('*')).filter(c => c.checkVisibility())"
        "  .map(c => c.getBoundingClientRect()).filter(b => b.height > 0);"
        "const middles = boxes.map(b => (b.top + b.bottom) / 2);"
        "return [bar.getBoundingClientRect().height, Math.max(...boxes.map(b => b.height)),"
        "  Math.max(...middles) - Math.min(...middles), bar.scrollWidth <= bar.clientWidth];"
    )
    height, tallest, spread, fits = header
    assert height <= 56 and tallest <= 40 and spread <= 6 and fits, header  # one line
    _draft(browser)
    screenshot(browser, "page-390-draft.png")
    for title in ("#version-label", "#form-heading", "#draft .doc-title"):
        browser.execute_script("document.querySelector(arguments[0]).scrollIntoView()", title)
        covered = browser.execute_script(
            "const t = document.querySelector(arguments[0]).getBoundingClientRect();"
            "const bar = document.querySelector('.topbar').getBoundingClientRect();"
            "return t.top < bar.bottom;",
            title,
        )
        assert not covered, title
    assert browser.find_element(By.ID, "draft-button").is_displayed()


def test_the_focus_follows_each_action(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By

    fresh_page(browser, server)
    _example(browser, "work_meeting")
    browser.find_element(By.ID, "outline-button").click()
    wait(browser, lambda d: _active(d) == "outline-heading", "the focus on the outline")
    browser.find_element(By.ID, "outline-draft-button").click()
    wait(browser, lambda d: _active(d) == "version-label", "the focus on the draft")
    point = browser.find_element(By.CSS_SELECTOR, '#draft .doc-part[data-role="points"]')
    index = point.get_attribute("data-index")
    point.find_element(By.CSS_SELECTOR, ".rewrite-toggle").click()
    point.find_element(By.XPATH, ".//button[text()='更精炼']").click()
    wait(browser, lambda d: text(d, "#version-label") == "第 2 版", "version 2")
    focused = browser.execute_script("return document.activeElement.dataset.index")
    assert focused == index  # the part just rewritten
    browser.find_element(By.ID, "f-speaker").clear()
    browser.find_element(By.ID, "draft-button").click()
    wait(browser, lambda d: _active(d) == "f-speaker", "the focus on the field at fault")


def test_every_error_on_the_page_is_plain_chinese(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By

    fresh_page(browser, server)
    _example(browser, "work_meeting")
    browser.execute_script("document.querySelector('#f-meeting').value = '会'.repeat(300)")
    browser.find_element(By.ID, "draft-button").click()
    slot = '.field[data-field="meeting"] .field-error'
    wait(browser, lambda d: text(d, slot), "the error under 会议名称")
    assert text(browser, slot) == f"内容太长，最多 {MEETING_MAX_CHARS} 个字，现在是 300 个字"
    shown = [text(browser, slot), text(browser, "#form-error")]

    _example(browser, "work_meeting")
    browser.find_element(By.ID, "example-confirm-yes").click()
    browser.find_element(By.ID, "outline-button").click()
    wait(browser, lambda d: d.find_element(By.ID, "outline-panel").is_displayed(), "the outline")
    for heading in browser.find_elements(By.CSS_SELECTOR, "#outline-parts .outline-heading")[:2]:
        heading.clear()
    browser.find_element(By.ID, "outline-draft-button").click()
    wait(browser, lambda d: text(d, "#progress-error"), "the outline's error")
    assert re.search(r"第\d、\d部分是编号部分，要有标题", text(browser, "#progress-error"))
    shown.append(text(browser, "#progress-error"))

    _draft(browser)
    point = browser.find_element(By.CSS_SELECTOR, '#draft .doc-part[data-role="points"]')
    point.find_element(By.CSS_SELECTOR, ".rewrite-toggle").click()
    point.find_element(By.CSS_SELECTOR, ".rewrite-input").send_keys("改得生动一些")
    point.find_element(By.XPATH, ".//button[text()='按此重写']").click()
    message = '#draft .doc-part[data-role="points"] .rewrite-message'
    wait(browser, lambda d: "没有生成新版本" in text(d, message), "the refusal")
    assert text(browser, "#version-label") == "第 1 版"  # no identical second version
    assert "未能理解" not in text(browser, "#draft-notes")
    shown.append(text(browser, message))
    for said in shown:
        assert said and not DEVELOPER_TEXT.search(said), said
