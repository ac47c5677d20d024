"""Loading the upstream-format configuration files: every problem names the file and the field."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from fleetmanager.fleetconfig import ConfigError, load_fleet_config
from fleetmanager.fleetconfig.quantities import is_iso_duration, parse_quantity, quantity_bytes

BASE_DIR = Path(__file__).resolve().parents[2]
SHIPPED = BASE_DIR / "config"

TYPES = "kafka-instance-types-configuration.yaml"
PROVIDERS = "provider-configuration.yaml"
QUOTA = "quota-management-list-configuration.yaml"
DATAPLANE = "dataplane-cluster-configuration.yaml"
AUTHZ = "admin-authz-configuration.yaml"
DENY = "deny-list-configuration.yaml"
LOADED_FILES = [
    TYPES,
    PROVIDERS,
    QUOTA,
    DATAPLANE,
    AUTHZ,
    DENY,
    "access-list-configuration.yaml",
    "kafka-owner-list.yaml",
    "kafka-sre-user-list.yaml",
    "read-only-user-list.yaml",
    "dynamic-scaling-configuration.yaml",
]


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A writable copy of the shipped config/ directory."""
    target = tmp_path / "config"
    shutil.copytree(SHIPPED, target)
    return target


def _edit(directory: Path, name: str, mutate: Callable[[Any], Any]) -> None:
    """Load one file, let ``mutate`` change it in place (or return a replacement), dump it back."""
    path = directory / name
    document = yaml.safe_load(path.read_text())
    replaced = mutate(document)
    path.write_text(yaml.safe_dump(document if replaced is None else replaced, sort_keys=False))


def _raises(directory: Path) -> str:
    with pytest.raises(ConfigError) as excinfo:
        load_fleet_config(directory)
    return str(excinfo.value)


# --- the shipped configuration --------------------------------------------------------------


def test_the_shipped_configuration_loads_with_the_expected_values() -> None:
    config = load_fleet_config(SHIPPED)

    assert config.instance_types.ids == ("standard", "developer")
    standard = config.instance_types.get("standard")
    developer = config.instance_types.get("developer")
    assert standard is not None and developer is not None
    assert [bm.id for bm in standard.supported_billing_models] == ["standard", "marketplace", "eval", "enterprise"]
    assert standard.billing_model("eval").grace_period_days == 4
    assert [size.id for size in standard.sizes] == ["x1", "x2"]
    assert standard.size("x1").max_partitions == 1500
    assert standard.size("x1").max_data_retention_size == "1000Gi"
    assert standard.size("x2").maturity_status == "preview"
    assert standard.size("x1").lifespan_seconds is None
    assert developer.display_name == "Trial"
    assert developer.size("x1").lifespan_seconds == 172800
    assert developer.size("x1").supported_az_modes == ("single",)
    assert standard.multi_az and not developer.multi_az

    provider = config.providers.default_provider()
    assert provider.name == "aws"
    assert provider.display_name == "Amazon Web Services"
    region = provider.default_region()
    assert region.name == "us-east-1"
    assert region.supports("standard") and region.supports("developer")
    assert region.supported_instance_types["standard"].limit is None

    assert len(config.quota_list.organisations) == 5
    assert len(config.quota_list.service_accounts) == 5
    org = config.quota_list.organisation("13640203")
    assert org is not None and org.any_user and org.max_allowed_instances == 5
    assert org.is_user_registered("anyone")
    assert org.grant("standard").billing_model("marketplace").max_allowed_instances == 5
    assert org.grant("standard").billing_model("eval").max_allowed_instances == 0

    (dev_cluster,) = config.dataplane.clusters  # the embedded default's standalone cluster
    assert (dev_cluster.cluster_id, dev_cluster.provider_type, dev_cluster.kafka_instance_limit) == (
        "dev-standalone-1",
        "standalone",
        20,
    )
    assert config.admin_authz.allows("get", frozenset({"kas-fleet-manager-admin-read"}))
    assert not config.admin_authz.allows("POST", frozenset({"kas-fleet-manager-admin-read"}))
    assert config.deny_list == ("denied-test-user1@example.com", "denied-test-user2@example.com")
    assert "13640203" in config.access_list
    assert config.kafka_owners == ("kafka-sre-user-1", "service-account-1")
    assert config.kafka_sre_users == ("kafka-sre-user-1", "kafka-sre-user-2")
    assert config.read_only_users == ("read-only-user-1", "read-only-user-2")


