"""The orjson renderer writes the bytes DRF's JSONRenderer writes for the data our serializers produce."""

from __future__ import annotations

from typing import Any

import pytest
from rest_framework.renderers import JSONRenderer

from fleetmanager.api.renderers import ORJSONRenderer


@pytest.mark.parametrize(
    "data",
    [
        {"kind": "KafkaRequestList", "page": 1, "size": 0, "total": 0, "items": []},
        {"id": "c1", "name": "ünïcødé – 日本", "multi_az": True, "reauthentication_enabled": False, "n": 0},
        {"reason": 'quote " backslash \\ newline \n tab \t control \x01', "nested": [{"a": [1, 2, {"b": None}]}]},
        {"line separators": "a\u2028b\u2029c", "html": "<script>&</script>"},
        [{"x": -1}, "s", 9007199254740993, 0.5],
        {},
    ],
)
def test_the_same_bytes_as_drf(data: Any) -> None:
    assert ORJSONRenderer().render(data) == JSONRenderer().render(data)


def test_no_body_for_none() -> None:
    assert ORJSONRenderer().render(None) == b""
