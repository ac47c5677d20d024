"""The ``orderBy`` parser: one row per clause form and per error message."""

from __future__ import annotations

import pytest

from fleetmanager.query.ordering import OrderByError, parse_order_by

FIELDS = {
    "name": "name",
    "created_at": "created_at",
    "href": "id",
    "version": "actual_kafka_version",
}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param("", [], id="empty"),
        pytest.param("   ", [], id="blank"),
        pytest.param("name", ["name"], id="field only is ascending"),
        pytest.param("name asc", ["name"], id="explicit ascending"),
        pytest.param("created_at desc", ["-created_at"], id="descending"),
        pytest.param("NAME DESC", ["-name"], id="field and direction are case-insensitive"),
        pytest.param("href", ["id"], id="api field maps to orm field"),
        pytest.param("version desc", ["-actual_kafka_version"], id="mapped descending"),
        pytest.param("name, created_at desc", ["name", "-created_at"], id="several clauses"),
        pytest.param("  name   desc ,created_at  ", ["-name", "created_at"], id="extra spaces ignored"),
    ],
)
def test_parse_order_by(text: str, expected: list[str]) -> None:
    assert parse_order_by(text, FIELDS) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("name desc nulls", "invalid order by clause 'name desc nulls'", id="too many words"),
        pytest.param("name,", "invalid order by clause ''", id="empty clause"),
        pytest.param("name sideways", "invalid order by direction 'sideways'", id="bad direction"),
        pytest.param("name; drop table x", "invalid order by clause 'name; drop table x'", id="injection"),
        pytest.param("id", "unknown order by field 'id'", id="unknown field"),
        pytest.param("Owner desc", "unknown order by field 'Owner'", id="unknown field keeps spelling"),
        pytest.param("name, -created_at", "unknown order by field '-created_at'", id="no django minus syntax"),
    ],
)
def test_parse_order_by_errors(text: str, message: str) -> None:
    with pytest.raises(OrderByError) as caught:
        parse_order_by(text, FIELDS)
    assert str(caught.value) == message


def test_order_by_error_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="unknown order by field"):
        parse_order_by("nope", FIELDS)
