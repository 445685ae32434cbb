"""The page a material writer opens at `/`: served by the app, and used the way a person uses it,
in Debian's Chromium (headless, through chromedriver) against a real `jianggao serve` process.

Without Chromium the browser tests are skipped on a developer's machine, never under CI
(`CI` set), where `.ci/run` installs it and a missing browser is a failure.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from docx import Document
from fastapi.testclient import TestClient

from service.schemas import Brief
from service.web import STATIC_DIR
from tests.apphelpers import brief_names, example_brief, running_app, serving, settings_for
from tests.browsing import fresh_page, open_browser
from tests.browsing import text as _text
from tests.browsing import wait as _wait
from tests.kits import KIT
from tests.test_kits import NINTH, make_ninth_folder

HOLLOW = Path(__file__).resolve().parent.parent / "evals" / "calibration" / "hollow"


# ---------- served by the app (no browser needed) ----------


@pytest.fixture
def client(tmp_path: Path, build_dir: Path) -> Iterator[TestClient]:
    with running_app(settings_for(tmp_path, build_dir)) as running:
        yield running


def test_page_and_its_files_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert 'src="/static/app.js"' in page.text and 'href="/static/app.css"' in page.text
    assert client.get("/static/app.js").headers["content-type"].startswith("text/javascript")
    assert client.get("/static/app.css").headers["content-type"].startswith("text/css")
    assert client.get("/static/nothing.js").status_code == 404


def test_examples_are_the_example_briefs_in_type_order(client: TestClient) -> None:
    examples = client.get("/v1/examples").json()
    assert sorted(e["name"] for e in examples) == brief_names()
    assert examples[0]["name"] == "work_meeting" and examples[-1]["name"] == "address"
    for example in examples:
        served = Brief.model_validate(example["brief"])
        assert served == Brief.model_validate(example_brief(example["name"]))
        assert example["label"].endswith("：" + served.meeting)


def test_page_opens_without_a_key_but_the_api_asks_for_one(tmp_path: Path, build_dir: Path) -> None:
    with running_app(settings_for(tmp_path, build_dir, api_keys=["s3cret"])) as keyed:
        assert keyed.get("/").status_code == 200
        assert keyed.get("/static/app.js").status_code == 200
        assert keyed.get("/v1/examples").status_code == 401
        headers = {"Authorization": "Bearer s3cret"}
        assert keyed.get("/v1/examples", headers=headers).status_code == 200


def test_page_fetches_nothing_from_outside() -> None:
    for name in ("index.html", "api.js", "app.js", "app.css"):
        text = (STATIC_DIR / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://|//[a-z0-9-]+\.[a-z]", text, re.I), name
        assert "@import" not in text and "@font-face" not in text, name


def test_the_page_keeps_no_copy_of_the_types_or_their_names() -> None:
    """Types, their order and names, part names and check labels come from the API."""
    script = (STATIC_DIR / "app.js").read_text(encoding="utf-8")
    for value in set(KIT.types.values) - {"summary"}:  # <summary> is also an HTML element
        assert f'"{value}"' not in script, value
    for name in (s.name for s in KIT.types):
        assert name not in script, name
    assert "c.label" in script and "s.label" in script  # the report's own check labels


# ---------- in the browser ----------


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with open_browser() as driver:
        yield driver


@pytest.fixture(scope="module")
def server(build_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving(tmp_path_factory.mktemp("web"), build_dir) as base:
        yield base


def _open_with_example(driver: Any, server: str, name: str) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    fresh_page(driver, server)
    _wait(driver, lambda d: len(Select(d.find_element(By.ID, "example-select")).options) > 1,
          "the example list")  # fmt: skip
    _wait(driver, lambda d: len(Select(d.find_element(By.ID, "f-speech_type")).options) == len(KIT.types),
          "every speech type")  # fmt: skip
    Select(driver.find_element(By.ID, "example-select")).select_by_value(name)


def test_draft_an_example_rewrite_a_point_and_download_word(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By

    brief = example_brief("work_meeting")
    _open_with_example(browser, server, "work_meeting")
    assert browser.find_element(By.ID, "f-meeting").get_attribute("value") == brief["meeting"]
    browser.find_element(By.ID, "draft-button").click()

    _wait(browser, lambda d: d.find_element(By.ID, "result-panel").is_displayed(), "the draft")
    title = _text(browser, "#draft .doc-title")
    assert title == f"{brief['speaker']}在{brief['meeting']}上的讲话"
    assert "内置起草器（未配置大模型）" in _text(browser, "#drafter-line")
    assert _text(browser, "#report .verdict-word") == "合格"
    assert _text(browser, "#version-label") == "第 1 版"
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#draft .doc-heading")]
    assert headings == [
        f"{n}、{p['title']}" for n, p in zip("一二三", brief["points"], strict=True)
    ]
    # The stream was shown as it came: the outline's parts, each filled in and marked done.
    live = browser.execute_script(
        "return Array.from(document.querySelectorAll('#live-parts .live-part'))"
        ".map(p => [p.classList.contains('done'), p.querySelector('.live-body').textContent])"
    )
    assert len(live) == 5 and all(done and len(body) > 100 for done, body in live)

    point = browser.find_element(By.CSS_SELECTOR, '#draft .doc-part[data-role="points"]')
    index = point.get_attribute("data-index")
    before = "".join(p.text for p in point.find_elements(By.TAG_NAME, "p"))
    point.find_element(By.CSS_SELECTOR, ".rewrite-toggle").click()
    point.find_element(By.XPATH, ".//button[text()='更精炼']").click()
    _wait(browser, lambda d: _text(d, "#version-label") == "第 2 版", "version 2")
    rewritten = browser.find_element(By.CSS_SELECTOR, f'#draft .doc-part[data-index="{index}"]')
    after = "".join(p.text for p in rewritten.find_elements(By.TAG_NAME, "p"))
    assert "rewritten" in (rewritten.get_attribute("class") or "")
    assert 0 < len(after) < len(before)
    assert "更精炼" in _text(browser, "#draft-notes")

    link = browser.find_element(By.ID, "download-docx").get_attribute("href")
    assert link.startswith(server) and "format=docx" in link and "version=2" in link
    response = httpx.get(link, timeout=30)
    assert response.status_code == 200
    paragraphs = [p.text for p in Document(io.BytesIO(response.content)).paragraphs]
    assert paragraphs[0] == title
    assert after[:40] in "".join(paragraphs)


def test_outline_is_edited_then_drafted(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By

    _open_with_example(browser, server, "progress")
    browser.find_element(By.ID, "outline-button").click()
    _wait(browser, lambda d: d.find_element(By.ID, "outline-panel").is_displayed(), "the outline")
    heading = browser.find_elements(By.CSS_SELECTOR, "#outline-parts .outline-heading")[-1]
    heading.clear()  # a numbered part without a heading: the stream ends with an error event
    browser.find_element(By.ID, "outline-draft-button").click()
    _wait(browser, lambda d: _text(d, "#progress-error"), "the stream's error")
    assert "提纲不合要求" in _text(browser, "#progress-error")
    assert "要有标题" in _text(browser, "#progress-error")
    assert _text(browser, "#progress-status") == "起草失败"
    assert browser.find_element(By.ID, "outline-draft-button").is_enabled()

    heading.send_keys("严格督查问效，确保各项任务落地见效")
    browser.find_element(By.ID, "outline-draft-button").click()
    _wait(browser, lambda d: d.find_element(By.ID, "result-panel").is_displayed(), "the draft")
    headings = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#draft .doc-heading")]
    assert headings[-1] == "三、严格督查问效，确保各项任务落地见效"
    assert "按使用者提供的提纲起草" in _text(browser, "#draft-notes")


def test_empty_meeting_name_shows_the_api_message_next_to_it(browser: Any, server: str) -> None:
    from selenium.webdriver.common.by import By

    _open_with_example(browser, server, "pledge")
    browser.find_element(By.ID, "f-meeting").clear()
    browser.find_element(By.ID, "draft-button").click()
    slot = '.field[data-field="meeting"] .field-error'
    _wait(browser, lambda d: _text(d, slot), "an error next to 会议名称")

    brief = {k: v for k, v in example_brief("pledge").items() if k != "meeting"}
    problem = httpx.post(f"{server}/v1/drafts", json=brief, timeout=30).json()
    said = next(e["message"] for e in problem["errors"] if e["field"] == "meeting")
    assert _text(browser, slot) == said
    assert _text(browser, "#form-error")  # the summary above the form says so too
    assert not browser.find_element(By.ID, "result-panel").is_displayed()
    assert browser.switch_to.active_element.get_attribute("id") == "f-meeting"


def test_brief_as_the_page_sends_it(browser: Any, server: str) -> None:
    """The form's line formats: points with details after a colon or indented, agenda lines."""
    from selenium.webdriver.common.by import By

    _open_with_example(browser, server, "presiding")
    sent = browser.execute_script("return readBrief()")
    assert Brief.model_validate(sent) == Brief.model_validate(example_brief("presiding"))

    points = browser.find_element(By.ID, "f-points")
    points.clear()
    points.send_keys(
        "一、压实责任：落实党政同责；强化考核\n二、排查隐患\n  挂牌督办\n\u3000\u3000限期整改"
    )
    agenda = browser.find_element(By.ID, "f-agenda")
    agenda.clear()
    agenda.send_keys("县长李华：作重要讲话\n镇纪委书记宣读实施方案")
    sent = browser.execute_script("return readBrief()")
    assert sent["points"] == [
        {"title": "压实责任", "details": ["落实党政同责", "强化考核"]},
        {"title": "排查隐患", "details": ["挂牌督办", "限期整改"]},
    ]
    brief = Brief.model_validate(sent)
    assert [(a.speaker, a.topic) for a in brief.agenda] == [
        ("县长李华", "作重要讲话"),
        ("镇纪委书记", "宣读实施方案"),
    ]
    points.clear()
    points.send_keys("压实防汛责任；排查风险隐患；做好应急准备")
    sent = browser.execute_script("return readBrief()")
    titles = [p.title for p in Brief.model_validate(sent).points]
    assert titles == ["压实防汛责任", "排查风险隐患", "做好应急准备"]


