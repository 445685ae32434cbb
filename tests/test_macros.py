"""The macros for offices that allow no add-ins: the VBA module for Word is parsed (its blocks
closed, every procedure it calls defined, served in the code page VBA imports) and its HTTP
calls replayed against the service as it makes them; the WPS JS macro is run in Chromium on a
stand-in WPS document against a real `jianggao serve`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from service.web.office import ADDINS_DIR
from tests.apphelpers import free_port, running_app, serving, settings_for
from tests.browsing import open_browser, wait

VBA = (ADDINS_DIR / "macros" / "jianggao.bas").read_text(encoding="utf-8")
STANDINS = Path(__file__).resolve().parent / "standins"
# Block openers and their closers, as VBA pairs them (single-line If … Then … is no block).
BLOCKS = {
    "Sub": "End Sub", "Function": "End Function", "If": "End If", "For": "Next",
    "Do": "Loop", "With": "End With", "Select": "End Select",
}  # fmt: skip
_OPENER = re.compile(
    r"^(?:(?:Public|Private)\s+)?(Sub|Function)\s+(\w+)|^(If)\b.*\bThen$|^(For)\b|^(Do)\b"
    r"|^(With)\b|^(Select)\s+Case\b"
)
_CLOSER = re.compile(r"^(End Sub|End Function|End If|Next|Loop|End With|End Select)\b")


def _code_lines() -> list[str]:
    lines = []
    for raw in VBA.splitlines():
        line = re.sub(r"""'(?=(?:[^"]*"[^"]*")*[^"]*$).*""", "", raw).strip()  # comments out
        if line:
            lines.append(line)
    return lines


def test_the_vba_module_parses() -> None:
    lines = _code_lines()
    assert lines[0] == 'Attribute VB_Name = "Jianggao"' and "Option Explicit" in lines
    stack: list[str] = []
    defined: set[str] = set()
    for line in lines:
        opened = _OPENER.match(line)
        closed = _CLOSER.match(line)
        if opened:
            kind = next(group for group in opened.groups() if group in BLOCKS)
            if kind in ("Sub", "Function"):
                assert not stack, f"{line} inside {stack}"
                defined.add(opened.group(2))
            stack.append(BLOCKS[kind])
        elif closed:
            assert stack and stack.pop() == closed.group(1), line
    assert stack == []
    assert "JianggaoDraft" in defined
    called = set(
        re.findall(r"\b(Request|BriefJson|JsonText|JsonString|InsertSpeech|UseStyle)\b", VBA)
    )
    assert called <= defined
    assert VBA.count('"') % 2 == 0  # every string closed


def test_the_vba_module_is_served_as_vba_imports_it(tmp_path: Path, build_dir: Path) -> None:
    with running_app(settings_for(tmp_path, build_dir)) as client:
        response = client.get("/addins/macros/jianggao.bas")
        assert response.headers["content-type"] == "text/plain; charset=gb18030"
        assert "attachment" in response.headers["content-disposition"]
        assert response.content.decode("gb18030") == VBA.replace("\n", "\r\n")
        macro = client.get("/addins/macros/jianggao-wps.js")
        assert macro.status_code == 200 and "function JianggaoDraft" in macro.text


def _vba_json_text(value: str) -> str:
    """JsonText as the module writes it: its Replace calls applied in order."""
    body = re.search(r"Function JsonText.*?End Function", VBA, re.S)
    assert body
    names = {"vbCrLf": "\r\n", "vbCr": "\r", "vbLf": "\n", "vbTab": "\t"}

    def literal(token: str) -> str:
        return names[token] if token in names else token[1:-1].replace('""', '"')

    token = r'("(?:[^"]|"")*"|vbCrLf|vbCr|vbLf|vbTab)'
    for old, new in re.findall(rf"Replace\(value, {token}, {token}\)", body.group(0)):
        value = value.replace(literal(old), literal(new))
    return f'"{value}"'


