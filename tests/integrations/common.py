"""What the integration client tests share: client options and the retry table.

All three clients send through ``fleetmanager.integrations.http.AuthorizedAPI``; each test file
still runs the table through its own client, so a client that bypasses the shared plumbing fails.
"""

from __future__ import annotations

from typing import Any

import pytest

# Fast backoff: the tests exercise the retries, not the waiting.
CLIENT_TIMING: dict[str, Any] = {"timeout": 5.0, "retries": 3, "backoff_seconds": 0.001}


def ocm_client_options(settings: Any, **overrides: Any) -> dict[str, Any]:
    """Keyword arguments of an OCM or AMS client (they share FLEET_OCM_*) pointed at the emulators."""
    return {
        "base_url": settings.FLEET_OCM_BASE_URL,
        "token_url": settings.FLEET_OCM_TOKEN_URL,
        "client_id": settings.FLEET_OCM_CLIENT_ID,
        "client_secret": settings.FLEET_OCM_CLIENT_SECRET,
        **CLIENT_TIMING,
        **overrides,
    }


retry_table = pytest.mark.parametrize(
    ("failures", "status", "retries", "expected_status", "expected_calls"),
    [
        pytest.param(2, 503, 3, None, 3, id="two-503s-then-success"),
        pytest.param(3, 502, 3, None, 4, id="three-502s-then-success"),
        pytest.param(1, 429, 1, None, 2, id="429-then-success"),
        pytest.param(5, 503, 3, 503, 4, id="503s-beyond-the-retries"),
        pytest.param(1, 500, 0, 500, 1, id="no-retries"),
    ],
)
