"""The command line as a whole: a bad setting stops it with the variable named, not a traceback."""

from __future__ import annotations

import pytest

from service.cli import main
from service.config import get_settings


def test_bad_setting_is_named_and_exits_2(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("JIANGGAO_PORT", "abc")
    get_settings.cache_clear()
    try:
        assert main(["serve"]) == 2
    finally:
        get_settings.cache_clear()
    err = capsys.readouterr().err
    assert "JIANGGAO_PORT='abc'" in err and "Traceback" not in err
