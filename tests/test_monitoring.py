"""deploy/monitoring: the alerting rules pass promtool's check and their unit tests, and the rules
and the Grafana dashboard query only series the service exposes, with valid PromQL."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from django.conf import settings
from prometheus_client import REGISTRY

MONITORING = Path(settings.BASE_DIR) / "deploy" / "monitoring"
PROMTOOL = shutil.which("promtool")
needs_promtool = pytest.mark.skipif(
    PROMTOOL is None, reason="promtool is missing: `make test-servers` installs Debian's prometheus package (root)"
)

# Our metrics' names as they appear in PromQL (recording rules are named sli:...).
METRIC_NAME = re.compile(r"\b(api_inbound_\w+|kas_fleet_manager_\w+|strimzi_version|kafka_version|kafka_ibp_version)\b")


def rules() -> dict[str, Any]:
    return yaml.safe_load((MONITORING / "rules.yaml").read_text())


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((MONITORING / "dashboard.json").read_text())
    return [target["expr"] for panel in dashboard["panels"] for target in panel.get("targets", [])]


def exposed_names(client: Any) -> set[str]:
    """Every series name /metrics can serve: this process's families (histograms with their
    _bucket/_count/_sum) and the gauges read from the database."""
    names = set()
    for family in REGISTRY.collect():
        names.add(family.name)
        if family.type == "histogram":
            names.update(f"{family.name}{suffix}" for suffix in ("_bucket", "_count", "_sum"))
    body = client.get("/metrics").content.decode()
    names.update(line.split()[2] for line in body.splitlines() if line.startswith("# HELP "))
    return names


@needs_promtool
def test_the_rules_pass_promtools_check() -> None:
    result = subprocess.run([PROMTOOL, "check", "rules", "rules.yaml"], cwd=MONITORING, capture_output=True, text=True)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@needs_promtool
def test_the_rules_unit_tests_pass() -> None:
    result = subprocess.run(
        [PROMTOOL, "test", "rules", "rules.test.yaml"], cwd=MONITORING, capture_output=True, text=True, timeout=300
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_every_slo_has_a_paging_and_a_ticket_alert_over_two_window_pairs() -> None:
    alerts = {rule["alert"]: rule for group in rules()["groups"] for rule in group["rules"] if "alert" in rule}
    for slo in ("APIAvailability", "APILatency", "KafkaProvisioning", "KafkaProvisioningLatency"):
        page, ticket = alerts[f"FleetManager{slo}BurnRateCritical"], alerts[f"FleetManager{slo}BurnRateHigh"]
        assert page["labels"]["severity"] == "critical" and ticket["labels"]["severity"] == "warning"
        for rule, windows in (
            (page, ("rate1h", "rate5m", "rate6h", "rate30m")),
            (ticket, ("rate1d", "rate2h", "rate3d")),
        ):
            for window in windows:
                assert f"error_ratio_{window} " in rule["expr"], (rule["alert"], window)


@pytest.mark.django_db
def test_rules_and_dashboard_query_only_series_the_service_exposes(client: Any) -> None:
    exposed = exposed_names(client)
    recorded = {rule["record"] for group in rules()["groups"] for rule in group["rules"] if "record" in rule}
    expressions = [rule["expr"] for group in rules()["groups"] for rule in group["rules"]] + dashboard_expressions()

    used = {name for expr in expressions for name in METRIC_NAME.findall(expr)}
    recorded_used = {name for expr in expressions for name in re.findall(r"\bsli:\w+:\w+", expr)}

    assert used, "the expressions name our metrics"
    assert used - exposed == set()
    assert recorded_used - recorded == set()


@needs_promtool
def test_the_dashboards_queries_are_valid_promql(tmp_path: Path) -> None:
    # promtool parses every expression of a rules file: the dashboard's, as recording rules.
    as_rules = {
        "groups": [
            {
                "name": "dashboard",
                "rules": [{"record": f"dashboard:q{i}", "expr": e} for i, e in enumerate(dashboard_expressions())],
            }
        ]
    }
    (tmp_path / "dashboard-rules.yaml").write_text(yaml.safe_dump(as_rules))

    result = subprocess.run(
        [PROMTOOL, "check", "rules", str(tmp_path / "dashboard-rules.yaml")], capture_output=True, text=True
    )

    assert result.returncode == 0, result.stdout + result.stderr
