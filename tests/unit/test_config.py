from __future__ import annotations

from pathlib import Path

import pytest

from workerbase.config import DEFAULT_MAX_REQUEST_BODY_BYTES, Settings
from workerbase.errors import ConfigurationError
from workerbase.local import local_environment, main, read_dev_vars


def test_defaults_apply_when_optional_settings_are_absent() -> None:
    settings = Settings.from_env({"ENVIRONMENT": "production"}.get)
    assert settings == Settings(
        environment="production", log_level="info", max_request_body_bytes=DEFAULT_MAX_REQUEST_BODY_BYTES
    )


def test_values_are_normalised() -> None:
    env = {"ENVIRONMENT": " Staging ", "LOG_LEVEL": "DEBUG", "MAX_REQUEST_BODY_BYTES": "2048"}
    assert Settings.from_env(env.get) == Settings("staging", "debug", 2048)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({}, "ENVIRONMENT is required"),
        ({"ENVIRONMENT": "  "}, "ENVIRONMENT is required"),
        ({"ENVIRONMENT": "prod"}, "ENVIRONMENT must be one of"),
        ({"ENVIRONMENT": "production", "LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
        (
            {"ENVIRONMENT": "production", "MAX_REQUEST_BODY_BYTES": "10MB"},
            "MAX_REQUEST_BODY_BYTES must be an integer",
        ),
        (
            {"ENVIRONMENT": "production", "MAX_REQUEST_BODY_BYTES": "1"},
            "MAX_REQUEST_BODY_BYTES must be between",
        ),
    ],
)
def test_bad_settings_name_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigurationError, match=message):
        Settings.from_env(env.get)


def test_dev_vars_parsing(tmp_path: Path) -> None:
    path = tmp_path / ".dev.vars"
    path.write_text('# comment\n\nENVIRONMENT="staging"\nexport LOG_LEVEL=debug\nEMPTY=\n', encoding="utf-8")
    assert read_dev_vars(path) == {"ENVIRONMENT": "staging", "LOG_LEVEL": "debug", "EMPTY": ""}
    assert read_dev_vars(tmp_path / "missing") == {}
    path.write_text("not a pair\n", encoding="utf-8")
    with pytest.raises(ConfigurationError, match=":1: expected KEY=value"):
        read_dev_vars(path)


def test_process_environment_wins_over_dev_vars_and_defaults(tmp_path: Path) -> None:
    path = tmp_path / ".dev.vars"
    path.write_text("LOG_LEVEL=debug\nMAX_REQUEST_BODY_BYTES=4096\n", encoding="utf-8")
    env = local_environment(path, {"LOG_LEVEL": "error"})
    assert env == {"ENVIRONMENT": "development", "LOG_LEVEL": "error", "MAX_REQUEST_BODY_BYTES": "4096"}


def test_the_local_runtime_refuses_to_start_with_a_bad_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    dev_vars = tmp_path / ".dev.vars"
    dev_vars.write_text("ENVIRONMENT=prod\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="configuration error: ENVIRONMENT must be one of"):
        main(["--dev-vars", str(dev_vars), "--state-dir", str(tmp_path / "state")])
    assert not (tmp_path / "state").exists()
