"""HTTP plumbing shared by the integration clients (SSO, OCM, AMS, Observatorium).

Every client needs the same things: a session that never waits forever, retries of idempotent
calls with capped exponential backoff and jitter (so a flaky dependency does not fail a
reconcile, and a fleet of workers does not retry in lockstep), one error type that tells the
caller whether trying again later may help, and an OAuth client-credentials token fetched once
and shared until shortly before it expires.

A synchronous API request runs its calls under a ``deadline`` (see
``fleetmanager.api.deadline``): every attempt's timeout is cut to the time left and no retry
starts that could not finish, so a slow dependency makes the request fail in time instead of
holding a web worker until the server kills it.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Self, TypeVar
from urllib.parse import urlsplit

import requests

logger = logging.getLogger(__name__)

T = TypeVar("T")

DEFAULT_RETRY_ON: tuple[int, ...] = (502, 503, 504, 500, 429)
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
MAX_BACKOFF_SECONDS = 5.0
# Refetch a token this long before the token endpoint says it expires, so a call never races the expiry.
TOKEN_EXPIRY_MARGIN_SECONDS = 30


class IntegrationError(Exception):
    """A call to an external service failed; ``retryable`` says whether a later try may succeed.

    The message names the service, method, URL path and status. It never carries the query
    string, headers or bodies, which is where tokens and secrets travel.
    """

    service: str = "http"

    def __init__(self, message: str, *, status_code: int | None = None, retryable: bool | None = None) -> None:
        super().__init__(f"{self.service}: {message}")
        self.status_code = status_code
        self.retryable = is_retryable_status(status_code) if retryable is None else retryable

    @classmethod
    def from_response(cls, response: requests.Response, detail: str = "") -> Self:
        method = response.request.method or "?"
        status = f"{response.status_code} {response.reason or ''}".strip()
        suffix = f": {detail}" if detail else ""
        return cls(f"{method} {url_path(response.url)} -> {status}{suffix}", status_code=response.status_code)

    @classmethod
    def from_exception(cls, method: str, url: str, exc: requests.RequestException) -> Self:
        # Only the exception's class name: its text repeats the full URL, query string included.
        transport = isinstance(exc, requests.ConnectionError | requests.Timeout)
        return cls(f"{method} {url_path(url)} failed: {type(exc).__name__}", retryable=transport)


_deadline: ContextVar[float | None] = ContextVar("integration_deadline", default=None)


@contextmanager
def deadline(seconds: float | None) -> Iterator[None]:
    """Integration calls in the block, retries included, end within ``seconds`` (None: no deadline).

    A deadline already set outside the block is kept when it is sooner.
    """
    if seconds is None:
        yield
        return
    until = time.monotonic() + seconds
    outer = _deadline.get()
    token = _deadline.set(until if outer is None else min(outer, until))
    try:
        yield
    finally:
        _deadline.reset(token)


def remaining_seconds() -> float | None:
    """Time left before the current deadline; None without one."""
    until = _deadline.get()
    return None if until is None else until - time.monotonic()


def is_retryable_status(status_code: int | None) -> bool:
    """No status (timeout, refused connection), a 5xx or a 429 may pass later; other 4xx will not."""
    return status_code is None or status_code >= 500 or status_code == 429


def url_path(url: str) -> str:
    return urlsplit(url).path or "/"


class TimeoutSession(requests.Session):
    """A session whose requests time out after ``timeout`` seconds unless told otherwise."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        return super().request(method, url, *args, **kwargs)


def new_session(*, timeout: float, user_agent: str = "fleet-manager") -> TimeoutSession:
    session = TimeoutSession(timeout)
    session.headers["User-Agent"] = user_agent
    return session


def backoff_delay(attempt: int, backoff_seconds: float, max_seconds: float = MAX_BACKOFF_SECONDS) -> float:
    """Exponential backoff with "equal jitter": half fixed, half random, never above ``max_seconds``."""
    ceiling = min(max_seconds, backoff_seconds * 2**attempt)
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def _retry_after(response: requests.Response) -> float | None:
    value = response.headers.get("Retry-After", "")
    return float(value) if value.isdigit() else None