def test_api_key_is_asked_for_kept_and_sent(browser: Any, build_dir: Path, tmp_path: Path) -> None:
    from selenium.webdriver.common.by import By

    with serving(tmp_path, build_dir, JIANGGAO_API_KEYS='["s3cret"]') as keyed:
        browser.get(f"{keyed}/")
        slot = '.field[data-field="api_key"] .field-error'
        _wait(browser, lambda d: _text(d, slot), "the request for a key")
        assert "密钥" in _text(browser, "#form-error")
        browser.find_element(By.ID, "api-key").send_keys("s3cret")
        browser.find_element(By.ID, "key-save").click()
        _open_with_example(browser, keyed, "address")  # a reload: the key is kept
        assert browser.execute_script("return localStorage.getItem('jianggao.apiKey')") == "s3cret"
        browser.find_element(By.ID, "draft-button").click()
        _wait(browser, lambda d: d.find_element(By.ID, "result-panel").is_displayed(), "the draft")
        assert _text(browser, "#report .verdict-word") == "合格"
        # A plain link cannot carry the key: the page fetches the file with it and saves that.
        browser.execute_script(
            "const click = HTMLAnchorElement.prototype.click;"
            "HTMLAnchorElement.prototype.click = function () {"
            "  window.savedAs = this.download; return click.call(this); };"
        )
        browser.find_element(By.ID, "download-txt").click()
        _wait(browser, lambda d: d.execute_script("return window.savedAs"), "the saved file")
        saved = browser.execute_script("return window.savedAs")
        assert saved.endswith(".txt") and _text(browser, "#draft .doc-title") in saved