def test_a_quota_entry_without_granted_quota_gets_standard_standard(config: Path) -> None:
    def add(doc: Any) -> None:
        doc["registered_users_per_organisation"].append({"id": "99999999", "any_user": True})
        doc["registered_service_accounts"].append(
            {"username": "bare@example.com", "granted_quota": [{"instance_type_id": "developer"}]}
        )

    _edit(config, QUOTA, add)
    quota = load_fleet_config(config).quota_list

    org = quota.organisation("99999999")
    assert org.max_allowed_instances == 0
    assert [g.instance_type_id for g in org.granted_quota] == ["standard"]
    only = org.grant("standard").kafka_billing_models
    assert [(bm.id, bm.max_allowed_instances, bm.expiration_date) for bm in only] == [("standard", 0, None)]

    account = quota.service_account("bare@example.com")
    assert [g.instance_type_id for g in account.granted_quota] == ["developer"]
    assert [bm.id for bm in account.grant("developer").kafka_billing_models] == ["standard"]


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("2022-12-06 +01:00", dt.timedelta(hours=1)),
        ("2022-12-06 +00:00", dt.timedelta(0)),
        ("2023-01-31 -05:30", -dt.timedelta(hours=5, minutes=30)),
    ],
)
def test_a_quota_expiration_date_parses_to_an_aware_datetime(config: Path, text: str, offset: dt.timedelta) -> None:
    def expire(doc: Any) -> None:
        doc["registered_users_per_organisation"][0]["granted_quota"][0]["kafka_billing_models"][0][
            "expiration_date"
        ] = text

    _edit(config, QUOTA, expire)
    org = load_fleet_config(config).quota_list.organisation("13640203")
    expiration = org.grant("standard").billing_model("standard").expiration_date
    assert expiration.tzinfo is not None
    assert expiration.utcoffset() == offset
    assert expiration.date() == dt.date.fromisoformat(text.split()[0])
    assert (expiration.hour, expiration.minute) == (0, 0)


STANDALONE = {
    "name": "cluster-1",
    "cluster_id": "1jp6kdr7k0sjbe5adck2prjur8f39378",
    "cloud_provider": "aws",
    "region": "us-east-1",
    "multi_az": True,
    "schedulable": True,
    "kafka_instance_limit": 2,
    "status": "ready",
    "provider_type": "standalone",
    "cluster_dns": "apps.example.com",
    "supported_instance_type": "standard,developer",
}


def _clusters(*clusters: dict[str, Any]) -> Callable[[Any], None]:
    def mutate(doc: Any) -> None:
        doc["clusters"] = [dict(cluster) for cluster in clusters]

    return mutate


def _without(cluster: dict[str, Any], *keys: str) -> dict[str, Any]:
    return {key: value for key, value in cluster.items() if key not in keys}


def test_a_standalone_cluster_accepted_in_the_file_is_forced_to_provisioning(config: Path) -> None:
    _edit(config, DATAPLANE, _clusters({**STANDALONE, "status": "cluster_accepted"}))
    (cluster,) = load_fleet_config(config).dataplane.clusters
    assert cluster.status == "cluster_provisioning"
    assert cluster.provider_type == "standalone"
    assert cluster.cluster_dns == "apps.example.com"


def test_a_minimal_cluster_gets_the_upstream_defaults(config: Path) -> None:
    _edit(config, DATAPLANE, _clusters({"cluster_id": "abc"}))
    (cluster,) = load_fleet_config(config).dataplane.clusters
    assert cluster.provider_type == "ocm"
    assert cluster.status == "cluster_provisioning"
    assert cluster.instance_types == ("standard", "developer")
    assert cluster.kafka_instance_limit == -1
    assert cluster.multi_az and cluster.schedulable


def test_an_empty_supported_instance_type_means_every_type_as_upstream(config: Path) -> None:
    # Upstream (ManualCluster.UnmarshalYAML) replaces "" with "standard,developer".
    _edit(config, DATAPLANE, _clusters({"cluster_id": "abc", "supported_instance_type": ""}))
    (cluster,) = load_fleet_config(config).dataplane.clusters
    assert cluster.instance_types == ("standard", "developer")