def request_with_retries(
    session: requests.Session,
    method: str,
    url: str,
    *,
    retries: int,
    backoff_seconds: float,
    retry_on: Collection[int] = DEFAULT_RETRY_ON,
    idempotent: bool | None = None,
    error_class: type[IntegrationError] = IntegrationError,
    **kwargs: Any,
) -> requests.Response:
    """Send a request, retrying transport failures and ``retry_on`` statuses up to ``retries`` times.

    Only idempotent calls are retried: GET/HEAD/OPTIONS/PUT/DELETE, or any call the caller
    vouches for with ``idempotent=True`` (a POST whose repeat is harmless or answers 409).
    Returns the last response whatever its status, so the caller decides what a 404 or 409
    means; raises ``error_class`` when no response came back at all.
    """
    method = method.upper()
    attempts = 1 + (max(retries, 0) if _is_idempotent(method, idempotent) else 0)
    for attempt in range(1, attempts + 1):
        try:
            response = session.request(method, url, **_within_deadline(session, method, url, kwargs, error_class))
        except requests.RequestException as exc:
            error = error_class.from_exception(method, url, exc)
            if attempt == attempts or not error.retryable:
                raise error from exc
            outcome, retry_after, last = type(exc).__name__, None, error
        else:
            if attempt == attempts or response.status_code not in retry_on:
                return response
            outcome, retry_after, last = str(response.status_code), _retry_after(response), None
        delay = backoff_delay(attempt - 1, backoff_seconds)
        if retry_after is not None:
            delay = min(max(delay, retry_after), MAX_BACKOFF_SECONDS)
        left = remaining_seconds()
        if left is not None and delay >= left:
            # No time for another attempt: the caller gets what this one got.
            logger.warning(
                "%s: %s %s -> %s, no retry: the deadline is near", error_class.service, method, url_path(url), outcome
            )
            if last is not None:
                raise last
            return response
        if last is None:
            response.close()  # hand the connection back to the pool before sleeping
        service, path = error_class.service, url_path(url)
        logger.warning("%s: %s %s -> %s, retry %d/%d in %.2fs", service, method, path, outcome, attempt, retries, delay)
        time.sleep(delay)
    raise AssertionError("unreachable: the last attempt returns or raises")


def _within_deadline(
    session: requests.Session, method: str, url: str, kwargs: dict[str, Any], error_class: type[IntegrationError]
) -> dict[str, Any]:
    """The request's arguments with its timeout cut to the time the deadline leaves."""
    left = remaining_seconds()
    if left is None:
        return kwargs
    if left <= 0:
        raise error_class(f"{method} {url_path(url)} not sent: the request's deadline has passed", retryable=True)
    timeout = kwargs.get("timeout", getattr(session, "timeout", None))
    return {**kwargs, "timeout": left if timeout is None else min(float(timeout), left)}


def _is_idempotent(method: str, idempotent: bool | None) -> bool:
    return method in IDEMPOTENT_METHODS if idempotent is None else idempotent


class ClientCredentialsToken:
    """An OAuth client-credentials token, cached until TOKEN_EXPIRY_MARGIN_SECONDS before it expires.

    The lock makes concurrent callers share one fetch instead of stampeding the token endpoint.
    Failures raise ``error_class``, so they name the client's service. Neither the client secret
    nor the token ever reaches a message: ``redact`` masks them in text built from an answer.
    """

    def __init__(
        self,
        session: requests.Session,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        retries: int,
        backoff_seconds: float,
        error_class: type[IntegrationError] = IntegrationError,
    ) -> None:
        self._session = session
        self._token_url = token_url
        self._client_id = client_id
        self._client_secret = client_secret
        self._retries = retries
        self._backoff_seconds = backoff_seconds
        self._error_class = error_class
        self._token: str | None = None
        self._expires_at = 0.0
        self._lock = threading.Lock()

    def get(self) -> str:
        """The cached token, or a new one."""
        with self._lock:
            if self._token is None or time.monotonic() >= self._expires_at:
                started = time.monotonic()
                self._token, expires_in = self._fetch()
                self._expires_at = started + expires_in - TOKEN_EXPIRY_MARGIN_SECONDS
            return self._token

    def forget(self, token: str) -> None:
        """Drop ``token`` (the API answered 401 to it), so the next ``get`` fetches a new one."""
        with self._lock:
            if self._token == token:  # another thread may already hold a fresh one
                self._token = None

    def redact(self, text: str, extra: Iterable[str] = ()) -> str:
        """``text`` with the client secret, the token and any ``extra`` secrets replaced by ``***``."""
        for secret in (self._client_secret, self._token, *extra):
            if secret:
                text = text.replace(secret, "***")
        return text

    def _fetch(self) -> tuple[str, float]:
        form = {"grant_type": "client_credentials", "client_id": self._client_id, "client_secret": self._client_secret}
        response = request_with_retries(
            self._session,
            "POST",
            self._token_url,
            retries=self._retries,
            backoff_seconds=self._backoff_seconds,
            idempotent=True,  # asking for a token twice is harmless
            error_class=self._error_class,
            data=form,
        )
        if response.status_code != 200:
            raise self._error_class.from_response(response, self.redact(_token_error_detail(response)))
        payload = json_or_none(response)
        token = payload.get("access_token") if isinstance(payload, dict) else None
        expires_in = payload.get("expires_in") if isinstance(payload, dict) else None
        if not isinstance(token, str) or not token or not isinstance(expires_in, int | float):
            raise self._error_class(f"POST {url_path(self._token_url)} answered without a usable token", retryable=True)
        return token, float(expires_in)


