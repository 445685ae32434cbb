"""Limits that hold against hostile and careless requests: bodies counted as they are read
(chunked or not), briefs at every schema limit drafting or refused with the field named, and
the small faults of issue 12 answered as problem+json, never as 500."""

from __future__ import annotations

import select
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from service.limits import MEETING_MAX_CHARS, SPEAKER_MAX_CHARS, SUBPOINTS_MAX
from tests.apphelpers import running_app, serving, settings_for

PROBLEM = "application/problem+json"
BRIEF: dict[str, Any] = {
    "speech_type": "work_meeting",
    "meeting": "全县安全生产工作会议",
    "speaker": "县长",
    "points": ["压实安全生产责任", "深化隐患排查整治", "提升应急处置能力"],
}


@pytest.fixture
def client(tmp_path: Path, build_dir: Path) -> Iterator[TestClient]:
    with running_app(settings_for(tmp_path, build_dir, max_request_kb=16)) as running:
        yield running


def _problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body: dict[str, Any] = response.json()
    assert body["status"] == status and body["detail"]
    return body


def _chunks(total: int, sent: list[int]) -> Iterator[bytes]:
    """A JSON text of `total` bytes with no Content-Length (chunked), counting what was taken."""
    yield b'{"text": "'
    piece = "安全生产".encode() * 1024
    while sent[0] < total:
        sent[0] += len(piece)
        yield piece
    yield b'"}'


def test_a_chunked_json_body_over_the_limit_is_refused_with_413(client: TestClient) -> None:
    sent = [0]
    response = client.post(
        "/v1/checks", content=_chunks(200_000, sent), headers={"content-type": "application/json"}
    )
    problem = _problem(response, 413)
    assert problem["type"].endswith("too-large") and "16384" in problem["detail"]


def test_a_chunked_upload_over_the_limit_is_refused_with_413(
    tmp_path: Path, build_dir: Path
) -> None:
    boundary = "b0undary"

    def multipart() -> Iterator[bytes]:
        yield (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
            'filename="big.txt"\r\nContent-Type: text/plain\r\n\r\n'
        ).encode()
        for _ in range(2 * 1024):
            yield "全县安全生产工作会议讲话。\n".encode() * 100
        yield f"\r\n--{boundary}--\r\n".encode()

    settings = settings_for(tmp_path, build_dir, max_upload_mb=0.5)
    with running_app(settings) as client:
        response = client.post(
            "/v1/corpus",
            content=multipart(),
            headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        )
    _problem(response, 413)
    assert not list((tmp_path / "raw").glob("*"))


@pytest.mark.server
def test_a_real_server_answers_413_before_a_chunked_body_ends(
    tmp_path: Path, build_dir: Path
) -> None:
    """A raw socket sends a chunked body slowly: the 413 must come while it is still sending."""
    with serving(tmp_path, build_dir, JIANGGAO_MAX_REQUEST_KB="16") as base:
        host, port = base.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port)), timeout=10) as sock:
            sock.sendall(
                b"POST /v1/checks HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\n\r\n"
            )
            chunk = b'{"text": "' + b"a" * 65_536
            sent = 0
            while sent < 64 * 2**20 and not select.select([sock], [], [], 0.01)[0]:
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sent += len(chunk)
            answer = sock.recv(65_536).decode("utf-8", "replace")
    assert answer.startswith("HTTP/1.1 413"), answer[:200]
    assert PROBLEM in answer
    assert sent < 4 * 2**20  # answered after a few chunks, not after the 64 MB on offer


def test_briefs_at_every_limit_draft(client: TestClient) -> None:
    brief = {
        **BRIEF,
        "meeting": "全" * (MEETING_MAX_CHARS - 4) + "工作会议",
        "speaker": "县" * (SPEAKER_MAX_CHARS - 2) + "县长",
        "points": [
            {
                "title": "压实安全生产责任",
                "details": [f"落实第{i}项责任" for i in range(SUBPOINTS_MAX)],
            }
        ],
    }
    for speech_type in ("work_meeting", "pledge", "presiding"):
        response = client.post("/v1/drafts", json={**brief, "speech_type": speech_type})
        assert response.status_code == 201, response.text


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"meeting": "全县" + "安全生产" * 28 + "工作会议"}, "meeting", "会议名称"),
        (
            {"points": [{"title": "压实责任", "details": [f"细节{i}" for i in range(13)]}]},
            "points.0.details",
            "要讲的几点第1点的具体内容",
        ),
    ],
)
def test_briefs_beyond_what_the_pipeline_takes_are_refused_naming_the_field(
    client: TestClient, change: dict[str, Any], field: str, words: str
) -> None:
    problem = _problem(client.post("/v1/drafts", json={**BRIEF, **change}), 422)
    assert problem["field"] == field
    assert words in problem["detail"] and "最多" in problem["detail"]


def test_control_characters_in_a_brief_draft_and_export(client: TestClient) -> None:
    response = client.post("/v1/drafts", json={**BRIEF, "meeting": "全县安全\u0000生产\u0007会议"})
    assert response.status_code == 201, response.text
    draft = response.json()
    assert "全县安全生产会议" in draft["title"]
    exported = client.get(f"/v1/drafts/{draft['id']}/export?format=docx")
    assert exported.status_code == 200 and exported.content[:2] == b"PK"


def test_a_non_ascii_bearer_token_is_401(tmp_path: Path, build_dir: Path) -> None:
    with running_app(settings_for(tmp_path, build_dir, api_keys=["s3cret"])) as client:
        for token in ("密钥", "s3cret密"):
            response = client.get(
                "/v1/drafts", headers={b"authorization": f"Bearer {token}".encode()}
            )
            _problem(response, 401)
        good = client.get("/v1/drafts", headers={"authorization": "Bearer s3cret"})
        assert good.status_code == 200


@pytest.mark.parametrize("path", ["/v1/drafts", "/v1/corpus"])
def test_an_offset_beyond_any_integer_column_is_422(client: TestClient, path: str) -> None:
    problem = _problem(client.get(f"{path}?offset=9223372036854775808"), 422)
    assert problem["field"] == "offset"


def test_malformed_json_is_named_by_line_and_column_not_byte_offset(client: TestClient) -> None:
    body = b'{\n  "speech_type": "work_meeting",\n  "meeting": "x" "y"\n}'
    problem = _problem(
        client.post("/v1/drafts", content=body, headers={"content-type": "application/json"}),
        422,
    )
    assert problem["field"] == "body"
    assert "请求体不是合法的 JSON" in problem["detail"] and "第 3 行" in problem["detail"]