def test_admin_authz_methods_and_roles_match_case_insensitively(config: Path) -> None:
    _edit(config, AUTHZ, lambda doc: [{"method": "get", "roles": ["Admin-Read"]}])
    authz = load_fleet_config(config).admin_authz
    assert authz.allows("GET", frozenset({"admin-read"}))
    assert not authz.allows("DELETE", frozenset({"admin-read"}))


# --- missing and unparsable files -------------------------------------------------------------


@pytest.mark.parametrize("name", LOADED_FILES)
def test_it_rejects_a_missing_file_naming_it(config: Path, name: str) -> None:
    (config / name).unlink()
    message = _raises(config)
    assert message.startswith(f"{name}: file not found at ")
    assert str(config / name) in message


@pytest.mark.parametrize("name", LOADED_FILES)
def test_it_rejects_a_file_that_is_not_yaml_naming_it(config: Path, name: str) -> None:
    (config / name).write_text("supported: [unclosed\n  - : {\n")
    assert _raises(config).startswith(f"{name}: is not valid YAML: ")


# --- one broken field per row -------------------------------------------------------------------


def _delete(mapping: dict[str, Any], key: str) -> None:
    del mapping[key]


def _types(doc: Any) -> list[dict[str, Any]]:
    return doc["supported_instance_types"]


def _size(type_index: int, size_index: int, **fields: Any) -> Callable[[Any], None]:
    def mutate(doc: Any) -> None:
        _types(doc)[type_index]["sizes"][size_index].update(fields)

    return mutate


def _no_rhosak(doc: Any) -> None:
    for model in _types(doc)[0]["supported_billing_models"]:
        model["ams_resource"] = "something-else"


def _region(**fields: Any) -> Callable[[Any], None]:
    def mutate(doc: Any) -> None:
        doc["supported_providers"][0]["regions"][0].update(fields)

    return mutate


def _second_provider(default: bool, name: str = "gcp") -> Callable[[Any], None]:
    def mutate(doc: Any) -> None:
        doc["supported_providers"].append(
            {
                "name": name,
                "default": default,
                "regions": [{"name": "us-central1", "default": True, "supported_instance_type": {"standard": {}}}],
            }
        )

    return mutate


def _second_default_region(doc: Any) -> None:
    doc["supported_providers"][0]["regions"].append(
        {"name": "eu-west-1", "default": True, "supported_instance_type": {"standard": {}}}
    )


def _org_grant(doc: Any) -> dict[str, Any]:
    return doc["registered_users_per_organisation"][0]["granted_quota"][0]


def _org_billing_model(**fields: Any) -> Callable[[Any], None]:
    def mutate(doc: Any) -> None:
        _org_grant(doc)["kafka_billing_models"][0].update(fields)

    return mutate


def _duplicate_org(doc: Any) -> None:
    orgs = doc["registered_users_per_organisation"]
    orgs[2]["id"] = orgs[0]["id"]


def _duplicate_username(doc: Any) -> None:
    accounts = doc["registered_service_accounts"]
    accounts[1]["username"] = accounts[0]["username"]


def _developer_grant_with(billing_model: str) -> Callable[[Any], None]:
    def mutate(doc: Any) -> None:
        _org_grant(doc).update(instance_type_id="developer", kafka_billing_models=[{"id": billing_model}])

    return mutate


SIZE0 = "supported_instance_types[0].sizes[0]"
DEV_SIZE = "supported_instance_types[1].sizes[0]"
REGION0 = "supported_providers[0].regions[0]"
ORG_GRANT = "registered_users_per_organisation[0].granted_quota[0]"

