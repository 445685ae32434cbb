"""Shared fixtures: the corpus built once from the five seeds in corpus/raw/."""

from __future__ import annotations

from pathlib import Path

import pytest

from service.corpus.build import build_corpus
from service.corpus.records import CorpusRecord, read_records
from tests.fake_upstream import fake_upstream  # noqa: F401

SEEDS_DIR = Path(__file__).resolve().parent.parent / "corpus" / "raw"


@pytest.fixture(scope="session")
def built_corpus(tmp_path_factory: pytest.TempPathFactory) -> list[CorpusRecord]:
    """The records of the five seeds, built into a temporary speeches.jsonl and read back."""
    out = tmp_path_factory.mktemp("corpus") / "speeches.jsonl"
    build_corpus(SEEDS_DIR, out, max_source_mb=8.0)
    return list(read_records(out))


@pytest.fixture(scope="session")
def build_dir(built_corpus: list[CorpusRecord], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A corpus build folder (speeches.jsonl + saved index) of the seeds, shared by app tests."""
    from tests.apphelpers import make_build_dir

    return make_build_dir(tmp_path_factory.mktemp("build"), built_corpus)
