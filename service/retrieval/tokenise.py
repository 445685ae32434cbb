"""Tokenise many records on every core, with the same term ids as tokenising them in order.

Each worker process tokenises a run of records and numbers their terms in the order it
first meets them; the parent then takes the runs in order and gives each new term the next
global id, which is exactly the order one process would have met them in. So the index is
the same whatever the number of workers.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor

import numpy as np

from service.corpus.records import CorpusRecord
from service.cpu import cores
from service.retrieval.index import EncodedRecord, Vocabulary, encode_record, section_text
from service.retrieval.ragged import IdArray
from service.text.segment import Segmenter

PARALLEL_MIN = 2_000  # fewer records than this are tokenised in this process
_CHUNK = 500  # records per task

Run = tuple[list[str], IdArray, list[int], list[int]]  # terms, local ids, lengths, counts
_SEGMENTER: Segmenter | None = None


def encode_records(
    records: Sequence[CorpusRecord],
    segmenter: Segmenter,
    vocab: Vocabulary,
    *,
    workers: int | None = None,
    parallel_min: int = PARALLEL_MIN,
) -> list[EncodedRecord]:
    """Every record's term ids, growing the vocabulary; a process pool when worth it.

    Only a plain Segmenter is rebuilt in the workers (from its user terms); any other
    segmenter tokenises here."""
    count = cores() if workers is None else workers
    if count < 2 or len(records) < max(parallel_min, 1) or type(segmenter) is not Segmenter:
        return [encode_record(r, segmenter, vocab) for r in records]
    texts = [[section_text(s) for s in r.sections] or [r.text] for r in records]
    chunks = [texts[i : i + _CHUNK] for i in range(0, len(texts), _CHUNK)]
    context = multiprocessing.get_context("spawn")  # no fork of a threaded server
    encoded: list[EncodedRecord] = []
    with ProcessPoolExecutor(
        count, mp_context=context, initializer=_start, initargs=(segmenter.added_terms,)
    ) as pool:
        for run in pool.map(_tokenise, chunks):
            encoded.extend(_globalise(run, vocab))
    return encoded


def _start(user_terms: tuple[str, ...]) -> None:
    global _SEGMENTER
    _SEGMENTER = Segmenter(user_terms)


def _tokenise(records: list[list[str]]) -> Run:
    """A run of records (their section texts) as local term ids, first met first."""
    assert _SEGMENTER is not None
    local = Vocabulary()
    parts: list[IdArray] = []
    lengths, counts = [], []
    for sections in records:
        counts.append(len(sections))
        for text in sections:
            ids = local.encode(_SEGMENTER.tokens(text), grow=True)
            parts.append(ids)
            lengths.append(len(ids))
    flat = np.concatenate(parts) if parts else np.zeros(0, np.int32)
    return local.terms, flat.astype(np.int32), lengths, counts


def _globalise(run: Run, vocab: Vocabulary) -> Iterator[EncodedRecord]:
    terms, local, lengths, counts = run
    mapping = np.fromiter((vocab.add(t) for t in terms), dtype=np.int32, count=len(terms))
    ids = mapping[local] if len(local) else local
    sections = np.split(ids, np.cumsum(lengths)[:-1]) if lengths else []
    start = 0
    for count in counts:
        yield EncodedRecord(list(sections[start : start + count]))
        start += count
