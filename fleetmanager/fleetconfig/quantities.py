"""Kubernetes resource quantities ("50Mi", "1000Gi", "1.5G") and ISO-8601 durations."""

from __future__ import annotations

import functools
import math
import re
from decimal import Decimal, InvalidOperation

_QUANTITY = re.compile(
    r"^(?P<number>[+-]?(?:\d+\.?\d*|\.\d+))(?:(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|m|k|M|G|T|P|E)|[eE](?P<exp>[+-]?\d+))?$"
)
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {"m": Decimal("0.001"), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12, "P": 10**15, "E": 10**18}
_ISO_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")


def parse_quantity(text: str) -> Decimal:
    """The quantity's value; raises ValueError for anything Kubernetes would reject."""
    match = _QUANTITY.match(text.strip()) if isinstance(text, str) else None
    if not match:
        raise ValueError(f"{text!r} is not a valid quantity (e.g. 50Mi, 1000Gi)")
    try:
        number = Decimal(match["number"])
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a valid quantity") from None
    if match["suffix"]:
        multiplier = _BINARY.get(match["suffix"]) or _DECIMAL[match["suffix"]]
        return number * Decimal(multiplier)
    if match["exp"]:
        return number * (Decimal(10) ** int(match["exp"]))
    return number


@functools.lru_cache(maxsize=1024)
def quantity_bytes(text: str) -> int:
    """Whole bytes, rounded up like Kubernetes' Quantity.Value() (cached: lists render the same few sizes)."""
    return math.ceil(parse_quantity(text))


def is_iso_duration(text: str) -> bool:
    return isinstance(text, str) and bool(_ISO_DURATION.match(text))
