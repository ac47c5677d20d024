"""`admin-authz-configuration.yaml`: which realm roles may use which HTTP methods on the admin API."""

from __future__ import annotations

from dataclasses import dataclass

from fleetmanager.fleetconfig.reader import Node

FILE = "admin-authz-configuration.yaml"
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


@dataclass(frozen=True, slots=True)
class AdminAuthz:
    roles_by_method: dict[str, frozenset[str]]  # role names lowercased

    def allows(self, method: str, roles: frozenset[str]) -> bool:
        """A method with no entry is always denied; role names match case-insensitively."""
        return bool(self.roles_by_method.get(method.upper(), frozenset()) & roles)


def parse_admin_authz(document: object) -> AdminAuthz:
    root = Node(FILE, document)
    mapping: dict[str, frozenset[str]] = {}
    for item in root.items():
        method = item.string("method").upper()
        if method not in METHODS:
            raise item.error(f"{method!r} must be one of {', '.join(METHODS)}", "method")
        mapping[method] = mapping.get(method, frozenset()) | {r.lower() for r in item.strings("roles")}
    return AdminAuthz(roles_by_method=mapping)
