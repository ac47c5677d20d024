"""Client of Observatorium's Prometheus HTTP API: instant and range queries (BEHAVIOUR.md §13).

Upstream reaches Observatorium through a token-refresher proxy that adds the credentials, so
this client speaks plain Prometheus HTTP API (``/api/v1/query``, ``/api/v1/query_range``) to a
base URL: the proxy in production, a Prometheus server in tests and local runs. Queries are
GETs, so they are retried on 5xx, 429, timeouts and refused connections.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings

from fleetmanager.integrations.http import IntegrationError, json_or_none, new_session, request_with_retries


class ObservatoriumError(IntegrationError):
    service = "observatorium"


@dataclass(frozen=True, slots=True)
class Sample:
    """One value of a series; ``timestamp`` in milliseconds since the epoch, as upstream reports it."""

    timestamp: int
    value: float


@dataclass(frozen=True, slots=True)
class Series:
    """A series' labels and its samples (one for an instant query, many for a range query)."""

    labels: dict[str, str]
    samples: tuple[Sample, ...]


class ObservatoriumClient:
    def __init__(self, *, base_url: str, timeout: float = 20.0, retries: int = 2, backoff_seconds: float = 0.2) -> None:
        self._base = base_url.rstrip("/")
        self._session = new_session(timeout=timeout)
        self._retries = retries
        self._backoff_seconds = backoff_seconds

    def close(self) -> None:
        self._session.close()

    def query(self, promql: str, *, at: datetime | None = None) -> list[Series]:
        """An instant query: the newest sample of each matching series."""
        params: dict[str, Any] = {"query": promql}
        if at is not None:
            params["time"] = at.timestamp()
        return self._get("/api/v1/query", params, "vector")

    def query_range(self, promql: str, *, start: datetime, end: datetime, step_seconds: int) -> list[Series]:
        """A range query: the samples of each matching series every ``step_seconds`` from start to end."""
        params = {"query": promql, "start": start.timestamp(), "end": end.timestamp(), "step": step_seconds}
        return self._get("/api/v1/query_range", params, "matrix")

    def _get(self, path: str, params: dict[str, Any], result_type: str) -> list[Series]:
        response = request_with_retries(
            self._session,
            "GET",
            self._base + path,
            retries=self._retries,
            backoff_seconds=self._backoff_seconds,
            error_class=ObservatoriumError,
            params=params,
        )
        payload = json_or_none(response)
        if response.status_code != 200 or not isinstance(payload, dict) or payload.get("status") != "success":
            raise ObservatoriumError.from_response(response, _error_detail(payload))
        data = payload.get("data") or {}
        if data.get("resultType") != result_type or not isinstance(data.get("result"), list):
            raise ObservatoriumError.from_response(response, f"expected a {result_type} result")
        return [_series(item, result_type) for item in data["result"] if isinstance(item, dict)]


def _series(item: dict[str, Any], result_type: str) -> Series:
    labels = {str(key): str(value) for key, value in (item.get("metric") or {}).items()}
    pairs = [item.get("value")] if result_type == "vector" else item.get("values") or []
    samples = []
    for pair in pairs:
        sample = _sample(pair)
        if sample is not None:
            samples.append(sample)
    return Series(labels=labels, samples=tuple(samples))


def _sample(pair: Any) -> Sample | None:
    """``[<seconds>, "<value>"]``; NaN and infinities (JSON cannot carry them) are left out."""
    try:
        seconds, text = pair
        value = float(text)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(value):
        return None
    return Sample(timestamp=int(round(float(seconds) * 1000)), value=value)


def _error_detail(payload: Any) -> str:
    """Prometheus's own words (``errorType: error``), kept short."""
    if not isinstance(payload, dict):
        return ""
    return f"{payload.get('errorType', '')}: {payload.get('error', '')}"[:200].strip(": ")


@functools.cache
def observatorium_client() -> ObservatoriumClient | None:
    """The process's client, or None when no Observatorium is configured (FLEET_OBSERVATORIUM_URL empty)."""
    if not settings.FLEET_OBSERVATORIUM_URL:
        return None
    return ObservatoriumClient(
        base_url=settings.FLEET_OBSERVATORIUM_URL,
        timeout=settings.FLEET_OBSERVATORIUM_TIMEOUT_SECONDS,
        retries=settings.FLEET_OBSERVATORIUM_RETRIES,
    )


def reset_observatorium_client() -> None:
    """Drop the cached client (tests change the settings it was built from)."""
    client = observatorium_client() if observatorium_client.cache_info().currsize else None
    if client is not None:
        client.close()
    observatorium_client.cache_clear()
