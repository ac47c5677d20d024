"""Region limits against the clusters that serve them (§6.6): bad files stop start-up, naming the entry."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from fleetmanager.fleetconfig import ConfigError, load_fleet_config

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.fixture
def config(tmp_path: Path) -> Path:
    shutil.copytree(ROOT / "config", tmp_path, dirs_exist_ok=True)
    return tmp_path


def write(config: Path, name: str, document: Any) -> None:
    (config / name).write_text(yaml.safe_dump(document))


def clusters(*specs: tuple[str, int]) -> dict[str, Any]:
    return {
        "clusters": [
            {
                "name": f"c{i}",
                "cluster_id": f"c{i}",
                "provider_type": "standalone",
                "cluster_dns": f"apps.c{i}.x",
                "supported_instance_type": types,
                "kafka_instance_limit": limit,
            }
            for i, (types, limit) in enumerate(specs)
        ]
    }


def region(**types: Any) -> dict[str, Any]:
    return {
        "supported_providers": [
            {
                "name": "aws",
                "default": True,
                "regions": [{"name": "us-east-1", "default": True, "supported_instance_type": types}],
            }
        ]
    }


LIMIT = "supported_providers[aws].regions[us-east-1].supported_instance_type"


@pytest.mark.parametrize(
    ("cluster_specs", "types", "error"),
    [
        ([("standard", 10)], {"standard": {"limit": 10}}, None),
        ([("standard", 10)], {"standard": {"limit": 8}}, f"{LIMIT}.standard.limit: 8 must equal the 10"),
        ([("standard", 5), ("standard,developer", 10)], {"standard": {"limit": 8}, "developer": {"limit": 7}}, None),
        (
            [("standard", 5), ("standard,developer", 10)],
            {"standard": {"limit": 4}, "developer": {"limit": 10}},
            f"{LIMIT}.standard.limit: 4 must lie between 5",
        ),
        (
            [("standard", 5), ("standard,developer", 10)],
            {"standard": {"limit": 8}, "developer": {"limit": 5}},
            f"{LIMIT}: the limits add up to 13 but the region's schedulable clusters hold 15",
        ),
        ([("standard", 5), ("developer", 5)], {"standard": {"limit": 5}, "developer": {}}, None),
        ([("standard", -1)], {"standard": {"limit": 3}}, None),  # an unlimited cluster holds any limit
        ([], {"standard": {}, "developer": {}}, None),
    ],
)
def test_manual_region_limits_must_match_the_clusters(
    config: Path, settings: Any, cluster_specs: list, types: dict, error: str | None
) -> None:
    settings.FLEET_DATAPLANE_SCALING_TYPE = "manual"
    write(config, "dataplane-cluster-configuration.yaml", clusters(*cluster_specs))
    write(config, "provider-configuration.yaml", region(**types))

    if error is None:
        load_fleet_config(config)
    else:
        with pytest.raises(ConfigError) as raised:
            load_fleet_config(config)
        assert str(raised.value).startswith(f"provider-configuration.yaml: {error}")


def test_auto_mode_needs_machines_for_every_offered_instance_type(config: Path, settings: Any) -> None:
    settings.FLEET_DATAPLANE_SCALING_TYPE = "auto"
    scaling = yaml.safe_load((config / "dynamic-scaling-configuration.yaml").read_text())
    del scaling["compute_machine_per_cloud_provider"]["aws"]["kafka_workload_per_instance_type"]["developer"]
    write(config, "dynamic-scaling-configuration.yaml", scaling)

    with pytest.raises(ConfigError) as raised:
        load_fleet_config(config)

    assert str(raised.value).startswith(
        "dynamic-scaling-configuration.yaml: compute_machine_per_cloud_provider.aws.kafka_workload_per_instance_type:"
    )
    assert "'developer'" in str(raised.value)
