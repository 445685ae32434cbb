"""Shared fixtures: the corpus built once from the five seeds in corpus/raw/."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from service.corpus.build import build_corpus
from service.corpus.records import CorpusRecord, read_records
from service.knowledge.kit import default_kit
from service.testing.fake_upstream import FakeUpstream

SEEDS_DIR = Path(__file__).resolve().parent.parent / "corpus" / "raw"


@pytest.fixture(scope="session")
def built_corpus(tmp_path_factory: pytest.TempPathFactory) -> list[CorpusRecord]:
    """The records of the five seeds, built into a temporary speeches.jsonl and read back."""
    out = tmp_path_factory.mktemp("corpus") / "speeches.jsonl"
    build_corpus(SEEDS_DIR, out, default_kit().types, max_source_mb=8.0)
    return list(read_records(out))


@pytest.fixture(scope="session")
def build_dir(built_corpus: list[CorpusRecord], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus build folder (speeches.jsonl + saved index) of the seeds, shared by app tests."""
    from tests.apphelpers import make_build_dir

    return make_build_dir(tmp_path_factory.mktemp("build"), built_corpus)


@pytest.fixture
def fake_upstream() -> Iterator[FakeUpstream]:
    """A running fake OpenAI-compatible server on loopback, stopped after the test."""
    with FakeUpstream() as fake:
        yield fake


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that start `jianggao serve` or drive Chromium are marked so `make test-fast`
    can leave them out while you work (`make test` and CI run everything)."""
    for item in items:
        used = set(getattr(item, "fixturenames", ()))
        for marker in ("server", "browser"):
            if marker in used:
                item.add_marker(marker)
