"""Route53 CNAMEs for the Kafkas' routes (BEHAVIOUR.md §4.4, §4.5), through boto3.

Each Kafka route (``<prefix>-<bootstrap host>`` under the Kafka domain) is a CNAME to the
data-plane cluster's router, TTL 300, in the hosted zone named after the Kafka domain.
Changes are UPSERTs, so submitting the same records again (a retried step whose first answer
was lost) changes nothing; deletions remove only the records that exist, so deleting twice is
harmless too. No lease can fence a call to AWS: this idempotence is what makes retries safe.

boto3 is always given explicit credentials and region: it must never fall back to its default
credential chain, which asks the instance-metadata endpoint of whatever machine it runs on.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from fleetmanager.integrations.http import IntegrationError

logger = logging.getLogger(__name__)

# Route53 is a global service; upstream signs for us-east-1 whatever the Kafka's cloud (§4.4).
REGION = "us-east-1"
TTL_SECONDS = 300
INSYNC = "INSYNC"


class DNSError(IntegrationError):
    service = "route53"


@dataclass(frozen=True, slots=True)
class Record:
    """A CNAME: ``name`` points at ``target``."""

    name: str
    target: str


@dataclass(frozen=True, slots=True)
class Change:
    """A submitted change batch; Route53 applies it everywhere when ``status`` is INSYNC."""

    id: str
    status: str

    @property
    def in_sync(self) -> bool:
        return self.status == INSYNC


class Route53Client:
    """The hosted zone of one domain; zone ids are looked up once and cached."""

    def __init__(
        self,
        *,
        access_key_id: str,
        secret_access_key: str,
        endpoint_url: str | None = None,
        timeout: float = 10.0,
        retries: int = 3,
    ) -> None:
        if not access_key_id or not secret_access_key:
            raise ImproperlyConfigured("Route53 needs FLEET_ROUTE53_ACCESS_KEY_ID and FLEET_ROUTE53_SECRET_ACCESS_KEY")
        session = boto3.session.Session(
            aws_access_key_id=access_key_id, aws_secret_access_key=secret_access_key, region_name=REGION
        )
        config = Config(
            connect_timeout=timeout,
            read_timeout=timeout,
            # botocore's standard mode retries throttling, 5xx and connection errors with backoff.
            retries={"total_max_attempts": retries + 1, "mode": "standard"},
        )
        self._route53 = session.client("route53", endpoint_url=endpoint_url or None, config=config)
        self._zones: dict[str, str] = {}
        self._lock = threading.Lock()

    def hosted_zone_id(self, domain: str) -> str:
        """The id of the public hosted zone named ``domain``."""
        name = _absolute(domain)
        with self._lock:
            if name in self._zones:
                return self._zones[name]
        answer = self._call("ListHostedZonesByName", DNSName=name, MaxItems="1")
        zone = next((z for z in answer.get("HostedZones", []) if z.get("Name") == name), None)
        if zone is None:
            raise DNSError(f"no hosted zone named {name}", retryable=False)
        zone_id = str(zone["Id"]).rsplit("/", 1)[-1]
        with self._lock:
            self._zones[name] = zone_id
        return zone_id

    def upsert_cnames(self, domain: str, records: Iterable[Record]) -> Change:
        """Create or update the CNAMEs in one change batch."""
        changes = [_change("UPSERT", record) for record in records]
        return self._submit(domain, changes, "UPSERT")

    def delete_cnames(self, domain: str, records: Iterable[Record]) -> Change | None:
        """Delete those of the CNAMEs that exist (as they are now); None when none exists."""
        zone_id = self.hosted_zone_id(domain)
        existing = [found for record in records if (found := self._existing(zone_id, record.name)) is not None]
        if not existing:
            return None
        return self._submit(domain, [{"Action": "DELETE", "ResourceRecordSet": found} for found in existing], "DELETE")

    def change(self, change_id: str) -> Change:
        """The change's status now (PENDING, then INSYNC)."""
        info = self._call("GetChange", Id=change_id)["ChangeInfo"]
        return Change(id=_change_id(info["Id"]), status=str(info["Status"]))

    def cnames(self, domain: str) -> list[Record]:
        """Every CNAME of the domain's zone (for operators and tests)."""
        zone_id = self.hosted_zone_id(domain)
        paginator = self._route53.get_paginator("list_resource_record_sets")
        found = []
        try:
            for page in paginator.paginate(HostedZoneId=zone_id):
                for record_set in page.get("ResourceRecordSets", []):
                    if record_set.get("Type") == "CNAME":
                        for value in record_set.get("ResourceRecords", []):
                            found.append(Record(record_set["Name"].rstrip("."), value["Value"]))
        except (ClientError, BotoCoreError) as exc:
            raise _error("ListResourceRecordSets", exc) from exc
        return found

    # --- plumbing -----------------------------------------------------------------------------

    def _existing(self, zone_id: str, name: str) -> dict[str, Any] | None:
        answer = self._call(
            "ListResourceRecordSets",
            HostedZoneId=zone_id,
            StartRecordName=_absolute(name),
            StartRecordType="CNAME",
            MaxItems="1",
        )
        return next(
            (
                record_set
                for record_set in answer.get("ResourceRecordSets", [])
                if record_set.get("Name") == _absolute(name) and record_set.get("Type") == "CNAME"
            ),
            None,
        )

    def _submit(self, domain: str, changes: list[dict[str, Any]], action: str) -> Change:
        zone_id = self.hosted_zone_id(domain)
        batch = {"Comment": f"fleet manager: {action} {len(changes)} Kafka route(s)", "Changes": changes}
        info = self._call("ChangeResourceRecordSets", HostedZoneId=zone_id, ChangeBatch=batch)["ChangeInfo"]
        change = Change(id=_change_id(info["Id"]), status=str(info["Status"]))
        logger.info(
            "route53: %s of %d record(s) in %s: change %s %s", action, len(changes), domain, change.id, change.status
        )
        return change

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        method = getattr(self._route53, _snake(operation))
        try:
            return method(**params)
        except (ClientError, BotoCoreError) as exc:
            raise _error(operation, exc) from exc


