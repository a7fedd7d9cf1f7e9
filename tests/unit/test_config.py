from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest

from workerbase.config import (
    DEFAULT_MAX_REQUEST_BODY_BYTES,
    VARIABLES,
    AuthSettings,
    ModelSettings,
    Settings,
    settings_for_env,
)
from workerbase.errors import ConfigurationError
from workerbase.local import local_environment, main, read_dev_vars

SECRET = "s" * 32
REQUIRED = {"ENVIRONMENT": "production", "JWT_SECRETS": SECRET}


def test_defaults_apply_when_optional_settings_are_absent() -> None:
    settings = Settings.from_env(REQUIRED.get)
    assert settings == Settings(
        environment="production",
        auth=AuthSettings(jwt_secrets=(SECRET,)),
        log_level="info",
        max_request_body_bytes=DEFAULT_MAX_REQUEST_BODY_BYTES,
    )


def test_values_are_normalised() -> None:
    env = {
        "ENVIRONMENT": " Staging ",
        "LOG_LEVEL": "DEBUG",
        "MAX_REQUEST_BODY_BYTES": "2048",
        "JWT_SECRETS": f" {SECRET} , {'o' * 40} ",
        "JWT_ISSUER": "https://api.example.com",
        "JWT_AUDIENCE": "chat",
        "ACCESS_TOKEN_TTL_SECONDS": "600",
        "REFRESH_TOKEN_TTL_DAYS": "7",
        "REFRESH_REUSE_GRACE_SECONDS": "0",
        "PASSWORD_PEPPER": "p" * 32,
    }
    assert Settings.from_env(env.get) == Settings(
        environment="staging",
        log_level="debug",
        max_request_body_bytes=2048,
        auth=AuthSettings(
            jwt_secrets=(SECRET, "o" * 40),
            jwt_issuer="https://api.example.com",
            jwt_audience="chat",
            access_token_ttl_seconds=600,
            refresh_token_ttl_days=7,
            refresh_reuse_grace_seconds=0,
            password_pepper="p" * 32,
        ),
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"JWT_SECRETS": SECRET}, "ENVIRONMENT is required"),
        ({"ENVIRONMENT": "  ", "JWT_SECRETS": SECRET}, "ENVIRONMENT is required"),
        ({"ENVIRONMENT": "prod", "JWT_SECRETS": SECRET}, "ENVIRONMENT must be one of"),
        ({**REQUIRED, "LOG_LEVEL": "loud"}, "LOG_LEVEL must be one of"),
        ({"ENVIRONMENT": "production"}, "JWT_SECRETS is required"),
        ({"ENVIRONMENT": "production", "JWT_SECRETS": " , "}, "JWT_SECRETS is required"),
        ({"ENVIRONMENT": "production", "JWT_SECRETS": "short"}, "secret 1 is 5 bytes"),
        ({"ENVIRONMENT": "production", "JWT_SECRETS": f"{SECRET},tooshort"}, "secret 2 is 8 bytes"),
        ({**REQUIRED, "PASSWORD_PEPPER": "pepper"}, "PASSWORD_PEPPER must be at least 32 bytes"),
        ({**REQUIRED, "ACCESS_TOKEN_TTL_SECONDS": "5"}, "ACCESS_TOKEN_TTL_SECONDS must be between"),
        (
            {**REQUIRED, "MAX_REQUEST_BODY_BYTES": "10MB"},
            "MAX_REQUEST_BODY_BYTES must be an integer",
        ),
        (
            {**REQUIRED, "MAX_REQUEST_BODY_BYTES": "1"},
            "MAX_REQUEST_BODY_BYTES must be between",
        ),
        ({**REQUIRED, "MAX_FILE_BYTES": str(32 * 1024 * 1024)}, "MAX_FILE_BYTES must be between"),
        ({**REQUIRED, "FILE_TYPES": "image/png, image/svg+xml"}, "FILE_TYPES: 'image/svg\\+xml' is not"),
        ({**REQUIRED, "FILE_TYPE_MISMATCH": "ignore"}, "FILE_TYPE_MISMATCH must be one of"),
        ({**REQUIRED, "STORAGE_QUOTA_BYTES": "-1"}, "STORAGE_QUOTA_BYTES must be between"),
        ({**REQUIRED, "FILE_LINK_TTL_SECONDS": "604801"}, "FILE_LINK_TTL_SECONDS must be between"),
        ({**REQUIRED, "GUEST_ACCOUNTS": "yes"}, "GUEST_ACCOUNTS must be one of: on, off \\(got 'yes'\\)"),
        ({**REQUIRED, "MODEL_PROVIDER": "anthropic"}, "MODEL_PROVIDER must be one of: openai, workers-ai"),
        ({**REQUIRED, "MODEL_BASE_URL": "ftp://models"}, "MODEL_BASE_URL must be an http\\(s\\) URL"),
        ({**REQUIRED, "MODEL_TIMEOUT_SECONDS": "0"}, "MODEL_TIMEOUT_SECONDS must be between 1 and 600"),
        ({**REQUIRED, "DAILY_MESSAGE_LIMITS": "guest:20"}, "DAILY_MESSAGE_LIMITS must look like guest=20"),
        ({**REQUIRED, "DAILY_MESSAGE_LIMITS": "user=-1"}, "DAILY_MESSAGE_LIMITS must look like guest=20"),
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
    env = local_environment(path, {"LOG_LEVEL": "error", "JWT_SECRETS": SECRET}, tmp_path / "state")
    assert env == {
        "ENVIRONMENT": "development",
        "LOG_LEVEL": "error",
        "MAX_REQUEST_BODY_BYTES": "4096",
        "JWT_SECRETS": SECRET,
    }