def test_a_ninth_type_from_its_files_alone_is_drafted_on_the_page(
    browser: Any, build_dir: Path, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    folder = make_ninth_folder(tmp_path)
    with serving(tmp_path / "server", build_dir, JIANGGAO_PROMPTS_DIR=str(folder)) as base:
        browser.get(f"{base}/")

        def options(driver: Any) -> list[Any]:
            found: list[Any] = Select(driver.find_element(By.ID, "f-speech_type")).options
            return found

        _wait(browser, lambda d: len(options(d)) == len(KIT.types) + 1, "the ninth type")
        assert options(browser)[-1].text == "经验交流发言"
        _wait(browser, lambda d: len(Select(d.find_element(By.ID, "example-select")).options) > 1,
              "the example list")  # fmt: skip
        Select(browser.find_element(By.ID, "example-select")).select_by_value(NINTH)
        assert Select(browser.find_element(By.ID, "f-speech_type")).first_selected_option.text == (
            "经验交流发言"
        )
        browser.find_element(By.ID, "draft-button").click()
        _wait(browser, lambda d: d.find_element(By.ID, "result-panel").is_displayed(), "the draft")
        assert _text(browser, "#report .verdict-word") == "合格"
        assert "经验交流发言" in _text(browser, "#draft .doc-title")


def test_the_report_leads_with_substance_and_points_at_the_part(browser: Any, server: str) -> None:
    """A hollow text's report (the old built-in draft of a flood brief, scored by the service)
    shows 内容问题 before 格式问题, with a link that takes the reader to the part it names."""
    from selenium.webdriver.common.by import By

    _open_with_example(browser, server, "work_meeting")
    browser.find_element(By.ID, "draft-button").click()
    _wait(browser, lambda d: d.find_element(By.ID, "result-panel").is_displayed(), "the draft")
    assert "内容检查全部通过" in _text(browser, "#report .substance-ok")
    assert _text(browser, "#report .substance-score").startswith("内容 ")

    hollow = HOLLOW / "d41.txt"
    brief = json.loads((HOLLOW / "d41.json").read_text(encoding="utf-8"))
    browser.execute_script(
        """
        const [text, brief] = arguments;
        api("POST", "/v1/checks", { body: { text, brief } })
          .then((response) => response.json())
          .then((report) => {
            const sections = state.draft.sections.map((s) => ({ ...s }));
            sections.find((s) => s.heading).heading = "一、提高思想认识";
            $("#report").replaceChildren(...reportView(report, sections));
            window.reported = true;
          });
        """,
        hollow.read_text(encoding="utf-8"),
        brief,
    )
    _wait(browser, lambda d: d.execute_script("return window.reported === true"), "the report")
    titles = [h.text for h in browser.find_elements(By.CSS_SELECTOR, "#report .findings h3")]
    assert titles[0] == "内容问题"
    content = _text(browser, "#report .findings.substance")
    assert "切题" in content and "套话比例" in content and "简报用全" in content
    link = browser.find_element(By.CSS_SELECTOR, "#report .findings.substance .part-link")
    assert "提高思想认识" in link.text
    link.click()
    assert browser.find_elements(By.CSS_SELECTOR, "#draft .doc-part.flagged")

    review = {
        "model": "m",
        "overall": 0.8,
        "summary": "内容扎实",
        "scores": [
            {"aspect": "relevance", "label": "切题", "score": 4, "quote": "原句", "comment": "紧扣"}
        ],
    }
    browser.execute_script(
        "const [review] = arguments;"
        "$('#report').replaceChildren(...reportView({...state.draft.report, judge: review}));",
        review,
    )
    judged = _text(browser, "#report .findings.judge")
    assert "模型评审" in judged and "切题 4/5" in judged and "原句" in judged
    assert _text(browser, "#report .verdict-word") == "合格"  # the checks decide


def test_a_passing_check_with_something_to_change_is_shown_under_its_own_heading(
    browser: Any, server: str
) -> None:
    """A fact of the brief told in three paragraphs passes, with its lines named: the page
    shows it under 可以改进, apart from the problems, from the service's own report."""
    strong = Path(__file__).resolve().parent.parent / "evals" / "calibration" / "strong"
    lines = (strong / "s01.txt").read_text(encoding="utf-8").split("\n")
    brief = json.loads((strong / "s01.json").read_text(encoding="utf-8"))
    fact = brief["problems"][2]
    for at in (9, 11):
        lines[at] = f"{fact}。{lines[at]}"
    report = httpx.post(
        f"{server}/v1/checks", json={"text": "\n".join(lines), "brief": brief}, timeout=30
    ).json()
    (restated,) = [c for c in report["checks"] if c["name"] == "restated"]
    assert report["passed"] and restated["passed"] and restated["advice"]
    fresh_page(browser, server)
    browser.execute_script(
        "const box = document.createElement('section'); box.id = 'probe';"
        "box.append(...reportView(arguments[0])); document.body.append(box);",
        report,
    )
    assert _text(browser, "#probe .verdict-word") == "合格"
    assert _text(browser, "#probe .findings.advice h3") == "可以改进"
    advice = _text(browser, "#probe .findings.advice li")
    assert advice.startswith("内容重复：合稿时可删并") and f"“{fact[:20]}…”在3段" in advice