def test_the_vba_calls_replayed_against_the_service(tmp_path: Path, build_dir: Path) -> None:
    calls = re.findall(r'Request\("(GET|POST)", "([^"]+)"', VBA)
    assert calls == [("POST", "/v1/drafts"), ("GET", "/v1/drafts/")]
    headers = dict(re.findall(r'setRequestHeader "([^"]+)", "([^"]+)"(?! &)', VBA))
    assert headers == {"Content-Type": "application/json", "Accept": "application/json"}
    brief_json = re.search(r"Function BriefJson.*?End Function", VBA, re.S)
    assert brief_json
    keys = re.findall(r'""(\w+)"":', brief_json.group(0))
    assert keys == ["speech_type", "meeting", "speaker", "notes"]
    values = ["工作会议讲话", "全县防汛工作会议", "县委书记", '要讲"三个到位"\r\n突出\t防汛备汛']
    body = (
        "{"
        + ",".join(f'"{k}":{_vba_json_text(v)}' for k, v in zip(keys, values, strict=True))
        + "}"
    )
    assert json.loads(body)["notes"] == '要讲"三个到位"\n突出 防汛备汛'
    export = re.search(r'"/v1/drafts/" & draftId & "([^"]+)"', VBA)
    assert export and export.group(1) == "/export?format=txt"
    with running_app(settings_for(tmp_path, build_dir)) as client:
        drafted = client.post("/v1/drafts", content=body.encode("utf-8"), headers=headers)
        assert drafted.status_code == 201
        found = re.search(r'"id":"([^"]+)"', drafted.text)  # what JsonString reads
        assert found and found.group(1) == drafted.json()["id"]
        speech = client.get(f"/v1/drafts/{found.group(1)}{export.group(1)}", headers=headers)
        assert speech.status_code == 200 and speech.headers["content-type"].endswith("utf-8")
        assert speech.text.startswith("县委书记在全县防汛工作会议上的讲话\n县委书记\n")
        refused = client.post("/v1/drafts", content=b'{"speech_type":"x"}', headers=headers)
        assert re.search(r'"title":"[^"]+"', refused.text) and '"detail":"' in refused.text


# ---------- the WPS JS macro, run ----------


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
    with serving(tmp_path_factory.mktemp("macro"), build_dir) as base:
        yield base


def _load_macro(driver: Any, base: str, url: str, answers: list[str]) -> None:
    """The macro on a page of the service, with InputBox answering and MsgBox recording."""
    driver.get(f"{base}/addins/wps/index.html")
    source = httpx.get(f"{base}/addins/macros/jianggao-wps.js").text
    driver.execute_script(
        "const [source, answers] = arguments;"
        "window.said = []; window.sent = [];"
        "window.InputBox = () => answers.shift();"
        "window.MsgBox = (text) => window.said.push(text);"
        "const send = XMLHttpRequest.prototype.send;"
        "XMLHttpRequest.prototype.send = function (body) { window.sent.push(body); return send.call(this, body); };"
        "const script = document.createElement('script'); script.textContent = source;"
        "document.head.append(script);",
        source,
        answers,
    )
    driver.execute_script("JIANGGAO.url = arguments[0]", url)


