"""The typed environment readers of fleetmanager/env.py and the production refusals of settings.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from fleetmanager.env import envbool, envchoice, envfloat, envint, envlist, envstr, is_loopback_url

BASE_DIR = Path(__file__).resolve().parents[2]
VAR = "FLEET_TEST_ENV_VALUE"  # a name nothing else reads


@pytest.fixture(autouse=True)
def _clean_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(VAR, raising=False)
    monkeypatch.delenv(f"{VAR}_FILE", raising=False)


def _set(monkeypatch: pytest.MonkeyPatch, value: str | None) -> None:
    """``None`` leaves the variable unset."""
    if value is not None:
        monkeypatch.setenv(VAR, value)


# --- envstr -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        ("hello", None, "hello"),
        ("hello", "fallback", "hello"),
        ("  spaced  ", None, "  spaced  "),  # a plain variable is taken verbatim
        (None, None, None),
        (None, "fallback", "fallback"),
        ("", "fallback", "fallback"),
        ("", None, None),
    ],
)
def test_envstr_returns_the_value_or_the_default_when_unset_or_empty(
    monkeypatch: pytest.MonkeyPatch, value: str | None, default: str | None, expected: str | None
) -> None:
    _set(monkeypatch, value)
    assert envstr(VAR, default) == expected


@pytest.mark.parametrize(
    ("content", "variable", "expected"),
    [
        ("s3cret\n", None, "s3cret"),  # the trailing newline of a mounted secret is dropped
        ("  s3cret  \n\n", None, "s3cret"),
        ("from-file", "from-variable", "from-file"),  # the file wins over the variable
    ],
)
def test_envstr_reads_the_name_file_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, content: str, variable: str | None, expected: str
) -> None:
    secret = tmp_path / "secret"
    secret.write_text(content)
    monkeypatch.setenv(f"{VAR}_FILE", str(secret))
    _set(monkeypatch, variable)
    assert envstr(VAR, "default") == expected


def test_envstr_ignores_an_empty_name_file_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(f"{VAR}_FILE", "")
    monkeypatch.setenv(VAR, "from-variable")
    assert envstr(VAR) == "from-variable"


@pytest.mark.parametrize(
    "make_path",
    [
        pytest.param(lambda tmp: tmp / "does-not-exist", id="missing-file"),
        pytest.param(lambda tmp: tmp, id="directory"),
        pytest.param(lambda tmp: _binary_file(tmp), id="not-utf8"),
    ],
)
def test_it_rejects_an_unreadable_name_file_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, make_path
) -> None:
    path = make_path(tmp_path)
    monkeypatch.setenv(f"{VAR}_FILE", str(path))
    with pytest.raises(ImproperlyConfigured, match=rf"^{VAR}_FILE='.*' cannot be read"):
        envstr(VAR, "default")


def _binary_file(directory: Path) -> Path:
    path = directory / "binary-secret"
    path.write_bytes(b"\xff\xfe\x00\x80 not utf-8")
    return path


@pytest.mark.parametrize(
    ("reader", "content", "expected"),
    [
        (lambda: envbool(VAR, False), "true\n", True),
        (lambda: envint(VAR, 0), "42\n", 42),
        (lambda: envfloat(VAR, 0.0), "2.5\n", 2.5),
        (lambda: envlist(VAR), "a, b\n", ["a", "b"]),
        (lambda: envchoice(VAR, "x", ("x", "y")), "y\n", "y"),
    ],
)
def test_every_typed_reader_accepts_a_name_file_secret(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, reader, content: str, expected: object
) -> None:
    secret = tmp_path / "secret"
    secret.write_text(content)
    monkeypatch.setenv(f"{VAR}_FILE", str(secret))
    assert reader() == expected


# --- envbool ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        ("true", False, True),
        ("TRUE", False, True),
        ("1", False, True),
        ("yes", False, True),
        ("on", False, True),
        (" On ", False, True),
        ("false", True, False),
        ("False", True, False),
        ("0", True, False),
        ("no", True, False),
        ("off", True, False),
        (None, True, True),
        (None, False, False),
        ("", True, True),
        ("", False, False),
    ],
)
def test_envbool_parses_true_and_false_spellings(
    monkeypatch: pytest.MonkeyPatch, value: str | None, default: bool, expected: bool
) -> None:
    _set(monkeypatch, value)
    assert envbool(VAR, default) is expected


@pytest.mark.parametrize("value", ["maybe", "2", "y", "enabled", "tru e"])
def test_it_rejects_a_non_boolean_naming_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(VAR, value)
    with pytest.raises(ImproperlyConfigured, match=rf"^{VAR}='.*' is not a boolean"):
        envbool(VAR, False)


# --- envint -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "minimum", "expected"),
    [
        ("5", None, 5),
        ("-3", None, -3),
        ("0", 0, 0),
        ("1024", 1024, 1024),
        (" 7 ", None, 7),
        (None, None, 11),
        ("", None, 11),
        (None, 100, 11),  # the default is not checked against the minimum
    ],
)
def test_envint_parses_integers_and_falls_back_to_the_default(
    monkeypatch: pytest.MonkeyPatch, value: str | None, minimum: int | None, expected: int
) -> None:
    _set(monkeypatch, value)
    assert envint(VAR, 11, minimum=minimum) == expected


@pytest.mark.parametrize(
    ("value", "minimum", "message"),
    [
        ("abc", None, rf"^{VAR}='abc' is not an integer$"),
        ("1.5", None, rf"^{VAR}='1.5' is not an integer$"),
        ("1e3", None, rf"^{VAR}='1e3' is not an integer$"),
        ("-1", 0, rf"^{VAR}=-1 must be at least 0$"),
        ("1023", 1024, rf"^{VAR}=1023 must be at least 1024$"),
    ],
)
def test_it_rejects_a_bad_integer_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str, minimum: int | None, message: str
) -> None:
    monkeypatch.setenv(VAR, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        envint(VAR, 0, minimum=minimum)


# --- envfloat -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "minimum", "expected"),
    [
        ("1.5", None, 1.5),
        ("2", None, 2.0),
        ("1e-3", None, 0.001),
        ("-0.5", None, -0.5),
        ("0.1", 0.1, 0.1),
        (None, None, 30.0),
        ("", 0, 30.0),
    ],
)
def test_envfloat_parses_numbers_and_falls_back_to_the_default(
    monkeypatch: pytest.MonkeyPatch, value: str | None, minimum: float | None, expected: float
) -> None:
    _set(monkeypatch, value)
    assert envfloat(VAR, 30.0, minimum=minimum) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("value", "minimum", "message"),
    [
        ("abc", None, rf"^{VAR}='abc' is not a number$"),
        ("1,5", None, rf"^{VAR}='1,5' is not a number$"),
        ("-1", 0, rf"^{VAR}=-1.0 must be at least 0$"),
        ("0.05", 0.1, rf"^{VAR}=0.05 must be at least 0.1$"),
        # NaN compares false with everything, so it used to slip past the minimum.
        ("nan", 0, rf"^{VAR}='nan' is not a finite number$"),
        ("inf", None, rf"^{VAR}='inf' is not a finite number$"),
        ("-inf", 0, rf"^{VAR}='-inf' is not a finite number$"),
    ],
)
def test_it_rejects_a_bad_number_naming_the_variable(
    monkeypatch: pytest.MonkeyPatch, value: str, minimum: float | None, message: str
) -> None:
    monkeypatch.setenv(VAR, value)
    with pytest.raises(ImproperlyConfigured, match=message):
        envfloat(VAR, 1.0, minimum=minimum)


# --- envlist ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "default", "expected"),
    [
        ("a,b,c", None, ["a", "b", "c"]),
        (" a , b ,c ", None, ["a", "b", "c"]),
        ("a,,b,", None, ["a", "b"]),
        (" , ,, ", ["x"], []),  # set but only blanks: an empty list, not the default
        ("single", None, ["single"]),
        ("https://a, https://b", None, ["https://a", "https://b"]),
        (None, None, []),
        (None, ["x", "y"], ["x", "y"]),
        ("", ["x"], ["x"]),
    ],
)
def test_envlist_trims_items_and_drops_blanks(
    monkeypatch: pytest.MonkeyPatch, value: str | None, default: list[str] | None, expected: list[str]
) -> None:
    _set(monkeypatch, value)
    assert envlist(VAR, default) == expected


def test_envlist_returns_a_copy_of_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    default = ["x"]
    result = envlist(VAR, default)
    result.append("y")
    assert default == ["x"]


# --- envchoice ----------------------------------------------------------------------------

CHOICES = ("development", "testing", "production")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("production", "production"),
        ("testing", "testing"),
        (None, "development"),
        ("", "development"),
    ],
)
def test_envchoice_accepts_a_listed_value_or_the_default(
    monkeypatch: pytest.MonkeyPatch, value: str | None, expected: str
) -> None:
    _set(monkeypatch, value)
    assert envchoice(VAR, "development", CHOICES) == expected


@pytest.mark.parametrize("value", ["staging", "Production", "production ", "prod"])
def test_it_rejects_a_value_outside_the_choices_listing_them(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv(VAR, value)
    with pytest.raises(ImproperlyConfigured) as excinfo:
        envchoice(VAR, "development", CHOICES)
    assert str(excinfo.value) == f"{VAR}={value!r} must be one of: development, testing, production"


# --- settings.py in production (a fresh interpreter per row) --------------------------------

PRODUCTION_ENV = {
    "FLEET_ENV": "production",
    "DJANGO_SECRET_KEY": "x",
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
    "FLEET_ALLOWED_HOSTS": "fleet.example.com",
    "FLEET_USER_ISSUERS": "https://a",
    "FLEET_AGENT_ISSUERS": "https://b",
    "FLEET_ADMIN_ISSUERS": "https://c",
    "FLEET_SSO_BASE_URL": "https://sso.example.com/auth",
    "FLEET_SSO_CLIENT_ID": "fleet-manager",
    "FLEET_SSO_CLIENT_SECRET": "s3cret",
    "FLEET_OCM_BASE_URL": "https://api.example.com",
    "FLEET_OCM_TOKEN_URL": "https://sso.example.com/auth/realms/redhat-external/protocol/openid-connect/token",
    "FLEET_OCM_CLIENT_ID": "fleet-manager",
    "FLEET_OCM_CLIENT_SECRET": "s3cret",
    "FLEET_OBSERVATORIUM_URL": "http://localhost:8085",
}


def _clean_environ(extra: dict[str, str]) -> dict[str, str]:
    """The current environment without anything settings.py reads, plus ``extra``."""
    dropped = ("DATABASE_URL", "DATABASE_URL_FILE", "DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY_FILE", "SENTRY_DSN")
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLEET_") and key not in dropped}
    env["DJANGO_SETTINGS_MODULE"] = "fleetmanager.settings"
    env.update(extra)
    return env


def _django_setup(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("missing", list(PRODUCTION_ENV)[1:])
def test_it_refuses_to_start_in_production_without_a_required_variable(missing: str) -> None:
    env = _clean_environ({key: value for key, value in PRODUCTION_ENV.items() if key != missing})
    result = _django_setup(env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert missing in result.stderr


@pytest.mark.parametrize("blank", list(PRODUCTION_ENV)[1:])
def test_it_refuses_to_start_in_production_when_a_required_variable_is_blank(blank: str) -> None:
    env = _clean_environ({**PRODUCTION_ENV, blank: " , " if blank.endswith(("HOSTS", "ISSUERS")) else ""})
    result = _django_setup(env)
    assert result.returncode != 0
    assert blank in result.stderr


def test_it_starts_in_production_when_every_required_variable_is_set() -> None:
    result = _django_setup(_clean_environ(PRODUCTION_ENV))
    assert result.returncode == 0, result.stderr


def test_it_starts_in_production_with_secrets_from_name_files(tmp_path: Path) -> None:
    key = tmp_path / "secret-key"
    key.write_text("x\n")
    url = tmp_path / "database-url"
    url.write_text(PRODUCTION_ENV["DATABASE_URL"] + "\n")
    env = {key_: value for key_, value in PRODUCTION_ENV.items() if key_ not in ("DJANGO_SECRET_KEY", "DATABASE_URL")}
    env.update(DJANGO_SECRET_KEY_FILE=str(key), DATABASE_URL_FILE=str(url))
    result = _django_setup(_clean_environ(env))
    assert result.returncode == 0, result.stderr


def test_it_refuses_an_unknown_fleet_env_listing_the_valid_choices() -> None:
    result = _django_setup(_clean_environ({**PRODUCTION_ENV, "FLEET_ENV": "staging"}))
    assert result.returncode != 0
    assert "FLEET_ENV='staging' must be one of: development, testing, production" in result.stderr


OCM_SETTINGS = ("FLEET_OCM_BASE_URL", "FLEET_OCM_TOKEN_URL", "FLEET_OCM_CLIENT_ID", "FLEET_OCM_CLIENT_SECRET")


def test_it_starts_in_production_without_ocm_when_nothing_needs_it() -> None:
    env = {key: value for key, value in PRODUCTION_ENV.items() if key not in OCM_SETTINGS}
    result = _django_setup(_clean_environ({**env, "FLEET_OCM_ENABLED": "false"}))
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FLEET_QUOTA_TYPE", "ams"),
        ("FLEET_DATAPLANE_SCALING_TYPE", "auto"),
        ("FLEET_ENABLE_TERMS_ACCEPTANCE", "true"),
        ("FLEET_VALIDATE_KAFKA_OWNER", "true"),
    ],
)
def test_it_refuses_a_setting_that_needs_ocm_when_ocm_is_off(variable: str, value: str) -> None:
    result = _django_setup(_clean_environ({"FLEET_OCM_ENABLED": "false", variable: value}))
    assert result.returncode != 0
    assert f"{variable}={value} needs OCM/AMS: set FLEET_OCM_ENABLED=true" in result.stderr


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("FLEET_SSO_BASE_URL", "http://127.0.0.1:8001/sso"),
        ("FLEET_OCM_BASE_URL", "http://localhost:8001/ocm"),
        ("FLEET_OCM_TOKEN_URL", "http://127.0.0.2:8001/sso/realms/redhat-external/protocol/openid-connect/token"),
        ("FLEET_ROUTE53_ENDPOINT_URL", "http://[::1]:5000"),
    ],
)
def test_it_refuses_to_start_in_production_when_an_integration_points_at_an_emulator(variable: str, value: str) -> None:
    result = _django_setup(_clean_environ({**PRODUCTION_ENV, variable: value}))

    assert result.returncode != 0
    assert f"{variable}={value!r} points at this machine, where only the development emulators listen" in result.stderr


def test_production_may_reach_observatorium_through_a_local_token_refresher() -> None:
    result = _django_setup(_clean_environ({**PRODUCTION_ENV, "FLEET_OBSERVATORIUM_URL": "http://localhost:8085"}))

    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://127.0.0.1:8001/sso", True),
        ("http://127.9.8.7", True),
        ("http://localhost:8001", True),
        ("http://api.localhost", True),
        ("http://[::1]:5000", True),
        ("http://0.0.0.0:8001", True),
        ("https://sso.redhat.com/auth", False),
        ("https://10.0.0.5", False),
        ("http://localhost.example.com", False),
        ("", False),
        (None, False),
        ("http://[not-an-ip", False),
    ],
)
def test_is_loopback_url(url: str | None, expected: bool) -> None:
    assert is_loopback_url(url) is expected