BROKEN_ROWS = [
    # kafka-instance-types-configuration.yaml
    pytest.param(
        TYPES,
        lambda doc: _types(doc)[1].update(id="enterprise"),
        "supported_instance_types[1].id",
        "'enterprise' is not one of standard, developer",
        id="types-unknown-type-id",
    ),
    pytest.param(
        TYPES,
        lambda doc: _types(doc)[1].update(id="standard"),
        "supported_instance_types",
        "duplicate instance type id 'standard'",
        id="types-duplicate-type-id",
    ),
    pytest.param(
        TYPES,
        lambda doc: doc.update(supported_instance_types=[]),
        "supported_instance_types",
        "must define at least one instance type",
        id="types-none",
    ),
    pytest.param(
        TYPES,
        _size(0, 0, maxDataRetentionSize="a lot"),
        f"{SIZE0}.maxDataRetentionSize",
        "'a lot' is not a valid quantity",
        id="types-retention-size-not-a-quantity",
    ),
    pytest.param(
        TYPES,
        _size(0, 0, ingressThroughputPerSec="50MB"),
        f"{SIZE0}.ingressThroughputPerSec",
        "'50MB' is not a valid quantity",
        id="types-ingress-not-a-quantity",
    ),
    pytest.param(
        TYPES,
        _size(0, 0, maxDataRetentionSize="-1Gi"),
        f"{SIZE0}.maxDataRetentionSize",
        "must be at least 1",
        id="types-negative-retention-size",
    ),
    pytest.param(
        TYPES,
        _size(0, 0, egressThroughputPerSec="0"),
        f"{SIZE0}.egressThroughputPerSec",
        "must be at least 1",
        id="types-zero-egress",
    ),
    pytest.param(
        TYPES,
        _size(0, 0, maxMessageSize="-1Mi"),
        f"{SIZE0}.maxMessageSize",
        "must be at least 0",
        id="types-negative-message-size",
    ),
    pytest.param(
        TYPES,
        _size(0, 0, maxPartitions=-1),
        f"{SIZE0}.maxPartitions",
        "must be at least 1, got -1",
        id="types-negative-partitions",
    ),
    pytest.param(
        TYPES,
        _size(0, 0, maxPartitions=0),
        f"{SIZE0}.maxPartitions",
        "must be at least 1, got 0",
        id="types-zero-partitions",
    ),
    pytest.param(
        TYPES,
        _size(0, 1, maxPartitions="x"),
        "supported_instance_types[0].sizes[1].maxPartitions",
        "must be an integer, got 'x'",
        id="types-partitions-not-an-integer",
    ),
    pytest.param(
        TYPES,
        _size(0, 0, totalMaxConnections=True),
        f"{SIZE0}.totalMaxConnections",
        "must be an integer, got True",
        id="types-connections-boolean",
    ),
    pytest.param(
        TYPES,
        lambda doc: _delete(_types(doc)[0]["sizes"][0], "replicationFactor"),
        f"{SIZE0}.replicationFactor",
        "is required",
        id="types-missing-replication-factor",
    ),
    pytest.param(
        TYPES,
        _size(0, 0, maxDataRetentionPeriod="14 days"),
        f"{SIZE0}.maxDataRetentionPeriod",
        "'14 days' is not an ISO-8601 duration",
        id="types-retention-period-not-iso",
    ),
    pytest.param(
        TYPES,
        _size(0, 0, maxDataRetentionPeriod="P0D"),
        f"{SIZE0}.maxDataRetentionPeriod",
        "must not be zero",
        id="types-zero-retention-period",
    ),
    pytest.param(
        TYPES,
        _size(0, 0, supportedAZModes=["triple"]),
        f"{SIZE0}.supportedAZModes",
        "must list AZ modes among single, multi",
        id="types-unknown-az-mode",
    ),
    pytest.param(
        TYPES,
        _size(0, 0, supportedAZModes=[]),
        f"{SIZE0}.supportedAZModes",
        "must list AZ modes among single, multi",
        id="types-no-az-mode",
    ),
    pytest.param(
        TYPES,
        _size(0, 0, maturityStatus="beta"),
        f"{SIZE0}.maturityStatus",
        "'beta' must be one of stable, preview",
        id="types-unknown-maturity",
    ),
    pytest.param(
        TYPES,
        lambda doc: _types(doc)[0]["supported_billing_models"][1].update(ams_product="RHOSAKPlus"),
        "supported_instance_types[0].supported_billing_models[1].ams_product",
        "'RHOSAKPlus' is not one of RHOSAK, RHOSAKTrial, RHOSAKEval, RHOSAKCC",
        id="types-unknown-ams-product",
    ),
    pytest.param(
        TYPES,
        lambda doc: _types(doc)[0]["supported_billing_models"][0].update(ams_billing_models=["free"]),
        "supported_instance_types[0].supported_billing_models[0].ams_billing_models",
        "'free' is not a known AMS billing model",
        id="types-unknown-ams-billing-model",
    ),
    pytest.param(
        TYPES,
        _no_rhosak,
        "supported_instance_types[0].supported_billing_models",
        "needs at least one billing model with ams_resource 'rhosak'",
        id="types-no-rhosak-billing-model",
    ),
    pytest.param(
        TYPES,
        lambda doc: _types(doc)[0]["supported_billing_models"][1].update(id="standard"),
        "supported_instance_types[0].supported_billing_models",
        "duplicate billing model id 'standard'",
        id="types-duplicate-billing-model",
    ),
    pytest.param(
        TYPES,
        _size(0, 1, id="x1"),
        "supported_instance_types[0].sizes",
        "duplicate size id 'x1'",
        id="types-duplicate-size-id",
    ),
    pytest.param(
        TYPES,
        lambda doc: _types(doc)[1].update(sizes=[]),
        "supported_instance_types[1].sizes",
        "must define at least one size",
        id="types-no-sizes",
    ),
    pytest.param(
        TYPES,
        _size(1, 0, lifespanSeconds=0),
        f"{DEV_SIZE}.lifespanSeconds",
        "must be at least 1, got 0",
        id="types-zero-lifespan",
    ),
    # provider-configuration.yaml
    pytest.param(
        PROVIDERS,
        lambda doc: doc["supported_providers"][0].update(name="ibm"),
        "supported_providers[0].name",
        "'ibm' is not one of aws, gcp, azure",
        id="providers-unknown-provider",
    ),
    pytest.param(
        PROVIDERS,
        _second_provider(default=True),
        "supported_providers",
        "exactly one provider must be the default, found 2",
        id="providers-two-defaults",
    ),
    pytest.param(
        PROVIDERS,
        lambda doc: doc["supported_providers"][0].update(default=False),
        "supported_providers",
        "exactly one provider must be the default, found 0",
        id="providers-no-default",
    ),
    pytest.param(
        PROVIDERS,
        _second_provider(default=False, name="aws"),
        "supported_providers",
        "provider names must be unique",
        id="providers-duplicate-name",
    ),
    pytest.param(
        PROVIDERS,
        lambda doc: doc.update(supported_providers=[]),
        "supported_providers",
        "must list at least one provider",
        id="providers-none",
    ),
    pytest.param(
        PROVIDERS,
        _second_default_region,
        "supported_providers[0].regions",
        "exactly one region must be the default, found 2",
        id="providers-two-default-regions",
    ),
    pytest.param(
        PROVIDERS,
        _region(default=False),
        "supported_providers[0].regions",
        "exactly one region must be the default, found 0",
        id="providers-no-default-region",
    ),
    pytest.param(
        PROVIDERS,
        _region(supported_instance_type={"standard": {}, "enterprise": {}}),
        f"{REGION0}.supported_instance_type",
        "unknown instance type 'enterprise'; known: standard, developer",
        id="providers-unknown-instance-type",
    ),
    pytest.param(
        PROVIDERS,
        _region(supported_instance_type={"standard": {"limit": -1}}),
        f"{REGION0}.supported_instance_type.standard.limit",
        "must be at least 0, got -1",
        id="providers-negative-limit",
    ),
    pytest.param(
        PROVIDERS,
        _region(supported_instance_type={"standard": {"limit": 2, "min_available_capacity_slack_streaming_units": 3}}),
        f"{REGION0}.supported_instance_type.standard.min_available_capacity_slack_streaming_units",
        "must not exceed the limit (2)",
        id="providers-slack-above-limit",
    ),
    pytest.param(
        PROVIDERS,
        _region(supported_instance_type={"standard": {"min_available_capacity_slack_streaming_units": -1}}),
        f"{REGION0}.supported_instance_type.standard.min_available_capacity_slack_streaming_units",
        "must be at least 0, got -1",
        id="providers-negative-slack",
    ),
    pytest.param(
        PROVIDERS,
        _region(supported_instance_type=["standard"]),
        f"{REGION0}.supported_instance_type",
        "must be a mapping, got list",
        id="providers-instance-types-as-list",
    ),
    # quota-management-list-configuration.yaml
    pytest.param(
        QUOTA,
        lambda doc: doc["registered_service_accounts"][0]["granted_quota"][0].update(instance_type_id="enterprise"),
        "registered_service_accounts[0].granted_quota[0].instance_type_id",
        "unknown instance type 'enterprise'",
        id="quota-unknown-instance-type",
    ),
    pytest.param(
        QUOTA,
        _developer_grant_with("eval"),
        f"{ORG_GRANT}.kafka_billing_models",
        "billing model 'eval' is not supported by instance type 'developer' (supported: standard)",
        id="quota-unsupported-billing-model",
    ),
    pytest.param(
        QUOTA,
        _org_billing_model(expiration_date="06/12/2022"),
        f"{ORG_GRANT}.kafka_billing_models[0].expiration_date",
        "'06/12/2022' must look like 'YYYY-MM-DD +HH:MM'",
        id="quota-expiration-wrong-format",
    ),
    pytest.param(
        QUOTA,
        _org_billing_model(expiration_date="2022-12-06"),
        f"{ORG_GRANT}.kafka_billing_models[0].expiration_date",
        "'2022-12-06' must look like 'YYYY-MM-DD +HH:MM'",
        id="quota-expiration-without-offset",
    ),
    pytest.param(
        QUOTA,
        _org_billing_model(expiration_date=dt.date(2022, 12, 6)),  # an unquoted YAML date
        f"{ORG_GRANT}.kafka_billing_models[0].expiration_date",
        "must be a string, got date",
        id="quota-expiration-unquoted-date",
    ),
    pytest.param(
        QUOTA,
        _duplicate_org,
        "registered_users_per_organisation",
        "duplicate entries: 13640203",
        id="quota-duplicate-org",
    ),
    pytest.param(
        QUOTA,
        _duplicate_username,
        "registered_service_accounts",
        "duplicate entries: testuser1@example.com",
        id="quota-duplicate-username",
    ),
    pytest.param(
        QUOTA,
        lambda doc: doc["registered_users_per_organisation"][0].update(max_allowed_instances=-1),
        "registered_users_per_organisation[0].max_allowed_instances",
        "must be at least 0, got -1",
        id="quota-negative-max-allowed-instances",
    ),
    pytest.param(
        QUOTA,
        _org_billing_model(max_allowed_instances=-1),
        f"{ORG_GRANT}.kafka_billing_models[0].max_allowed_instances",
        "must be at least 0, got -1",
        id="quota-negative-billing-model-max",
    ),
    pytest.param(
        QUOTA,
        lambda doc: doc["registered_users_per_organisation"][0].update(any_user="yes"),
        "registered_users_per_organisation[0].any_user",
        "must be true or false, got 'yes'",
        id="quota-any-user-not-boolean",
    ),
    pytest.param(
        QUOTA,
        lambda doc: _delete(doc["registered_service_accounts"][0], "username"),
        "registered_service_accounts[0].username",
        "is required",
        id="quota-missing-username",
    ),
    # dataplane-cluster-configuration.yaml
    pytest.param(
        DATAPLANE,
        _clusters(_without(STANDALONE, "cluster_dns")),
        "clusters[0].cluster_dns",
        "is required for a standalone cluster",
        id="dataplane-standalone-without-dns",
    ),
    pytest.param(
        DATAPLANE,
        _clusters(_without(STANDALONE, "name")),
        "clusters[0].name",
        "is required for a standalone cluster",
        id="dataplane-standalone-without-name",
    ),
    pytest.param(
        DATAPLANE,
        _clusters({**STANDALONE, "provider_type": "hypershift"}),
        "clusters[0].provider_type",
        "'hypershift' must be one of ocm, standalone",
        id="dataplane-unknown-provider-type",
    ),
    pytest.param(
        DATAPLANE,
        _clusters({**STANDALONE, "status": "deprovisioning"}),
        "clusters[0].status",
        "'deprovisioning' must be one of cluster_provisioning, cluster_provisioned, ready",
        id="dataplane-unknown-status",
    ),
    pytest.param(
        DATAPLANE,
        _clusters({**STANDALONE, "supported_instance_type": "standard,enterprise"}),
        "clusters[0].supported_instance_type",
        "'standard,enterprise' must list instance types among standard, developer",
        id="dataplane-unknown-instance-type",
    ),
    pytest.param(
        DATAPLANE,
        _clusters(STANDALONE, {**STANDALONE, "name": "cluster-2"}),
        "clusters",
        f"duplicate cluster_id: {STANDALONE['cluster_id']}",
        id="dataplane-duplicate-cluster-id",
    ),
    pytest.param(
        DATAPLANE,
        _clusters({**STANDALONE, "kafka_instance_limit": -5}),
        "clusters[0].kafka_instance_limit",
        "must be -1 (unlimited) or a number of streaming units",
        id="dataplane-negative-limit",
    ),
    pytest.param(
        DATAPLANE,
        _clusters(_without(STANDALONE, "cluster_id")),
        "clusters[0].cluster_id",
        "is required",
        id="dataplane-missing-cluster-id",
    ),
    pytest.param(
        DATAPLANE,
        _clusters({**STANDALONE, "cluster_id": ""}),
        "clusters[0].cluster_id",
        "must not be empty",
        id="dataplane-empty-cluster-id",
    ),
    pytest.param(
        DATAPLANE,
        _clusters({**STANDALONE, "schedulable": "sometimes"}),
        "clusters[0].schedulable",
        "must be true or false, got 'sometimes'",
        id="dataplane-schedulable-not-boolean",
    ),
    pytest.param(
        DATAPLANE,
        lambda doc: doc.update(clusters={"cluster-1": STANDALONE}),
        "clusters",
        "must be a list, got dict",
        id="dataplane-clusters-as-mapping",
    ),
    # admin-authz-configuration.yaml
    pytest.param(
        AUTHZ,
        lambda doc: doc[1].update(method="TRACE"),
        "[1].method",
        "'TRACE' must be one of GET, POST, PUT, PATCH, DELETE",
        id="authz-unknown-method",
    ),
    pytest.param(
        AUTHZ,
        lambda doc: doc[0].update(roles="kas-fleet-manager-admin-full"),
        "[0].roles",
        "must be a list, got str",
        id="authz-roles-not-a-list",
    ),
    pytest.param(
        AUTHZ,
        lambda doc: {"GET": ["kas-fleet-manager-admin-read"]},
        "",
        "must be a list, got dict",
        id="authz-mapping-instead-of-list",
    ),
    # the plain lists
    pytest.param(
        DENY,
        lambda doc: {"denied": doc},
        "",
        "must be a list, got dict",
        id="deny-list-mapping-instead-of-list",
    ),
    pytest.param(
        DENY,
        lambda doc: [*doc, {"username": "x"}],
        "[2]",
        "must be a string, got {'username': 'x'}",
        id="deny-list-entry-not-a-string",
    ),
    pytest.param(
        "kafka-owner-list.yaml",
        lambda doc: "kafka-sre-user-1",
        "",
        "must be a list, got str",
        id="owner-list-scalar",
    ),
]


