"""The rules of DESIGN.md that code review alone would not hold: one writer per app, both state machines alike.

The import rules (one-way app dependencies, a core that knows no app and no HTTP in
domain code) are import-linter contracts in pyproject.toml, run by `make test`
(`lint-imports`). The one-writer rule is checked twice: here by reading the source,
and on every SQL write of the test suite by ``tests/writers.py``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.apps import apps

from clusters import tasks as cluster_tasks
from clusters.models import RECONCILER_STATUSES as CLUSTER_RECONCILER_STATUSES
from clusters.models import ClusterStatus
from kafkas import tasks as kafka_tasks
from kafkas.models import RECONCILER_WORK, KafkaRequest, KafkaStatus, needs_reconciler
from tests.writers import GUARDED_APPS

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("fleetmanager", "kafkas", "clusters", "agents", "quota")
APPS = ("kafkas", "clusters", "agents", "quota")
WRITE_METHODS = {
    "save",
    "update",
    "delete",
    "create",
    "bulk_create",
    "bulk_update",
    "get_or_create",
    "update_or_create",
}
# A call chain through one of these is a queryset (`rows.filter(...).update(...)`), not a dict.
QUERYSET_HINTS = {"objects", "all_objects", "filter", "exclude", "all", "select_for_update", "order_by", "annotate"}


def _model_names() -> dict[str, str]:
    """Model class name -> the app that owns it, for every app with models."""
    return {model.__name__: label for label in GUARDED_APPS for model in apps.get_app_config(label).get_models()}


def _modules() -> Iterator[tuple[str, Path]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield ".".join(path.relative_to(ROOT).with_suffix("").parts), path


def _chain(node: ast.expr) -> tuple[str | None, set[str]]:
    """The name a call chain starts from (``KafkaRequest`` in ``KafkaRequest.objects.filter(...)``), and every
    attribute it goes through."""
    names: set[str] = set()
    while True:
        if isinstance(node, ast.Attribute):
            names.add(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            return node.id, names
        else:
            return None, names


def writes_outside_services(module: str, source: str, models: dict[str, str]) -> list[str]:
    """Writes in ``module`` to a model of an app whose services ``module`` is not part of."""
    parts = module.split(".")
    in_app = parts[0] in APPS
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        method = node.func.attr
        if method not in WRITE_METHODS:
            continue
        root, through = _chain(node.func.value)
        owner = models.get(root or "")
        if owner is None and in_app:
            committing = not any(k.arg == "commit" for k in node.keywords)
            if (method in ("save", "delete") and committing) or (through & QUERYSET_HINTS):
                owner = parts[0]  # an instance or queryset of this app's own models
        if owner is None or owner not in GUARDED_APPS:
            continue
        if parts[:2] != [owner, "services"]:
            found.append(f"{module}:{node.lineno} {ast.unparse(node)[:100]}")
    return found


def test_only_each_apps_services_write_its_models() -> None:
    models = _model_names()
    violations = [v for module, path in _modules() for v in writes_outside_services(module, path.read_text(), models)]
    assert not violations, "writes outside the owning app's services:\n" + "\n".join(violations)


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("agents.services", "KafkaRequest.objects.filter(pk=1).update(status='ready')"),
        ("kafkas.lifecycle", "kafka.save(update_fields=['status'])"),
        ("kafkas.entitlement", "candidates.filter(quota_type='x').update(expires_at=None)"),
        ("clusters.scaling", "Cluster.objects.create(region='r')"),
        ("clusters.tasks", "ScalingDecision.objects.bulk_create([])"),
        ("quota.admin", "QuotaOrganisation.objects.filter(org_id='1').delete()"),
        ("fleetmanager.metrics", "KafkaRequest.all_objects.update(name='x')"),
    ],
)
def test_the_source_check_finds_a_write_outside_services(module: str, source: str) -> None:
    assert writes_outside_services(module, source, _model_names())


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("kafkas.services.progress", "KafkaRequest.objects.filter(pk=1).update(cluster_id='c')"),
        ("clusters.services", "Cluster.objects.create(region='r')"),
        ("quota.admin", "rows = formset.save(commit=False)"),
        ("clusters.providers.ocm", "fields.update(agent_credentials(cluster))"),
        ("kafkas.lifecycle", "KafkaRequest.objects.filter(pk=1).first()"),
    ],
)
def test_the_source_check_leaves_reads_and_services_alone(module: str, source: str) -> None:
    assert not writes_outside_services(module, source, _model_names())


# --- both state machines alike ------------------------------------------------------------------


def test_every_kafka_status_with_reconciler_work_has_a_step() -> None:
    assert set(kafka_tasks.STEPS) == set(RECONCILER_WORK)


def test_every_cluster_status_the_reconciler_walks_has_a_step() -> None:
    assert set(cluster_tasks.STEPS) == CLUSTER_RECONCILER_STATUSES
    assert ClusterStatus.FAILED not in CLUSTER_RECONCILER_STATUSES  # a person deprovisions a failed cluster


@pytest.mark.parametrize(
    ("status", "fields", "expected"),
    [
        (KafkaStatus.ACCEPTED, {}, True),
        (KafkaStatus.PREPARING, {}, True),
        (KafkaStatus.PROVISIONING, {"cluster_id": "c1"}, False),
        (KafkaStatus.PROVISIONING, {"cluster_id": ""}, True),
        # routes reported, their DNS records not registered yet
        (KafkaStatus.PROVISIONING, {"cluster_id": "c1", "routes": [{"Domain": "d", "Router": "r"}]}, True),
        (
            KafkaStatus.PROVISIONING,
            {"cluster_id": "c1", "routes": [{"Domain": "d", "Router": "r"}], "routes_created": True},
            False,
        ),
        (KafkaStatus.DEPROVISION, {"bootstrap_server_host": "h.example.com"}, False),
        (KafkaStatus.DEPROVISION, {"bootstrap_server_host": ""}, True),
        (KafkaStatus.DELETING, {}, True),
        (KafkaStatus.READY, {}, False),
        (KafkaStatus.FAILED, {}, False),
    ],
)
@pytest.mark.django_db
def test_the_reconciler_rule_reads_the_same_in_memory_and_in_sql(status: str, fields: dict, expected: bool) -> None:
    from kafkas.models import NEEDS_RECONCILER
    from tests.factories import KafkaFactory

    kafka = KafkaFactory(status=status, **fields)

    assert needs_reconciler(kafka) is expected
    assert KafkaRequest.objects.filter(NEEDS_RECONCILER, pk=kafka.pk).exists() is expected
