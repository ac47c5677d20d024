"""The schema drf-spectacular generates must describe the upstream contract: same paths,
methods, operationIds and status codes for every operation we implement."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from drf_spectacular.generators import SchemaGenerator

from tests.contract import OPENAPI_DIR, SPEC_FILES, STATUS_ERRATA

METHODS = ("get", "post", "put", "patch", "delete")


def _operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {
        (method.upper(), path): operation
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in METHODS
    }


URLCONFS = {
    "public": "fleetmanager.api.public_urls",
    "private": "fleetmanager.api.private_urls",
    "admin": "fleetmanager.api.admin_urls",
}


@cache
def generated() -> dict[tuple[str, str], dict[str, Any]]:
    """Every operation of every generated schema (one schema per upstream contract)."""
    operations: dict[tuple[str, str], dict[str, Any]] = {}
    for urlconf in URLCONFS.values():
        operations.update(_operations(SchemaGenerator(urlconf=urlconf).get_schema(request=None, public=True)))
    return operations


@cache
def upstream() -> dict[tuple[str, str], tuple[str, frozenset[str]]]:
    """operationId and status codes per operation of all three contracts, with the status errata applied."""
    result = {}
    for spec, filename in SPEC_FILES.items():
        document = yaml.safe_load((Path(OPENAPI_DIR) / filename).read_text())
        for (method, path), operation in _operations(document).items():
            statuses = set(operation["responses"])
            for erratum in STATUS_ERRATA:
                if erratum.spec == spec and erratum.operation == f"{method} {path}":
                    statuses = (statuses - {erratum.documented}) | {erratum.actual}
            result[(method, path)] = (operation["operationId"], frozenset(statuses))
    return result


@pytest.mark.parametrize("key", sorted(generated()), ids=lambda key: f"{key[0]} {key[1]}")
def test_each_generated_operation_matches_the_upstream_contract(key: tuple[str, str]) -> None:
    method, path = key
    assert key in upstream(), f"{method} {path} is not in any upstream contract"
    operation_id, statuses = upstream()[key]
    ours = generated()[key]
    assert ours["operationId"] == operation_id
    assert set(ours["responses"]) == statuses, f"ours {sorted(ours['responses'])} vs upstream {sorted(statuses)}"


def test_the_generated_schema_names_every_path_parameter_like_upstream() -> None:
    for _method, path in generated():
        assert "{pk}" not in path, path
