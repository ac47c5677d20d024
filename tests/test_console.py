"""The SRE console: actions through the services (done and refused, both audited), read-only pages,
no secrets, the dashboard, the landing page, offline Swagger UI, and pinned query counts."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import Permission, User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from clusters.models import Cluster
from fleetmanager.models import AuditEntry
from kafkas.models import KafkaRequest, KafkaStatusChange
from tests.factories import ClusterFactory, KafkaFactory

KAFKAS = reverse("admin:kafkas_kafkarequest_changelist") if False else "/admin/kafkas/kafkarequest/"
CLUSTERS = "/admin/clusters/cluster/"
SECRET = "canary-secret-value-123"


@pytest.fixture
def sre(db: None) -> Client:
    user = User.objects.create_superuser("sre", "sre@example.com", "pw")
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def reader(db: None) -> Client:
    user = User.objects.create_user("reader", "reader@example.com", "pw", is_staff=True)
    user.user_permissions.set(Permission.objects.filter(codename__startswith="view_"))
    client = Client()
    client.force_login(user)
    return client


def act(client: Client, url: str, action: str, *pks: str, **extra: Any) -> Any:
    return client.post(url, {"action": action, "_selected_action": list(pks), "index": 0, **extra}, follow=True)


def messages_of(response: Any) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.mark.django_db
def test_suspend_action_suspends_a_ready_kafka_and_audits_it(sre: Client, ready_cluster: Any) -> None:
    kafka = KafkaFactory(status="ready", cluster_id=ready_cluster.cluster_id)

    response = act(sre, KAFKAS, "suspend", kafka.id)

    assert KafkaRequest.objects.get(pk=kafka.id).status == "suspending"
    assert any("Suspended" in m for m in messages_of(response))
    entry = AuditEntry.objects.get()
    assert (entry.actor_kind, entry.actor, entry.action, entry.outcome) == (
        "staff",
        "sre@example.com (sre)",
        "kafka.suspend",
        "done",
    )
    assert entry.changes == {"status": ["ready", "suspending"]}
    assert KafkaStatusChange.objects.filter(kafka_id=kafka.id, to_status="suspending").exists()


CONSOLE_REFUSALS = [
    ("suspend", "failed", "only a ready Kafka"),
    ("suspend", "suspended", "only a ready Kafka"),
    ("resume", "ready", "only a suspended Kafka"),
    ("deprovision", "deprovision", "already being deleted"),
    ("retry_now", "ready", "nothing to retry"),
    ("retry_now", "failed", "nothing to retry"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "status", "message"), CONSOLE_REFUSALS)
def test_an_action_on_a_row_in_the_wrong_state_is_refused(
    sre: Client, ready_cluster: Any, action: str, status: str, message: str
) -> None:
    kafka = KafkaFactory(status=status, cluster_id=ready_cluster.cluster_id)
    before = KafkaRequest.objects.values().get(pk=kafka.id)

    response = act(sre, KAFKAS, action, kafka.id)

    assert any(message in m and "not " in m for m in messages_of(response)), messages_of(response)
    assert KafkaRequest.objects.values().get(pk=kafka.id) == before
    entry = AuditEntry.objects.get()
    assert entry.outcome == "refused"
    assert message in entry.error


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("action", "status", "expected"),
    [
        ("resume", "suspended", "resuming"),
        ("deprovision", "ready", "deprovision"),
        ("deprovision", "failed", "deprovision"),
    ],
)
def test_actions_change_the_status_through_the_services(
    sre: Client, ready_cluster: Any, action: str, status: str, expected: str
) -> None:
    kafka = KafkaFactory(status=status, cluster_id=ready_cluster.cluster_id)

    act(sre, KAFKAS, action, kafka.id)

    assert KafkaRequest.objects.get(pk=kafka.id).status == expected
    assert AuditEntry.objects.get().outcome == "done"


@pytest.mark.django_db
def test_retry_now_forgets_the_backoff(sre: Client) -> None:
    kafka = KafkaFactory(status="accepted", reconcile_failures=4, last_reconcile_error="SSO down")

    act(sre, KAFKAS, "retry_now", kafka.id)

    kafka.refresh_from_db()
    assert (kafka.reconcile_failures, kafka.last_reconcile_error, kafka.next_reconcile_at) == (0, "", None)


@pytest.mark.django_db
def test_change_versions_asks_then_applies_the_admin_rules(sre: Client, ready_cluster: Any) -> None:
    kafka = KafkaFactory(
        status="ready",
        cluster_id=ready_cluster.cluster_id,
        desired_strimzi_version="strimzi-cluster-operator.v0.23.0-4",
        desired_kafka_version="2.8.1",
        desired_kafka_ibp_version="2.8",
    )
    form = act(sre, KAFKAS, "change_versions", kafka.id)
    assert b"Desired versions for 1 Kafka" in form.content

    act(sre, KAFKAS, "change_versions", kafka.id, apply="Apply", kafka_version="3.1.0")
    refused = act(sre, KAFKAS, "change_versions", kafka.id, apply="Apply", kafka_version="2.7.0")

    assert KafkaRequest.objects.get(pk=kafka.id).desired_kafka_version == "3.1.0"
    assert any("downgrade" in m for m in messages_of(refused))
    assert list(AuditEntry.objects.order_by("id").values_list("outcome", flat=True)) == ["done", "refused"]


@pytest.mark.django_db
def test_a_read_only_sre_sees_no_actions_and_cannot_run_them(reader: Client, ready_cluster: Any) -> None:
    kafka = KafkaFactory(status="ready", cluster_id=ready_cluster.cluster_id)

    page = reader.get(KAFKAS)
    act(reader, KAFKAS, "suspend", kafka.id)

    assert page.status_code == 200
    assert b'value="suspend"' not in page.content
    assert KafkaRequest.objects.get(pk=kafka.id).status == "ready"


@pytest.mark.django_db
def test_the_kafka_page_is_read_only_and_shows_no_secret(sre: Client, ready_cluster: Any) -> None:
    kafka = KafkaFactory(
        status="ready",
        cluster_id=ready_cluster.cluster_id,
        bootstrap_server_host="k.kas.example.com",
        canary_service_account_client_id="canary-x",
        canary_service_account_client_secret=SECRET,
    )

    page = sre.get(f"/admin/kafkas/kafkarequest/{kafka.id}/change/")

    assert page.status_code == 200
    assert SECRET.encode() not in page.content
    assert b'name="_save"' not in page.content
    assert b"ManagedKafka" in page.content  # what the agent is served, password masked
    assert b"tatus history (newest first)" in page.content
    assert b'value="suspend"' in page.content


@pytest.mark.django_db
def test_no_kafka_or_cluster_can_be_deleted_or_edited_from_the_console(sre: Client, ready_cluster: Any) -> None:
    kafka = KafkaFactory(status="ready", cluster_id=ready_cluster.cluster_id)

    responses = [
        sre.post(f"/admin/kafkas/kafkarequest/{kafka.id}/delete/", {"post": "yes"}),
        sre.post(f"{CLUSTERS}{ready_cluster.pk}/delete/", {"post": "yes"}),
        sre.post(f"{CLUSTERS}{ready_cluster.pk}/change/", {"region": "moon-1", "status": "failed"}),
        act(sre, CLUSTERS, "delete_selected", ready_cluster.pk),
    ]

    assert [r.status_code for r in responses[:3]] == [403, 403, 403]
    cluster = Cluster.objects.get(pk=ready_cluster.pk)
    assert (cluster.region, cluster.status) == ("us-east-1", "ready")
    assert KafkaRequest.objects.filter(pk=kafka.id).exists()
    assert SECRET.encode() not in sre.get(f"{CLUSTERS}{ready_cluster.pk}/change/").content


@pytest.mark.django_db
def test_cordon_and_uncordon_a_cluster(sre: Client, ready_cluster: Any) -> None:
    act(sre, CLUSTERS, "cordon", ready_cluster.pk)
    cordoned = Cluster.objects.get(pk=ready_cluster.pk).schedulable
    again = act(sre, CLUSTERS, "cordon", ready_cluster.pk)
    act(sre, CLUSTERS, "uncordon", ready_cluster.pk)

    assert cordoned is False
    assert any("already cordoned" in m for m in messages_of(again))
    assert Cluster.objects.get(pk=ready_cluster.pk).schedulable is True
    assert list(AuditEntry.objects.order_by("id").values_list("action", "outcome")) == [
        ("cluster.cordon", "done"),
        ("cluster.cordon", "refused"),
        ("cluster.uncordon", "done"),
    ]


@pytest.mark.django_db
def test_a_cordoned_cluster_gets_no_new_kafka(alice: Any, ready_cluster: Any, sre: Client) -> None:
    act(sre, CLUSTERS, "cordon", ready_cluster.pk)

    response = alice.post(
        "/api/kafkas_mgmt/v1/kafkas?async=true", {"name": "nowhere", "cloud_provider": "aws", "region": "us-east-1"}
    )

    assert response.status_code == 403  # 403/24: no cluster can take it


@pytest.mark.django_db
def test_deprovision_refuses_a_cluster_with_kafkas_and_deprovisions_an_empty_one(sre: Client) -> None:
    busy = ClusterFactory(provider_type="ocm")
    empty = ClusterFactory(provider_type="ocm")
    KafkaFactory(status="ready", cluster_id=busy.cluster_id)

    response = act(sre, CLUSTERS, "deprovision", busy.pk, empty.pk)

    assert Cluster.objects.get(pk=busy.pk).status == "ready"
    assert Cluster.objects.get(pk=empty.pk).status == "deprovisioning"
    assert any("still holds Kafkas" in m for m in messages_of(response))
    assert dict(AuditEntry.objects.values_list("object_id", "outcome")) == {busy.pk: "refused", empty.pk: "done"}


@pytest.mark.django_db
def test_the_dashboard_shows_the_fleet(sre: Client, ready_cluster: Any) -> None:
    KafkaFactory(status="ready", cluster_id=ready_cluster.cluster_id, size_id="x1")
    KafkaFactory(status="accepted", reconcile_failures=2, last_reconcile_error="no capacity")

    page = sre.get("/admin/").content.decode()

    for text in (
        "Kafkas by status",
        "?status__exact=ready",
        "capacity used / max",
        "cluster-ready-1",
        "Kafka reconciles failing now",
        "no capacity",
        "Leases",
        "Recent audit entries",
    ):
        assert text in page, text


@pytest.mark.django_db
def test_the_dashboard_lists_the_recent_audit_entries(sre: Client, ready_cluster: Any) -> None:
    kafka = KafkaFactory(status="ready", cluster_id=ready_cluster.cluster_id)
    act(sre, KAFKAS, "suspend", kafka.id)
    entry = AuditEntry.objects.get()

    response = sre.get("/admin/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f"{timezone.localtime(entry.created_at):%H:%M:%S}</a>" in page
    assert "kafka.suspend" in page


@pytest.mark.django_db
def test_the_kafka_list_filters(sre: Client) -> None:
    KafkaFactory(name="in-org", organisation_id="111", status="ready")
    KafkaFactory(name="other-org", organisation_id="222", status="ready")

    page = sre.get(KAFKAS, {"organisation_id": "111", "status__exact": "ready"}).content

    assert b"in-org" in page and b"other-org" not in page


@pytest.mark.django_db
def test_the_audit_trail_is_read_only(sre: Client) -> None:
    from fleetmanager import audit

    entry = audit.record(audit.Actor("staff", "x"), "kafka.suspend", "kafka", "k1")

    assert sre.post(f"/admin/fleetmanager/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    assert sre.post(f"/admin/fleetmanager/auditentry/{entry.pk}/change/", {"actor": "y"}).status_code == 403
    assert sre.get("/admin/fleetmanager/auditentry/", {"outcome__exact": "done", "q": "k1"}).status_code == 200
    assert AuditEntry.objects.get().actor == "x"


@pytest.mark.django_db
def test_the_landing_page_links_everything_and_counts(client: Client, ready_cluster: Any) -> None:
    KafkaFactory()

    page = client.get("/").content.decode()

    for link in ("/api/kafkas_mgmt/v1/docs", "/admin/", "/metrics", "/healthz"):
        assert f'href="{link}' in page
    assert '<span class="number">1</span> <span class="label">Kafkas</span>' in page


@pytest.mark.parametrize(
    "path", ["/api/kafkas_mgmt/v1/docs", "/api/kafkas_mgmt/v1/docs/private", "/api/kafkas_mgmt/v1/docs/admin"]
)
def test_swagger_ui_is_served_from_installed_static_files(client: Client, path: str) -> None:
    page = client.get(path).content.decode()

    assert "cdn.jsdelivr.net" not in page and "unpkg" not in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page


# --- query counts of the lists, with 10,000 Kafkas ------------------------------------------------


@pytest.fixture
def many_kafkas(db: None, ready_cluster: Any) -> None:
    KafkaRequest.objects.bulk_create(
        KafkaRequest(
            id=f"k{n:019d}",
            name=f"kafka-{n}",
            owner="alice",
            organisation_id=str(1000 + n % 50),
            cloud_provider="aws",
            region="us-east-1",
            instance_type="standard",
            size_id="x1",
            status="ready",
            cluster_id=ready_cluster.cluster_id,
        )
        for n in range(10_000)
    )


@pytest.mark.django_db
@pytest.mark.parametrize(("query", "rows", "queries"), [({"q": "k0000000000000000042"}, 1, 7), ({}, 200, 7)])
def test_the_kafka_list_costs_the_same_queries_for_1_and_200_rows(
    sre: Client, many_kafkas: None, django_assert_num_queries: Any, query: dict, rows: int, queries: int
) -> None:
    with django_assert_num_queries(queries):
        page = sre.get(KAFKAS, query)

    assert page.status_code == 200
    assert len(page.context["cl"].result_list) == rows