@pytest.mark.parametrize(("name", "mutate", "field", "reason"), BROKEN_ROWS)
def test_it_rejects_a_broken_field_naming_the_file_and_the_field(
    config: Path, name: str, mutate: Callable[[Any], Any], field: str, reason: str
) -> None:
    _edit(config, name, mutate)
    message = _raises(config)
    prefix = f"{name}: {field}: " if field else f"{name}: "
    assert message.startswith(prefix), message
    assert reason in message, message


def test_a_config_error_exposes_the_file_and_the_field(config: Path) -> None:
    _edit(config, TYPES, _size(0, 1, maxPartitions="x"))
    with pytest.raises(ConfigError) as excinfo:
        load_fleet_config(config)
    assert excinfo.value.file == TYPES
    assert excinfo.value.field == "supported_instance_types[0].sizes[1].maxPartitions"
    assert (
        str(excinfo.value)
        == f"{TYPES}: supported_instance_types[0].sizes[1].maxPartitions: must be an integer, got 'x'"
    )


def test_an_empty_list_file_loads_as_an_empty_list(config: Path) -> None:
    (config / DENY).write_text("---\n# nobody is denied\n")
    assert load_fleet_config(config).deny_list == ()


# --- manage.py check with a broken directory ---------------------------------------------------


def _manage_check(config_dir: Path, var_dir: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("FLEET_")}
    for key in ("DATABASE_URL", "DATABASE_URL_FILE", "DJANGO_SECRET_KEY", "DJANGO_SECRET_KEY_FILE", "SENTRY_DSN"):
        env.pop(key, None)
    env.update(DJANGO_SETTINGS_MODULE="fleetmanager.settings", FLEET_CONFIG_DIR=str(config_dir))
    env.update(FLEET_VAR_DIR=str(var_dir))  # the development secret key and SQLite file stay out of the tree
    return subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_manage_py_check_passes_with_the_shipped_configuration(config: Path, tmp_path: Path) -> None:
    result = _manage_check(config, tmp_path / "var")
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_manage_py_check_fails_naming_the_broken_file_and_field(config: Path, tmp_path: Path) -> None:
    _edit(config, TYPES, _size(0, 1, maxPartitions="x"))
    result = _manage_check(config, tmp_path / "var")
    assert result.returncode != 0
    assert (
        "kafka-instance-types-configuration.yaml: supported_instance_types[0].sizes[1].maxPartitions: "
        "must be an integer, got 'x'"
    ) in result.stderr


