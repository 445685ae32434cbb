"""Model answers written to the real prompts, recorded once and replayed through the pipeline.

The stand-in model (service.testing.model_responder) writes with the built-in drafter's
means; a recorded session holds what a careful writer wrote when shown the service's real
prompts (through an OpenAI-compatible relay), with its own sign-offs, headings, numbering
and extra or missing sub-points. Replaying it through the fake upstream tests assembly,
cleanup and the checks on prose as a real model writes it, and lets an eval measure it.

A session file (JSON) holds the brief, the corpus it was drafted with, and the answers by
the request they answer: `outline`, `part:<label>:<point>`, `repair:<label>:<point>`,
`piece:<label>:<point>:<lead|N>` (sub-point mode), `whole`, `judge` (the order of parallel
calls does not matter). A session also names the mode it was drafted in.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr

from service.config import PROJECT_ROOT, Settings
from service.corpus.build import build_corpus
from service.knowledge.kit import Kit
from service.pipeline.pipeline import Draft, Mode
from service.resources import pipeline_for
from service.retrieval.index import CorpusIndex
from service.schemas import Brief
from service.testing.fake_upstream import FakeUpstream, Status

_PART_LABEL = re.compile(r"这次请你只写其中的“([^”]+)”部分|“([^”]+)”部分的初稿")
_POINT = re.compile(r"这是主体的第(\d+)点")
_PIECE = re.compile(r"这次请你只写其中“([^”]+)”部分的(?:引导段|第(\d+)条)")
_DRAFT = re.compile(r"<draft>(.*?)</draft>", re.S)
_JUDGE = "评审下面这篇"


def _last_user(request: dict[str, Any]) -> str:
    users = [m.get("content", "") for m in request.get("messages", []) if m.get("role") == "user"]
    return str(users[-1]) if users else ""


def answer_key(request: dict[str, Any]) -> str:
    """Which answer a chat request asks for, independent of the order calls are made in."""
    prompt = _last_user(request)
    if _JUDGE in prompt:
        return "judge"
    if request.get("response_format") or "拟一个提纲" in prompt:
        return "outline"
    if "起草一篇完整的" in prompt:
        return "whole"
    point = _POINT.search(prompt)
    number = point.group(1) if point else 0
    piece = _PIECE.search(prompt)
    if piece is not None:
        return f"piece:{piece.group(1)}:{number}:{piece.group(2) or 'lead'}"
    found = _PART_LABEL.search(prompt)
    label = next((g for g in found.groups() if g), "") if found else ""
    kind = "repair" if "请修改" in prompt else "part"
    return f"{kind}:{label}:{number}"


@dataclass(frozen=True)
class Session:
    """One recorded draft: its brief, the corpus folder it used, the answers by key."""

    name: str
    brief: dict[str, Any]
    corpus: str  # a folder of the repository, or "" for the bundled corpus
    answers: dict[str, str]
    writer: str  # who wrote the answers
    mode: Mode = "parallel"  # how the pipeline asked for the parts

    @classmethod
    def load(cls, path: Path) -> Session:
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(
            name=path.stem,
            brief=data["brief"],
            corpus=data.get("corpus", ""),
            answers=dict(data["answers"]),
            writer=data.get("writer", ""),
            mode=data.get("mode", "parallel"),
        )

    def save(self, path: Path) -> None:
        data = {
            "brief": self.brief,
            "corpus": self.corpus,
            "writer": self.writer,
            "mode": self.mode,
            "answers": self.answers,
        }
        path.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


def session_from_relay(
    folder: Path, name: str, brief: dict[str, Any], corpus: str, writer: str, mode: Mode
) -> Session:
    """A session from a relay's folder (req/NNN.json answered by resp/NNN.txt); a request
    asked twice keeps its last answer."""
    answers: dict[str, str] = {}
    for request_file in sorted((folder / "req").glob("*.json")):
        answer = folder / "resp" / f"{request_file.stem}.txt"
        if answer.is_file():
            request = json.loads(request_file.read_text(encoding="utf-8"))
            answers[answer_key(request)] = answer.read_text(encoding="utf-8")
    return Session(name=name, brief=brief, corpus=corpus, answers=answers, writer=writer, mode=mode)


class ReplayResponder:
    """Answers the fake upstream's requests from a session. A request it has no answer for
    is a repair the writer was never asked: it answers with the draft unchanged, as a model
    that finds nothing to change would; anything else is a 500, so a test sees it."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.missing: list[str] = []

    def __call__(self, request: dict[str, Any]) -> str | Status:
        key = answer_key(request)
        found = self.session.answers.get(key)
        if found is not None:
            return found
        self.missing.append(key)
        draft = _DRAFT.search(_last_user(request))
        if key.startswith("repair:") and draft:
            return draft.group(1).strip()
        return Status(500, message=f"no recorded answer for {key}")


def session_index(session: Session, kit: Kit) -> CorpusIndex:
    """The corpus the session was drafted with (the bundled one when it names none), read and
    indexed in memory."""
    source = PROJECT_ROOT / (session.corpus or "corpus/raw")
    records = build_corpus(source, None, kit.types, max_source_mb=20).records
    index = CorpusIndex.from_records(records, kit.segmenter)
    index.type_names = kit.types.names()
    return index


async def replay_draft(
    session: Session, kit: Kit, settings: Settings, index: CorpusIndex | None = None
) -> tuple[Draft, list[str]]:
    """The session's brief drafted again through the real pipeline and openai client, the
    recorded answers served by the fake upstream; with the keys no answer was recorded for."""
    responder = ReplayResponder(session)
    with FakeUpstream(responder) as upstream:
        replayed = settings.model_copy(
            update={
                "drafter": "openai",
                "openai_base_url": upstream.base_url,
                "openai_api_key": SecretStr("replay"),
                "model": "replay",
                "max_retries": 0,
            }
        )
        pipeline, client = pipeline_for(replayed, kit, index or session_index(session, kit))
        try:
            draft = await pipeline.draft(Brief.model_validate(session.brief), mode=session.mode)
        finally:
            if client is not None:
                await client.aclose()
    return draft, responder.missing