class AuthorizedAPI:
    """An HTTP API called as one OAuth client: the plumbing the SSO, OCM and AMS clients share.

    ``call`` retries as ``request_with_retries`` does, and answers a 401 (token revoked or
    expired early) by fetching a new token and sending the call once more.
    """

    def __init__(
        self,
        *,
        token_url: str,
        client_id: str,
        client_secret: str,
        timeout: float,
        retries: int,
        backoff_seconds: float,
        error_class: type[IntegrationError],
    ) -> None:
        self.retries = max(retries, 0)
        self.backoff_seconds = backoff_seconds
        self.error_class = error_class
        self.session = new_session(timeout=timeout)
        self.token = ClientCredentialsToken(
            self.session,
            token_url=token_url,
            client_id=client_id,
            client_secret=client_secret,
            retries=self.retries,
            backoff_seconds=backoff_seconds,
            error_class=error_class,
        )

    def close(self) -> None:
        self.session.close()

    def call(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        token = self.token.get()
        response = self._send(method, url, token, **kwargs)
        if response.status_code == 401:
            self.token.forget(token)
            response = self._send(method, url, self.token.get(), **kwargs)
        return response

    def find_or_create(self, what: str, find: Callable[[], T | None], create: Callable[[], T]) -> T:
        """``find()``, else ``create()``, retried with backoff; never a second thing for a lost answer.

        A create whose answer is lost (timeout, 5xx from a proxy) may still have landed, so it is
        not resent as such: every attempt looks first, and only creates what it did not find.
        """
        for attempt in range(self.retries + 1):
            found = find()
            if found is not None:
                return found
            try:
                return create()
            except IntegrationError as error:
                if not error.retryable or attempt == self.retries:
                    raise
                delay = backoff_delay(attempt, self.backoff_seconds)
                left = remaining_seconds()
                if left is not None and delay >= left:
                    raise
                logger.warning(
                    "%s: %s failed (%s), retry %d/%d in %.2fs",
                    self.error_class.service,
                    what,
                    error,
                    attempt + 1,
                    self.retries,
                    delay,
                )
                time.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _send(self, method: str, url: str, token: str, **kwargs: Any) -> requests.Response:
        return request_with_retries(
            self.session,
            method,
            url,
            retries=self.retries,
            backoff_seconds=self.backoff_seconds,
            error_class=self.error_class,
            headers={"Authorization": f"Bearer {token}"},
            **kwargs,
        )


def json_or_none(response: requests.Response) -> Any:
    """The decoded body, or None when it is not JSON."""
    try:
        return response.json()
    except ValueError:
        return None


def json_object(response: requests.Response, error_class: type[IntegrationError]) -> dict[str, Any]:
    """The body as a JSON object; anything else is the service's fault, raised as ``error_class``."""
    payload = json_or_none(response)
    if not isinstance(payload, dict):
        raise error_class.from_response(response, "expected a JSON object")
    return payload


def _token_error_detail(response: requests.Response) -> str:
    """The token endpoint's own words for a refusal (OAuth's ``error_description``/``error``), kept short."""
    payload = json_or_none(response)
    if not isinstance(payload, dict):
        return ""
    detail = payload.get("errorMessage") or payload.get("error_description") or payload.get("error") or ""
    return str(detail)[:200]