# --- quantities and durations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value", "as_bytes"),
    [
        ("50Mi", Decimal(52428800), 52428800),
        ("1000Gi", Decimal(1073741824000), 1073741824000),
        ("1Gi", Decimal(2**30), 2**30),
        ("1G", Decimal(10**9), 10**9),
        ("1.5Gi", Decimal(1610612736), 1610612736),
        ("1Ki", Decimal(1024), 1024),
        ("2k", Decimal(2000), 2000),
        ("1Ti", Decimal(2**40), 2**40),
        ("100m", Decimal("0.1"), 1),  # rounded up like Quantity.Value()
        ("1500m", Decimal("1.5"), 2),
        ("1e3", Decimal(1000), 1000),
        ("1E3", Decimal(1000), 1000),  # E3 is an exponent, not exa followed by junk
        ("2E", Decimal(2 * 10**18), 2 * 10**18),
        ("12", Decimal(12), 12),
        ("0", Decimal(0), 0),
        (".5", Decimal("0.5"), 1),
        ("+1Mi", Decimal(2**20), 2**20),
        ("-1Mi", Decimal(-(2**20)), -(2**20)),
    ],
)
def test_quantities_parse_like_kubernetes(text: str, value: Decimal, as_bytes: int) -> None:
    assert parse_quantity(text) == value
    assert quantity_bytes(text) == as_bytes


