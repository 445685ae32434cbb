"""compose.yaml against what it runs: no Docker engine here, so the file is held to the
Dockerfile, to service/config.py, to the lock the image installs and to the README; and the
same topology (two workers, PostgreSQL by URL, the environment compose sets) runs for real
without Docker when a PostgreSQL server is at hand."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from sqlalchemy import make_url

from service.api.app import create_app
from service.config import Settings
from tests.apphelpers import PG_URL, example_brief, pg_schema, serving

ROOT = Path(__file__).resolve().parent.parent
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
SERVICE: dict[str, Any] = COMPOSE["services"]["jianggao"]
DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")
_DEFAULTED = re.compile(r"\$\{(\w+)(?::-([^}]*))?\}")


def resolved(value: str) -> str:
    """A compose value as it is with no variable set on the host: `${X:-d}` is d."""
    return _DEFAULTED.sub(lambda m: m.group(2) or "", value)


def setting_names() -> set[str]:
    """Every environment variable service/config.py reads."""
    names = set()
    for name, field in Settings.model_fields.items():
        aliases = getattr(field.validation_alias, "choices", None)
        names |= set(aliases) if aliases else {f"JIANGGAO_{name.upper()}"}
    return names


def compose_env() -> dict[str, str]:
    return {name: resolved(str(value)) for name, value in SERVICE["environment"].items()}


def test_every_variable_compose_sets_is_a_setting_and_its_defaults_are_valid(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = compose_env()
    assert set(env) <= setting_names(), set(env) - setting_names()
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = Settings()
    assert settings.openai_base_url is None and settings.openai_api_key is None  # left unset
    assert settings.public_url is None and settings.api_keys == []
    assert settings.rate_limit_per_minute == 0
    url = make_url(settings.database_url)
    assert (url.host, url.database) == ("postgres", "jianggao")
    postgres = COMPOSE["services"]["postgres"]["environment"]
    assert url.username == postgres["POSTGRES_USER"] and url.database == postgres["POSTGRES_DB"]
    assert url.password == resolved(postgres["POSTGRES_PASSWORD"])


def test_the_database_driver_is_in_the_lock_the_image_installs() -> None:
    driver = make_url(compose_env()["JIANGGAO_DATABASE_URL"]).get_driver_name()
    assert driver == "psycopg"
    lock = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    assert re.search(r"^psycopg==", lock, re.M) and re.search(r"^psycopg-binary==", lock, re.M)
    assert "pip install --no-cache-dir --require-hashes -r requirements.lock" in DOCKERFILE


def test_ports_and_healthcheck_agree_with_the_dockerfile() -> None:
    [exposed] = re.findall(r"^EXPOSE (\d+)$", DOCKERFILE, re.M)
    health = re.search(
        r"HEALTHCHECK .*?urlopen\('http://127\.0\.0\.1:(\d+)(/\w+)'", DOCKERFILE, re.S
    )
    assert health, "the Dockerfile's HEALTHCHECK asks the service over HTTP"
    [mapping] = SERVICE["ports"]
    assert resolved(mapping).split(":")[-1] == exposed == health.group(1)
    assert "JIANGGAO_PORT" not in SERVICE["environment"]
    assert str(Settings.model_fields["port"].default) == exposed
    assert "JIANGGAO_HOST=0.0.0.0" in DOCKERFILE  # reachable from outside the container
    assert health.group(2) in create_app(Settings()).openapi()["paths"]
    assert re.findall(r"^USER (\S+)$", DOCKERFILE, re.M)[-1] not in ("root", "0")


def test_several_workers_postgres_with_a_volume_and_an_optional_model_server() -> None:
    command = SERVICE["command"]
    assert (
        command[:2] == ["jianggao", "serve"] and int(command[command.index("--workers") + 1]) >= 2
    )
    postgres = COMPOSE["services"]["postgres"]
    assert any(v.endswith(":/var/lib/postgresql/data") for v in postgres["volumes"])
    assert "pg_isready" in " ".join(postgres["healthcheck"]["test"])
    assert SERVICE["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("ollama", "ollama-pull"):
        assert COMPOSE["services"][name]["profiles"] == ["model"]
    assert SERVICE["depends_on"]["ollama-pull"]["required"] is False
    pulled = " ".join(COMPOSE["services"]["ollama-pull"]["command"])
    assert "${JIANGGAO_MODEL" in pulled  # the model pulled is the one jianggao asks for
    assert "${OPENAI_BASE_URL" in SERVICE["environment"]["OPENAI_BASE_URL"]
    for volume in ("pgdata", "corpus", "ollama"):
        assert volume in COMPOSE["volumes"]


def test_a_stop_gives_drafts_their_grace_before_docker_kills() -> None:
    stop_s = int(SERVICE["stop_grace_period"].removesuffix("s"))
    grace_s = Settings.model_fields["shutdown_grace_s"].default
    assert stop_s > grace_s + 5  # the grace, then closing the database and the model client


def test_the_readme_describes_the_compose_deployment() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## Scaling out") :]
    section = section[: section.index("\n## ", 3)]
    for needed in (
        "compose.yaml",
        "docker compose up -d",
        "--profile model",
        "OPENAI_BASE_URL=http://ollama:11434/v1",
        "POSTGRES_PASSWORD",
        "--workers 4",
    ):
        assert needed in section, needed


@pytest.fixture
def server(tmp_path: Path, build_dir: Path) -> Iterator[str]:
    """The compose topology without Docker: `jianggao serve` with two workers, the environment
    compose sets, and PostgreSQL by URL (a schema of its own on the test server)."""
    if not PG_URL:
        pytest.skip("no PostgreSQL: set JIANGGAO_TEST_POSTGRES_URL (CI does, via .ci/postgres.sh)")
    with pg_schema(PG_URL) as url:
        env = {
            **compose_env(),
            "JIANGGAO_DATABASE_URL": url,
            "JIANGGAO_RATE_LIMIT_PER_MINUTE": "50",
        }
        with serving(tmp_path, build_dir, "--workers", "2", **env) as base:
            yield base


def test_the_compose_topology_drafts_into_postgres(server: str) -> None:
    ready = httpx.get(f"{server}/readyz", timeout=10)
    assert ready.status_code == 200 and ready.json()["checks"]["database"]["ok"]
    ids = []
    for name in ("pledge", "presiding", "work_meeting"):
        created = httpx.post(f"{server}/v1/drafts", json=example_brief(name), timeout=60)
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    for draft_id in ids * 2:  # read back through either worker
        assert httpx.get(f"{server}/v1/drafts/{draft_id}", timeout=10).status_code == 200
    listed = httpx.get(f"{server}/v1/drafts", timeout=10).json()
    assert listed["total"] == 3
