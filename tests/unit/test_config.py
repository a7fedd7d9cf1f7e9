from __future__ import annotations

from pathlib import Path

import pytest

from workerbase.config import DEFAULT_MAX_REQUEST_BODY_BYTES, AuthSettings, Settings
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
