"""Debian's Chromium (headless, through chromedriver) for the page and add-in tests, and the
small waits they share.

Without Chromium the browser tests are skipped on a developer's machine, never under CI
(`CI` set), where `.ci/run` installs it and a missing browser is a failure.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path(os.environ.get("JIANGGAO_CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("JIANGGAO_CHROMEDRIVER", "/usr/bin/chromedriver"))
CHROME_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--window-size=1400,1000",
)
WAIT_S = 30
# Where the browser tests leave screenshots of what they saw (untracked: var/ is ignored); the
# README's pictures in docs/screenshots/ are copies of some of them.
SCREENSHOTS = Path(__file__).resolve().parent.parent / "var" / "screenshots"


def _under_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _missing_browser() -> str | None:
    """Why the browser test cannot run here, or None."""
    for path in (CHROMIUM, CHROMEDRIVER):
        if not os.access(path, os.X_OK):
            return f"{path} not found"
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install -e '.[test]')"
    return None


@contextmanager
def open_browser() -> Iterator[Any]:
    """Chromium through chromedriver, both named so Selenium Manager never downloads."""
    missing = _missing_browser()
    if missing and _under_ci():
        pytest.fail(f"browser test cannot run under CI: {missing} (.ci/run installs chromium)")
    if missing:
        pytest.skip(
            f"browser test skipped (CI unset): {missing}; "
            "apt-get install chromium chromium-driver to run it"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    with tempfile.TemporaryDirectory() as profile, pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")
        for flag in (*CHROME_FLAGS, f"--user-data-dir={profile}"):
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            yield driver
        finally:
            driver.quit()


def wait(driver: Any, condition: Any, what: str) -> Any:
    """Wait for a condition (an element the page just replaced is looked up again); on a
    timeout, say what the page showed instead."""
    from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
    from selenium.webdriver.support.ui import WebDriverWait

    try:
        waiting = WebDriverWait(
            driver, WAIT_S, ignored_exceptions=(StaleElementReferenceException,)
        )
        return waiting.until(condition)
    except TimeoutException:
        errors = driver.execute_script(
            "return Array.from(document.querySelectorAll('.alert, .field-error, .message'))"
            ".map(e => e.textContent).filter(Boolean)"
        )
        raise AssertionError(f"page never showed {what}; messages on it: {errors}") from None


def text(driver: Any, selector: str) -> str:
    from selenium.webdriver.common.by import By

    found: str = driver.find_element(By.CSS_SELECTOR, selector).text
    return found


def fresh_page(driver: Any, server: str, path: str = "/") -> None:
    """The page as a writer first opens it: no saved form or draft (the API key is kept)."""
    driver.get(f"{server}/healthz")  # same origin, no script of ours that could save again
    driver.execute_script(
        "for (const k of Object.keys(localStorage)) if (k !== 'jianggao.apiKey')"
        " localStorage.removeItem(k);"
    )
    driver.get(f"{server}{path}")
    wait(driver, lambda d: d.execute_script("return document.body.dataset.ready"), "the page ready")


def viewport(driver: Any, width: int, height: int) -> None:
    """The window's inner size exactly (what CSS sees), as on a screen of that size."""
    driver.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
    )


def screenshot(driver: Any, name: str) -> Path:
    """The window as it is now, saved as var/screenshots/<name> (PNG)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / name
    driver.save_screenshot(str(path))
    return path


def close_pane_mid_draft(driver: Any, base: str, open_pane: Any) -> dict[str, Any]:
    """An add-in's task pane closed while its draft streams (from a service drafting with a
    paced model), then opened again: returns the draft as the service saved it meanwhile,
    after checking it is offered under 打开最近的稿子 and opens from there."""
    import httpx

    open_pane(driver, base)
    driver.execute_script(
        "const s = document.getElementById('example');"
        "s.value = 'progress'; s.dispatchEvent(new Event('change'));"
        "document.getElementById('draft-button').click();"
    )
    wait(driver, lambda d: d.execute_script("return byId('live').textContent.trim()"), "words")
    driver.get("about:blank")  # the pane closed mid-stream

    def saved() -> Any:
        items = httpx.get(f"{base}/v1/drafts", timeout=10).json()["items"]
        return items[0] if items and items[0]["status"] == "complete" else None

    deadline = time.monotonic() + 3 * WAIT_S  # the whole draft, written with nobody reading
    while (item := saved()) is None:
        assert time.monotonic() < deadline, "the draft never finished without its pane"
        time.sleep(0.3)
    open_pane(driver, base)
    options = driver.execute_script(
        "return Array.from(byId('recent').options).map(o => [o.value, o.textContent])"
    )
    assert [item["id"], f"{item['meeting']} · 第 1 版"] in options, options
    driver.execute_script(
        "const r = byId('recent'); r.value = arguments[0]; r.dispatchEvent(new Event('change'))",
        item["id"],
    )
    wait(driver, lambda d: d.find_element("id", "result").is_displayed(), "the saved draft")
    draft: dict[str, Any] = httpx.get(f"{base}/v1/drafts/{item['id']}", timeout=10).json()
    assert text(driver, "#result-title") == draft["title"]
    return draft
