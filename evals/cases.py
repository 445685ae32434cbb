"""The `cases` eval mode: hand-written briefs with assertions, drafted and checked one by one.

A case is one YAML file in evals/cases/: a description, a brief (inline, or the name
of a file in prompts/briefs/ or a path relative to the case, with optional `overrides`)
and an `assert` list (evals/assertions.py). Cases are validated when loaded, so a
typo in a case is reported before anything is drafted.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from evals.assertions import Assertion, AssertionResult, Subject
from evals.harness import DocResult, Summary, summarise
from evals.runner import DraftingRun, draft_row
from service.config import PROJECT_ROOT
from service.errors import InputError, JianggaoError
from service.knowledge.kit import Kit
from service.pipeline.pipeline import Pipeline
from service.schemas import Brief

CASES_DIR = PROJECT_ROOT / "evals" / "cases"
CASE_SUFFIXES = (".yaml", ".yml")
Progress = Callable[[int, int, str], None]


class CaseError(Exception):
    """Raised when a case file or the cases folder cannot be used; the message says which."""


class CaseFile(BaseModel):
    """A case as written in YAML."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    description: str = Field(min_length=1)
    brief: str | dict[str, Any]
    overrides: dict[str, Any] = Field(default_factory=dict)
    assertions: list[Assertion] = Field(alias="assert", min_length=1)
    # A failure found and reported, not yet fixed: the case stays as written, marked so.
    known_failure: str | None = Field(None, min_length=1)


class Case(BaseModel):
    """A loaded case: its id (the file name), its brief validated, its assertions."""

    id: str
    path: Path
    description: str
    brief: Brief
    assertions: list[Assertion]
    known_failure: str | None
    digest: str


def load_cases(folder: Path, kit: Kit) -> list[Case]:
    """Every case in a folder, in file-name order; CaseError on the first unusable one."""
    if not folder.is_dir():
        raise CaseError(f"找不到用例目录 {folder}")
    files = sorted(p for p in folder.iterdir() if p.suffix in CASE_SUFFIXES)
    if not files:
        raise CaseError(f"用例目录 {folder} 中没有 .yaml 用例")
    return [load_case(path, kit) for path in files]


def load_case(path: Path, kit: Kit) -> Case:
    """One case file, validated: its brief and every assertion."""
    raw = _read_yaml(path)
    try:
        spec = CaseFile.model_validate(raw)
    except ValidationError as error:
        raise CaseError(f"用例 {path.name} 有误：{_errors(error)}") from None
    try:
        data = {**_brief_data(spec.brief, path, kit.briefs_dir), **spec.overrides}
        brief = kit.types.canonical(Brief.model_validate(data))
    except ValidationError as error:
        raise CaseError(f"用例 {path.name} 的简报有误：{_errors(error)}") from None
    except InputError as error:
        raise CaseError(f"用例 {path.name} 的简报有误：{error.field}: {error.detail}") from None
    digest = hashlib.sha256(path.read_bytes() + brief.model_dump_json().encode()).hexdigest()
    return Case(
        id=path.stem,
        path=path,
        description=spec.description,
        brief=brief,
        assertions=spec.assertions,
        known_failure=spec.known_failure,
        digest=digest,
    )


def _read_yaml(path: Path) -> Any:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as error:
        raise CaseError(f"无法读取用例 {path}：{error}") from None
    except yaml.YAMLError as error:
        raise CaseError(f"用例 {path.name} 不是有效的 YAML：{error}") from None
    if not isinstance(data, dict):
        raise CaseError(f"用例 {path.name} 应是一个映射（description、brief、assert）")
    return data


def _brief_data(brief: str | dict[str, Any], case_path: Path, briefs_dir: Path) -> dict[str, Any]:
    """An inline brief as is; a named brief read from beside the case, else from prompts/briefs."""
    if isinstance(brief, dict):
        return brief
    for folder in (case_path.parent, briefs_dir):
        candidate = folder / brief
        if candidate.is_file():
            return _brief_file(candidate, case_path)
    raise CaseError(
        f"用例 {case_path.name}：找不到简报文件 {brief}（相对用例目录或 prompts/briefs/）"
    )


