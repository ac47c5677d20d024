"""`manage.py emulators` and `manage.py ocm_emulator` as an operator runs them: real processes."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import requests
from django.conf import settings as django_settings
from django.core.management import CommandError, call_command

from tests.conftest import subprocess_env

MANAGE = [sys.executable, str(Path(django_settings.BASE_DIR) / "manage.py")]


def serve(*args: str) -> tuple[subprocess.Popen[str], str, str]:
    """Start the command; its URL and its banner (every line up to "Stop with Ctrl-C.")."""
    process = subprocess.Popen(
        [*MANAGE, *args, "--port", "0"],
        env=subprocess_env(FLEET_ENV="development"),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert process.stdout is not None
    banner = ""
    while "Stop with Ctrl-C." not in banner and process.poll() is None:
        banner += process.stdout.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+", banner)
    assert match, f"no URL in {banner!r}"
    return process, match.group(0), banner


def stop(process: subprocess.Popen[str]) -> str:
    """SIGTERM; what it printed after its banner."""
    process.send_signal(signal.SIGTERM)
    out, _ = process.communicate(timeout=10)
    assert process.returncode == 0
    return out


def test_emulators_serve_sso_ocm_and_ams_and_stop_on_sigterm() -> None:
    process, url, banner = serve("emulators", "--ocm-provision-seconds", "0")
    try:
        token = requests.post(
            f"{url}/sso/realms/any/protocol/openid-connect/token",
            data={
                "grant_type": "client_credentials",
                "client_id": django_settings.FLEET_SSO_CLIENT_ID,
                "client_secret": django_settings.FLEET_SSO_CLIENT_SECRET,
            },
            timeout=5,
        )
        assert token.status_code == 200 and token.json()["access_token"]
        headers = {"Authorization": f"Bearer {token.json()['access_token']}"}
        clusters = requests.get(f"{url}/ocm/api/clusters_mgmt/v1/clusters", headers=headers, timeout=5)
        assert clusters.status_code == 200 and clusters.json()["items"] == []
    finally:
        out = stop(process)
    assert "demo quota for organisation 13640203" in banner
    assert "clusters ready after 0 s" in banner
    assert out.strip() == "Emulators stopped."


def test_the_ocm_emulator_alone_serves_ocm_and_stops_on_sigterm() -> None:
    process, url, banner = serve("ocm_emulator")
    try:
        response = requests.get(
            f"{url}/ocm/api/clusters_mgmt/v1/clusters", headers={"Authorization": "Bearer x"}, timeout=5
        )
        assert response.status_code == 200
    finally:
        out = stop(process)
    assert f"FLEET_OCM_BASE_URL={url}/ocm" in banner
    assert out.strip() == "OCM emulator stopped."


@pytest.mark.parametrize(
    ("command", "options", "message"),
    [
        ("emulators", {"ocm_provision_seconds": -1}, "--ocm-provision-seconds cannot be negative"),
        ("ocm_emulator", {"provision_seconds": -1}, "--provision-seconds cannot be negative"),
    ],
)
def test_bad_options_are_refused_before_listening(command: str, options: dict, message: str) -> None:
    with pytest.raises(CommandError, match=re.escape(message)):
        call_command(command, port=0, **options)


@pytest.mark.parametrize("command", ["emulators", "ocm_emulator"])
def test_production_refuses_the_emulators(settings: Any, command: str) -> None:
    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="production talks to the real services"):
        call_command(command, port=0)
