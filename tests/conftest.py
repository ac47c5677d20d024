"""Shared fixtures: an API client that checks every response against the upstream contract,
development tokens for any principal, and configuration directories tests may edit."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from fleetmanager.devtokens import mint_token
from fleetmanager.fleetconfig import reset_fleet_config
from quota.services.sync import quota_sync_from_config
from tests import writers
from tests.contract import assert_matches_contract, assert_upstream_error, in_contract

pytest_plugins = [
    "tests.fixtures.emulators",
    "tests.fixtures.postgres",
    "tests.fixtures.route53",
    "tests.fixtures.prometheus",
]

V1 = "/api/kafkas_mgmt/v1"
ORG = "13640203"  # in the shipped quota list with any_user: standard instances
OTHER_ORG = "13639843"  # another org of the quota list
NO_QUOTA_ORG = "55555555"  # not in the quota list: developer (Trial) instances only


class Api:
    """A DRF test client whose every response must match the upstream contract."""

    def __init__(self, spec: str = "public", token: str | None = None) -> None:
        self.spec = spec
        self.client = APIClient()
        if token:
            self.client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    def as_user(self, user: str = "alice", org: str = ORG, **claims: Any) -> Api:
        return Api(self.spec, mint_token(username=user, org_id=org, **claims))

    def with_token(self, token: str) -> Api:
        return Api(self.spec, token)

    def request(self, method: str, path: str, data: Any = None, **extra: Any) -> Any:
        if "content_type" not in extra and data is not None:
            extra["format"] = "json"
        response = getattr(self.client, method)(path, data, **extra)
        request = response.wsgi_request
        if in_contract(request.method, request.path, spec=self.spec):
            assert_matches_contract(response, spec=self.spec)
        else:
            assert_upstream_error(response)
        return response

    def get(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self.request("get", path, data, **extra)

    def post(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self.request("post", path, data, **extra)

    def patch(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self.request("patch", path, data, **extra)

    def put(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self.request("put", path, data, **extra)

    def delete(self, path: str, data: Any = None, **extra: Any) -> Any:
        return self.request("delete", path, data, **extra)


@pytest.fixture(scope="session", autouse=True)
def _guard_writers() -> Iterator[None]:
    """Every database connection of the test process checks who writes each app's tables (tests/writers.py)."""
    from django.db import connections
    from django.db.backends.signals import connection_created

    def on_connect(sender: Any, connection: Any, **kwargs: Any) -> None:
        writers.install(connection)

    connection_created.connect(on_connect, weak=False)
    for connection in connections.all(initialized_only=False):
        writers.install(connection)
    yield
    connection_created.disconnect(on_connect)


@pytest.fixture(autouse=True)
def one_writer_per_app() -> Iterator[None]:
    """Fails the test when code outside an app's services wrote that app's tables during it."""
    writers.take_violations()
    yield
    violations = writers.take_violations()
    assert not violations, "writes outside the owning app's services:\n" + "\n".join(map(str, violations))


DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}


@pytest.fixture(autouse=True)
def quota_tables(request: pytest.FixtureRequest) -> None:
    """The shipped quota, deny and access lists in the tables, as `seed` and the general reconciler put them."""
    if request.node.get_closest_marker("django_db") is None and not DB_FIXTURES & set(request.fixturenames):
        return
    request.getfixturevalue("db" if "transactional_db" not in request.fixturenames else "transactional_db")
    quota_sync_from_config()


@pytest.fixture
def api(db: None) -> Api:
    """Anonymous public API client; `api.as_user(...)` gives an authenticated one."""
    return Api()


@pytest.fixture
def alice(api: Api) -> Api:
    return api.as_user("alice", ORG)


@pytest.fixture
def ready_cluster(db: None) -> Any:
    """A ready standalone cluster with a ready Strimzi version: Kafkas can be placed on it."""
    from tests.factories import ClusterFactory

    return ClusterFactory(cluster_id="cluster-ready-1")


@pytest.fixture
def config_dir(tmp_path: Path, settings: Any) -> Iterator[Path]:
    """A writable copy of config/ that the app reads for the duration of the test."""
    target = tmp_path / "config"
    shutil.copytree(Path(settings.BASE_DIR) / "config", target)
    settings.FLEET_CONFIG_DIR = target
    reset_fleet_config()
    yield target
    reset_fleet_config()


def error_code(response: Any) -> str:
    return response.json()["code"]


def pytest_report_header(config: Any) -> str:
    return f"database: {settings.DATABASES['default']['ENGINE']} {settings.DATABASES['default'].get('HOST', '')}"


def database_url_of_test_db() -> str:
    """DATABASE_URL of the database this test run uses, for subprocesses (qcluster, lease holders)."""
    from django.db import connection

    conf = connection.settings_dict
    user = conf.get("USER") or ""
    password = f":{conf['PASSWORD']}" if conf.get("PASSWORD") else ""
    auth = f"{user}{password}@" if user else ""
    return f"postgres://{auth}{conf.get('HOST') or '127.0.0.1'}:{conf.get('PORT') or 5432}/{conf['NAME']}"


def subprocess_env(**extra: str) -> dict[str, str]:
    """The environment of a child process that talks to this test run's database."""
    import os

    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env["DATABASE_URL"] = database_url_of_test_db()
    env.update(extra)
    return env


def worker_env(**extra: str) -> dict[str, str]:
    """The environment of a reconciler or agent process: this run's database and SSO emulator."""
    return subprocess_env(
        DJANGO_SETTINGS_MODULE="fleetmanager.settings",
        FLEET_SSO_BASE_URL=settings.FLEET_SSO_BASE_URL,
        FLEET_SSO_CLIENT_ID=settings.FLEET_SSO_CLIENT_ID,
        FLEET_SSO_CLIENT_SECRET=settings.FLEET_SSO_CLIENT_SECRET,
        **extra,
    )


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Tests marked `postgres` race real connections; SQLite cannot host them."""
    if "postgresql" in settings.DATABASES["default"]["ENGINE"]:
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL (run `make test`, which provides one)")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)
