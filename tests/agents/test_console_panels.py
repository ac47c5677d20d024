"""The console's Kafka page shows the data plane's resources for the Kafka, read-only, without secrets."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from agents.dataplane.state import DataPlane
from agents.dataplane.store import RenderStore
from fleetmanager.devtokens import mint_token
from kafkas.models import KafkaStatus
from tests.conftest import Api
from tests.factories import ClusterFactory, KafkaFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(admin_user: Any) -> Client:
    client = Client()
    client.force_login(admin_user)
    return client


def test_the_kafka_page_shows_the_rendered_managed_kafka_and_kafka(
    staff: Client, settings: Any, tmp_path: Path
) -> None:
    settings.FLEET_AGENT_RENDER_DIR = tmp_path
    cluster = ClusterFactory(cluster_id="c1")
    kafka = KafkaFactory(
        name="alpha",
        cluster_id="c1",
        status=KafkaStatus.READY,
        namespace="kafka-alpha",
        bootstrap_server_host="alpha.kas.c1.example.com",
        canary_service_account_client_id="canary-alpha",
        canary_service_account_client_secret="s3cret-value",
        desired_kafka_version="3.1.0",
        desired_strimzi_version="strimzi-cluster-operator.v0.23.0-4",
        desired_kafka_ibp_version="3.1",
    )
    served = Api("private", mint_token(client_id=cluster.client_id)).get("/api/kafkas_mgmt/v1/agent-clusters/c1/kafkas")
    DataPlane(max_units=10, store=RenderStore(tmp_path / "c1")).sync(served.json()["items"])

    page = staff.get(f"/admin/kafkas/kafkarequest/{kafka.id}/change/").content.decode()

    panels = re.findall(r'<pre class="data-plane-yaml">(.*?)</pre>', page, re.DOTALL)
    assert len(panels) == 2
    assert "kind: ManagedKafka" in panels[0] and "kind: Kafka\n" in panels[1]
    assert "host: alpha.kas.c1.example.com" in panels[1]
    # The agent never writes secrets (the page's own canary field is the console issue's to hide).
    assert all("s3cret-value" not in panel for panel in panels)


def test_without_rendered_resources_the_page_says_where_they_would_be(
    staff: Client, settings: Any, tmp_path: Path
) -> None:
    settings.FLEET_AGENT_RENDER_DIR = tmp_path
    kafka = KafkaFactory(cluster_id="c1", status=KafkaStatus.PROVISIONING, namespace="kafka-x")

    page = staff.get(f"/admin/kafkas/kafkarequest/{kafka.id}/change/").content.decode()

    assert f"Nothing under {tmp_path / 'c1' / 'kafka-x'}" in page