def test_development_gets_a_persistent_generated_jwt_secret(tmp_path: Path) -> None:
    state = tmp_path / "state"
    first = local_environment(tmp_path / "none", {}, state)["JWT_SECRETS"]
    assert len(first) >= 32
    assert local_environment(tmp_path / "none", {}, state)["JWT_SECRETS"] == first
    assert (state / "development-jwt-secret").stat().st_mode & 0o777 == 0o600
    assert "JWT_SECRETS" not in local_environment(tmp_path / "none", {"ENVIRONMENT": "production"}, state)


def test_the_local_runtime_refuses_to_start_with_a_bad_setting(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ENVIRONMENT", raising=False)
    dev_vars = tmp_path / ".dev.vars"
    dev_vars.write_text("ENVIRONMENT=prod\n", encoding="utf-8")
    with pytest.raises(SystemExit, match="configuration error: ENVIRONMENT must be one of"):
        main(["--dev-vars", str(dev_vars), "--state-dir", str(tmp_path / "state")])
    assert not (tmp_path / "state").exists()


def test_file_settings_and_the_upload_body_limit() -> None:
    settings = Settings.from_env(
        {**REQUIRED, "MAX_FILE_BYTES": "5000000", "FILE_TYPES": "Image/PNG,application/pdf"}.get
    )
    assert settings.files.max_file_bytes == 5_000_000
    assert settings.files.allowed_types == ("image/png", "application/pdf")
    assert (settings.files.type_mismatch, settings.files.link_ttl_seconds) == ("refuse", 3600)
    assert settings.files.max_upload_body_bytes == 5_000_000 + 64 * 1024


def test_a_variable_that_is_not_text_is_refused() -> None:
    env: dict[str, object] = {**REQUIRED, "MAX_FILE_BYTES": 5}
    with pytest.raises(ConfigurationError, match="MAX_FILE_BYTES must be a string, got int"):
        Settings.from_env(env.get)  # type: ignore[arg-type]


def test_model_settings() -> None:
    models = Settings.from_env(
        {
            **REQUIRED,
            "MODEL_PROVIDER": "Workers-AI",
            "MODEL_API_KEY": "sk-x",
            "MODEL_TIMEOUT_SECONDS": "90",
            "DAILY_MESSAGE_LIMITS": " guest = 5 , , user=0",
        }.get
    ).models
    assert models == ModelSettings(
        provider="workers-ai",
        base_url="https://api.openai.com/v1",
        api_key="sk-x",
        allowed=("@cf/meta/llama-3.1-8b-instruct",),
        timeout_seconds=90,
        daily_messages=(("guest", 5), ("user", 0)),
    )
    assert (models.daily_limit("guest"), models.daily_limit("admin")) == (5, None)
    listed = Settings.from_env(
        {**REQUIRED, "MODELS": " gpt-4o , o3-mini ", "MODEL_BASE_URL": "http://x/v1"}.get
    )
    assert (listed.models.allowed, listed.models.base_url) == (("gpt-4o", "o3-mini"), "http://x/v1")
    assert ModelSettings().allowed == ("gpt-4o-mini",)


def test_a_list_that_lists_nothing_is_unset() -> None:
    settings = Settings.from_env(
        {
            **REQUIRED,
            "FILE_TYPES": " , ",
            "MODELS": ",",
            "DAILY_MESSAGE_LIMITS": " ,, ",
            "GUEST_ACCOUNTS": "ON",
        }.get
    )
    defaults = Settings.from_env(REQUIRED.get)
    assert settings.files == defaults.files
    assert settings.models == defaults.models
    assert settings.auth.guest_accounts is True


def test_settings_for_env_parses_each_distinct_env_once() -> None:
    reads: list[str] = []
    env = {**REQUIRED, "LOG_LEVEL": "warning"}

    def lookup(name: str) -> str | None:
        reads.append(name)
        return env.get(name)

    first = settings_for_env(lookup)
    assert first == Settings.from_env(env.get)
    assert settings_for_env(lookup) is first
    assert reads == [*VARIABLES, *VARIABLES]  # each variable read once per call: a change is always seen
    env["LOG_LEVEL"] = "error"
    changed = settings_for_env(lookup)
    assert (changed.log_level, first.log_level) == ("error", "warning")
    assert settings_for_env(lookup) is changed


def test_settings_for_env_keeps_no_malformed_env() -> None:
    good = settings_for_env({**REQUIRED, "LOG_LEVEL": "debug"}.get)
    bad = {**REQUIRED, "LOG_LEVEL": "loud"}
    for _ in range(2):
        with pytest.raises(ConfigurationError, match="LOG_LEVEL must be one of"):
            settings_for_env(bad.get)
    assert settings_for_env({**REQUIRED, "LOG_LEVEL": "debug"}.get) is good


def test_every_variable_read_is_documented() -> None:
    root = Path(__file__).parents[2]
    readme = (root / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Configuration", 1)[1].split("| binding |", 1)[0]
    in_readme = {
        name
        for row in table.splitlines()
        if row.startswith("| `")
        for name in re.findall(r"`([A-Z_]+)`", row.split("|")[1])
    }
    example = (root / ".dev.vars.example").read_text(encoding="utf-8")
    in_example = set(re.findall(r"^#? ?([A-Z_]+)=", example, flags=re.MULTILINE))
    assert in_readme == set(VARIABLES)
    assert in_example == set(VARIABLES)


def test_a_missing_model_key_is_said_once_when_the_settings_are_read(
    caplog: pytest.LogCaptureFixture,
) -> None:
    env = {"ENVIRONMENT": "development", "JWT_SECRETS": "w" * 40}
    with caplog.at_level(logging.WARNING, logger="workerbase"):
        settings_for_env(env.get)
        settings_for_env(env.get)
    warned = [record.getMessage() for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warned) == 1
    assert warned[0].startswith("MODEL_API_KEY is not set")
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="workerbase"):
        settings_for_env({**env, "MODEL_API_KEY": "sk-x"}.get)
    assert caplog.records == []