@pytest.mark.parametrize("text", ["", " ", "10Qi", "Gi", "1.2.3", "-", "50MB", "1 Gi", "1e", "1Gi2", "e3", "0x10"])
def test_it_rejects_an_invalid_quantity(text: str) -> None:
    with pytest.raises(ValueError, match="is not a valid quantity"):
        parse_quantity(text)
    with pytest.raises(ValueError, match="is not a valid quantity"):
        quantity_bytes(text)


@pytest.mark.parametrize("value", [None, 50, 1.5])
def test_it_rejects_a_quantity_that_is_not_a_string(value: object) -> None:
    with pytest.raises(ValueError, match="is not a valid quantity"):
        parse_quantity(value)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("P14D", True),
        ("PT1H", True),
        ("P1Y2M", True),
        ("P1Y2M3DT4H5M6S", True),
        ("PT0.5S", True),
        ("P2W", True),
        ("P", False),
        ("14D", False),
        ("PT", False),
        ("P1DT", False),
        ("P14", False),
        ("p14d", False),
        ("P14D ", False),
        ("", False),
        ("14 days", False),
    ],
)
def test_iso_durations_are_recognised(text: str, valid: bool) -> None:
    assert is_iso_duration(text) is valid


def test_a_duration_that_is_not_a_string_is_not_an_iso_duration() -> None:
    assert is_iso_duration(14) is False  # type: ignore[arg-type]
