"""A corpus that cannot break the service: torn builds ignored with the last good index
serving, bombs and giants refused before they cost anything, uploads that never overwrite or
hide one another across workers, and no orphan source files from an upload killed midway."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import docx
import httpx
import pytest

from service.corpus.records import CorpusRecord, read_records
from service.knowledge.kit import default_kit
from service.limits import EXAMPLE_MAX_CHARS
from service.retrieval.index import CorpusIndex
from service.retrieval.saved import CORPUS_FILENAME
from tests.apphelpers import (
    _wait_until_up,
    free_port,
    running_app,
    serving,
    settings_for,
)

BRIEF: dict[str, Any] = {
    "speech_type": "work_meeting",
    "meeting": "全县安全生产工作会议",
    "speaker": "县长",
    "points": ["压实安全生产责任", "深化隐患排查整治", "提升应急处置能力"],
}
SPEECH = (
    "在全镇{topic}工作会议上的讲话\n同志们：\n今天召开全镇{topic}工作会议。下面，我讲两点意见。\n"
    "一、提高思想认识\n{topic}工作事关群众切身利益，要压实责任，{n}。\n二、狠抓工作落实\n"
    "要加强督促检查，确保各项任务落到实处。\n同志们，让我们共同努力，把{topic}工作做得更好！"
)


def _speech(topic: str, n: int = 0) -> bytes:
    return SPEECH.format(topic=topic, n=f"第{n}项要求落实到位").encode()


@pytest.fixture
def private_build(tmp_path: Path, build_dir: Path) -> Path:
    """A copy of the seed build that a test may damage or add to."""
    private = tmp_path / "build"
    shutil.copytree(build_dir, private)
    return private


def _tear(build: Path) -> None:
    """What an append cut short by a full disk or a crash leaves: a torn last line."""
    with (build / CORPUS_FILENAME).open("a", encoding="utf-8") as out:
        out.write('{"id": "torn", "source": "torn.txt", "title": "在全县')


def test_a_torn_build_is_ignored_and_the_last_good_index_serves(
    tmp_path: Path, private_build: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with running_app(settings_for(tmp_path, private_build)) as client:
        before = client.get("/v1/corpus").json()["total"]
        _tear(private_build)
        health = client.get("/healthz")
        assert health.status_code == 200 and health.json()["corpus_records"] == before
        assert client.post("/v1/drafts", json=BRIEF).status_code == 201
        assert client.get("/v1/corpus").json()["total"] == before
        assert (
            'corpus.ignored reason="ValidationError' in capsys.readouterr().err
        )  # quoted: multi-line
        # an upload writes the whole corpus anew: the torn line is gone, the build valid again
        added = client.post(
            "/v1/corpus", files={"file": ("秋收.txt", _speech("秋收"), "text/plain")}
        )
        assert added.status_code == 201, added.text
    records = list(read_records(private_build / CORPUS_FILENAME))
    assert len(records) == before + 1 and "torn" not in {r.id for r in records}


def test_start_up_never_fails_on_a_torn_build(tmp_path: Path, private_build: Path) -> None:
    _tear(private_build)
    shutil.rmtree(private_build / "index")  # nothing good to fall back on
    with running_app(settings_for(tmp_path, private_build)) as client:
        assert client.get("/healthz").status_code == 200
        draft = client.post("/v1/drafts", json=BRIEF)
        assert draft.status_code == 201
        assert "没有可用的语料库索引，未使用范文" in draft.json()["notes"]


def _docx_bomb(paragraphs: int) -> bytes:
    """A small .docx whose document.xml unpacks to many MB of one repeated paragraph."""
    document = docx.Document()
    document.add_paragraph("在全县安全生产工作会议上的讲话")
    plain = io.BytesIO()
    document.save(plain)
    bomb = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/document.xml":
                paragraph = b"<w:p><w:r><w:t>\xe5\x90\x8c\xe5\xbf\x97\xe4\xbb\xac</w:t></w:r></w:p>"
                data = data.replace(b"<w:body>", b"<w:body>" + paragraph * paragraphs, 1)
            out.writestr(item, data)
    return bomb.getvalue()


def test_a_docx_bomb_is_refused_before_it_is_parsed(tmp_path: Path, private_build: Path) -> None:
    bomb = _docx_bomb(1_000_000)  # about 45 MB of XML
    assert len(bomb) < 300_000
    with running_app(settings_for(tmp_path, private_build)) as client:
        started = time.perf_counter()
        response = client.post("/v1/corpus", files={"file": ("bomb.docx", bomb, "x")})
        elapsed = time.perf_counter() - started
        assert client.get("/healthz").status_code == 200
    assert response.status_code == 422, response.text
    assert "压缩" in response.json()["detail"]
    assert elapsed < 2.0
    assert not [p for p in (tmp_path / "raw").iterdir() if not p.name.startswith(".")]


def test_a_docx_of_too_many_paragraphs_is_refused(tmp_path: Path, private_build: Path) -> None:
    document = docx.Document()
    for n in range(20_001):
        document.add_paragraph(f"第{n}段")
    data = io.BytesIO()
    document.save(data)
    with running_app(settings_for(tmp_path, private_build)) as client:
        response = client.post("/v1/corpus", files={"file": ("many.docx", data.getvalue(), "x")})
    assert response.status_code == 422 and "段落过多" in response.json()["detail"]


def test_a_giant_text_upload_is_refused_with_the_reason(
    tmp_path: Path, private_build: Path
) -> None:
    giant = _speech("防汛") * 12_000  # about 2.7 million characters, under the 8 MB cap
    assert len(giant) < 8 * 2**20
    with running_app(settings_for(tmp_path, private_build)) as client:
        response = client.post("/v1/corpus", files={"file": ("giant.txt", giant, "text/plain")})
        assert response.status_code == 422, response.text
        assert "文字过多" in response.json()["detail"]
        started = time.perf_counter()
        assert client.post("/v1/drafts", json=BRIEF).status_code == 201
        assert time.perf_counter() - started < 5.0


def test_a_record_too_long_to_be_an_example_is_never_shown(
    built_corpus: list[CorpusRecord],
) -> None:
    seed = next(r for r in built_corpus if r.is_example)
    copies = EXAMPLE_MAX_CHARS // len(seed.text) + 1
    giant = seed.model_copy(
        update={"id": "giant", "text": seed.text * copies, "chars": seed.chars * copies}
    )
    index = CorpusIndex.from_records([giant], default_kit().segmenter)
    assert not giant.is_example
    assert index.search(seed.text[:200], k=3) == []
    assert [h.record.id for h in index.search(seed.text[:200], k=3, examples_only=False)] == [
        "giant"
    ]


def test_a_shift_jis_file_is_refused_not_read_as_gb18030(
    tmp_path: Path, private_build: Path
) -> None:
    japanese = (
        "本日は全国安全会議を開催いたします。関係者の皆様には日頃から大変お世話になっております。"
        * 20
    )
    with running_app(settings_for(tmp_path, private_build)) as client:
        response = client.post(
            "/v1/corpus", files={"file": ("会議.txt", japanese.encode("shift_jis"), "text/plain")}
        )
    assert response.status_code == 422, response.text
    assert "乱码" in response.json()["detail"] or "不像中文" in response.json()["detail"]


def test_uploads_of_one_name_in_one_second_keep_every_one(
    tmp_path: Path, private_build: Path
) -> None:
    topics = ["秋收", "防汛", "森林防火", "安全生产"]
    with running_app(settings_for(tmp_path, private_build)) as client:

        def upload(topic: str) -> str:
            files = {"file": ("讲话.txt", _speech(topic), "text/plain")}
            response = client.post("/v1/corpus", files=files)
            assert response.status_code == 201, response.text
            record_id: str = response.json()["records"][0]["id"]
            return record_id

        with ThreadPoolExecutor(len(topics)) as pool:
            ids = list(pool.map(upload, topics))
        assert len(set(ids)) == len(topics)
        texts = [client.get(f"/v1/corpus/{quote(i)}").json()["text"] for i in ids]
    assert all(topic in text for topic, text in zip(topics, texts, strict=True))
    lines = [r.id for r in read_records(private_build / CORPUS_FILENAME)]
    assert len(lines) == len(set(lines))
    assert len(list((tmp_path / "raw").glob("upload-*讲话.txt"))) == len(topics)


@pytest.mark.server
def test_concurrent_uploads_to_two_workers_all_land_and_are_visible(
    tmp_path: Path, private_build: Path
) -> None:
    topics = [f"第{n}片区秋收" for n in range(24)]
    with serving(tmp_path, private_build, "--workers", "2") as base:
        before = httpx.get(f"{base}/v1/corpus").json()["total"]

        def upload(n: int) -> httpx.Response:
            files = {"file": ("秋收.txt", _speech(topics[n], n), "text/plain")}
            return httpx.post(f"{base}/v1/corpus", files=files, timeout=60)

        with ThreadPoolExecutor(8) as pool:
            responses = list(pool.map(upload, range(len(topics))))
        assert [r.status_code for r in responses] == [201] * len(topics), [
            r.text for r in responses if r.status_code != 201
        ]
        ids = [r.json()["records"][0]["id"] for r in responses]
        for _ in range(4):  # each request lands on either worker
            assert httpx.get(f"{base}/v1/corpus?limit=500").json()["total"] == before + len(ids)
            for record_id in ids:
                assert httpx.get(f"{base}/v1/corpus/{quote(record_id)}").status_code == 200
    on_disk = [r.id for r in read_records(private_build / CORPUS_FILENAME)]
    assert len(on_disk) == before + len(ids) and set(ids) <= set(on_disk)
    assert not list(private_build.glob("*.tmp")) and not list(private_build.glob(".*.tmp"))


@pytest.mark.server
def test_an_upload_killed_midway_leaves_no_source_file(tmp_path: Path, private_build: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "JIANGGAO_BUILD_DIR": str(private_build),
        "JIANGGAO_CORPUS_DIR": str(tmp_path / "raw"),
        "JIANGGAO_DATABASE_URL": f"sqlite:///{tmp_path / 'drafts.db'}",
        "JIANGGAO_DRAFTER": "builtin",
    }
    command = [sys.executable, "-m", "service.cli", "serve", "--port", str(port)]
    server = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT, text=True
    )
    big = b"\n".join(_speech(f"第{n}片区秋收", n) for n in range(1100))  # ~0.5 s to clean and index
    try:
        _wait_until_up(f"http://127.0.0.1:{port}", server)
        with ThreadPoolExecutor(1) as pool:
            pool.submit(
                _post_quietly, f"http://127.0.0.1:{port}/v1/corpus", ("秋收.txt", big, "text/plain")
            )
            raw = tmp_path / "raw"
            deadline = time.monotonic() + 20
            while time.monotonic() < deadline and not (raw.is_dir() and any(raw.iterdir())):
                time.sleep(0.002)
            os.kill(server.pid, signal.SIGKILL)
            server.wait(timeout=10)
    finally:
        if server.poll() is None:
            server.kill()
    assert [p.name for p in (tmp_path / "raw").iterdir() if not p.name.startswith(".")] == []
    with serving(tmp_path, private_build) as base:  # the service starts; the corpus is whole
        assert httpx.get(f"{base}/healthz").status_code == 200
    list(read_records(private_build / CORPUS_FILENAME))


def _post_quietly(url: str, file: tuple[str, bytes, str]) -> None:
    with contextlib.suppress(httpx.HTTPError):  # the server was killed: no answer is expected
        httpx.post(url, files={"file": file}, timeout=30)