def test_the_wps_macro_drafts_from_the_selection_and_types_it(browser: Any, server: str) -> None:
    _load_macro(browser, server, server, ["全县防汛工作会议", "县委书记", "工作会议讲话"])
    browser.execute_script(
        "window.standin.selection = { start: 0, end: 10, text: '突出防汛备汛重点' };"
        "window.standin.styles['一级标题'] = { name: '一级标题' };"
    )
    browser.execute_script("JianggaoDraft()")
    wait(browser, lambda d: d.execute_script("return window.standin.typed.length"), "typing")
    sent = json.loads(browser.execute_script("return window.sent[0]"))
    assert sent == {
        "speech_type": "工作会议讲话", "meeting": "全县防汛工作会议", "speaker": "县委书记",
        "notes": "突出防汛备汛重点",
    }  # fmt: skip
    typed = browser.execute_script("return window.standin.typed")
    assert typed[0]["text"] == "县委书记在全县防汛工作会议上的讲话"
    assert typed[1]["text"] == "县委书记"  # the speaker line under the title
    headings = [p for p in typed if p["style"] == "一级标题"]
    assert headings and all(re.match(r"[一二三四五六七八九十]+、", p["text"]) for p in headings)
    body = [p for p in typed if p["style"] == "正文" and p["text"].startswith("\u3000\u3000")]
    assert body  # no 讲稿正文 style in this document: the text's own indent is kept
    assert browser.execute_script("return window.said") == []


def test_the_wps_macro_says_plainly_when_the_service_is_down(browser: Any, server: str) -> None:
    closed = f"http://127.0.0.1:{free_port()}"
    _load_macro(browser, server, closed, ["全县防汛工作会议", "县委书记", "工作会议讲话"])
    browser.execute_script("JianggaoDraft()")
    said = browser.execute_script("return window.said")
    assert len(said) == 1 and said[0].startswith("连不上讲稿服务")
    assert browser.execute_script("return window.standin.typed") == []


def test_the_wps_macro_names_the_field_the_service_refuses(browser: Any, server: str) -> None:
    _load_macro(browser, server, server, ["开会", "县委书记", "工作会议讲话"])
    browser.execute_script("JianggaoDraft()")
    said = browser.execute_script("return window.said")
    assert len(said) == 1 and "会议名称“开会”" in said[0] and "null" not in said[0]
    assert browser.execute_script("return window.standin.typed") == []


def test_the_wps_macro_says_plainly_when_the_key_is_wrong(
    browser: Any, build_dir: Path, tmp_path: Path
) -> None:
    with serving(tmp_path, build_dir, JIANGGAO_API_KEYS='["s3cret"]') as keyed:
        _load_macro(browser, keyed, keyed, ["全县防汛工作会议", "县委书记", "工作会议讲话"])
        browser.execute_script("JIANGGAO.key = 'wrong'; JianggaoDraft()")
        said = browser.execute_script("return window.said")
        assert len(said) == 1 and "API 密钥" in said[0] and "JIANGGAO.key" in said[0]
        assert browser.execute_script("return window.standin.typed") == []
        _load_macro(browser, keyed, keyed, ["全县防汛工作会议", "县委书记", "工作会议讲话"])
        browser.execute_script("JIANGGAO.key = 's3cret'; JianggaoDraft()")
        wait(browser, lambda d: d.execute_script("return window.standin.typed.length"), "typing")
        assert browser.execute_script("return window.said") == []


def test_the_vba_module_answers_a_refused_key_as_the_service_refuses_it(
    tmp_path: Path, build_dir: Path
) -> None:
    """The VBA sends `Authorization: Bearer API_KEY`; a wrong key is the 401 its message
    branch names, the right one drafts."""
    sent = re.search(r'setRequestHeader "Authorization", "Bearer " & API_KEY', VBA)
    branch = re.search(r"ElseIf http\.Status = 401 Then\s*\n\s*MsgBox \"([^\"]+)\"", VBA)
    assert sent and branch and "API_KEY" in branch.group(1)
    body = '{"speech_type":"工作会议讲话","meeting":"全县防汛工作会议","speaker":"县委书记"}'
    keyed = settings_for(tmp_path, build_dir, api_keys=["s3cret"])
    with running_app(keyed) as client:
        for key, status in (("wrong", 401), ("s3cret", 201)):
            headers = {"Content-Type": "application/json", "Authorization": f"Bearer {key}"}
            answer = client.post("/v1/drafts", content=body.encode("utf-8"), headers=headers)
            assert answer.status_code == status, answer.text
