"""Identifiers in upstream's format: xids (github.com/rs/xid).

An xid is 12 bytes (4-byte Unix time, 3-byte machine id, 2-byte pid, 3-byte
counter) written in lowercase base32hex without padding: 20 characters, sortable
by creation time, e.g. ``cht8b2jvjqr0q3m5i1eg``.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import os
import re
import secrets
import socket
import threading
import time

XID_PATTERN = re.compile(r"^[0-9a-v]{20}$")

_machine_id = hashlib.md5(socket.gethostname().encode(), usedforsecurity=False).digest()[:3]
_counter = itertools.count(secrets.randbelow(1 << 24))
_lock = threading.Lock()


def new_xid() -> str:
    with _lock:
        count = next(_counter) & 0xFFFFFF
    raw = (
        int(time.time()).to_bytes(4, "big")
        + _machine_id
        + (os.getpid() & 0xFFFF).to_bytes(2, "big")
        + count.to_bytes(3, "big")
    )
    return base64.b32hexencode(raw).decode("ascii").rstrip("=").lower()


def is_xid(value: str) -> bool:
    return bool(XID_PATTERN.match(value))