def _brief_file(path: Path, case_path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as error:
        raise CaseError(f"用例 {case_path.name}：无法读取简报 {path.name}（{error}）") from None
    if not isinstance(data, dict):
        raise CaseError(f"用例 {case_path.name}：简报 {path.name} 应是一个 JSON 对象")
    return data


def _errors(error: ValidationError) -> str:
    parts = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"])
        parts.append(f"{where}：{item['msg']}" if where else item["msg"])
    return "；".join(parts)


class CaseResult(BaseModel):
    """One case drafted and checked: passed when every assertion passed."""

    id: str
    description: str
    speech_type: str
    passed: bool
    known_failure: str | None = None
    assertions: list[AssertionResult] = Field(default_factory=list)
    document: DocResult | None = None
    examples: list[str] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    error: str | None = None


class CasesSummary(BaseModel):
    """Cases and assertions passed, failed assertions by type, and the drafts' scores."""

    cases: int
    cases_passed: int
    pass_rate: float
    known_failures: int  # failed, and marked as a known failure
    known_failures_passed: int  # marked as a known failure, yet passed: fixed, or luck
    assertions: int
    assertions_passed: int
    failures_by_type: dict[str, int]
    scores: Summary


class CasesRun(DraftingRun):
    """A whole `cases` run, as the JSON report holds it."""

    mode: str = "cases"
    summary: CasesSummary
    cases: list[CaseResult]


async def run_case(pipeline: Pipeline, case: Case) -> CaseResult:
    """Draft the case's brief and check every assertion; a drafting failure fails the case."""
    result = CaseResult(
        id=case.id,
        description=case.description,
        speech_type=case.brief.speech_type,
        passed=False,
        known_failure=case.known_failure,
    )
    try:
        draft = await pipeline.draft(case.brief)
    except JianggaoError as error:
        return result.model_copy(update={"error": f"起草失败：{error}"})
    subject = Subject(draft.text, draft.report)
    checked = [assertion.evaluate(subject) for assertion in case.assertions]
    return result.model_copy(
        update={
            "passed": all(r.passed for r in checked),
            "assertions": checked,
            "document": draft_row(case.id, case.brief, draft),
            "examples": [e.id for e in draft.examples],
            "notes": draft.notes,
        }
    )


async def run_cases(
    pipeline: Pipeline, cases: Sequence[Case], *, source: str, progress: Progress | None = None
) -> CasesRun:
    """Every case in turn (a case's parts are drafted in parallel), then the summary."""
    results = []
    for done, case in enumerate(cases, start=1):
        results.append(await run_case(pipeline, case))
        if progress is not None:
            progress(done, len(cases), f"{case.id} {'✓' if results[-1].passed else '✗'}")
    digest = hashlib.sha256("".join(c.digest for c in cases).encode()).hexdigest()
    return CasesRun(
        source=source,
        source_sha256=digest,
        drafter=pipeline.drafter.name,
        model=pipeline.drafter.model,
        summary=summarise_cases(results),
        cases=results,
    )


def summarise_cases(results: Sequence[CaseResult]) -> CasesSummary:
    """Pass rate over cases and over assertions; which assertion types fail most."""
    checked = [a for r in results for a in r.assertions]
    failures = Counter(a.type for a in checked if not a.passed)
    failures.update("drafting" for r in results if r.error)
    passed = sum(r.passed for r in results)
    return CasesSummary(
        cases=len(results),
        cases_passed=passed,
        pass_rate=round(passed / len(results), 4) if results else 0.0,
        known_failures=sum(bool(r.known_failure) and not r.passed for r in results),
        known_failures_passed=sum(bool(r.known_failure) and r.passed for r in results),
        assertions=len(checked),
        assertions_passed=sum(a.passed for a in checked),
        failures_by_type=dict(failures.most_common()),
        scores=summarise([r.document for r in results if r.document is not None]),
    )