def _error(operation: str, exc: Exception) -> DNSError:
    """A DNSError naming the operation and AWS's error code; a client error (4xx) is not retryable."""
    if isinstance(exc, ClientError):
        status = exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        code = exc.response.get("Error", {}).get("Code", "")
        message = str(exc.response.get("Error", {}).get("Message", ""))[:200]
        return DNSError(f"{operation} -> {status} {code}: {message}", status_code=status)
    return DNSError(f"{operation} failed: {type(exc).__name__}", retryable=True)


def _change(action: str, record: Record) -> dict[str, Any]:
    return {
        "Action": action,
        "ResourceRecordSet": {
            "Name": record.name,
            "Type": "CNAME",
            "TTL": TTL_SECONDS,
            "ResourceRecords": [{"Value": record.target}],
        },
    }


def _absolute(name: str) -> str:
    return name if name.endswith(".") else f"{name}."


def _change_id(value: str) -> str:
    return str(value).rsplit("/", 1)[-1]


def _snake(operation: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in operation).lstrip("_")


@functools.cache
def route53_client() -> Route53Client:
    """The process's Route53 client, built from the FLEET_ROUTE53_* settings on first use."""
    return Route53Client(
        access_key_id=settings.FLEET_ROUTE53_ACCESS_KEY_ID,
        secret_access_key=settings.FLEET_ROUTE53_SECRET_ACCESS_KEY,
        endpoint_url=settings.FLEET_ROUTE53_ENDPOINT_URL,
        timeout=settings.FLEET_ROUTE53_TIMEOUT_SECONDS,
        retries=settings.FLEET_ROUTE53_RETRIES,
    )


def reset_route53_client() -> None:
    """Drop the cached client (tests change the settings it was built from)."""
    route53_client.cache_clear()
