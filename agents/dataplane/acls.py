"""The static ACLs of kas-fleetshard's custom authorizer, as broker configuration (``kas.authorizer.*``).

Rules are kas-fleetshard's: every principal may describe; cluster operations are denied
except ACL management and idempotent writes; the internal topics and everything under
the reserved ``__redhat_`` prefix are denied to users; each owner gets full control of
topics, groups and transactional ids; the canary may only use its own topic and group.
A suspended instance denies everything instead of granting its owners.
"""

from __future__ import annotations

from typing import Any

PREFIX = "kas.authorizer."
AUTHORIZER_CLASS = "io.bf2.kafka.authorizer.CustomAclAuthorizer"
PRIVATE_PREFIX = "__redhat_"
CANARY_TOPIC = f"{PRIVATE_PREFIX}strimzi_canary"
CANARY_GROUP = f"{PRIVATE_PREFIX}strimzi_canary_group"
# Listener the SRE tooling (must-gather, canary checks) uses without ACLs.
ALLOWED_LISTENERS = "SRE-9096"

GLOBAL = (
    "default=true;permission=allow;topic=*;operations=describe,describe_configs",
    "default=true;permission=allow;group=*;operations=describe",
    "default=true;permission=allow;cluster=*;operations=describe",
    "permission=deny;cluster=*;operations-except=alter,describe,idempotent_write",
    "permission=deny;cluster=*;operations=alter;apis-except=create_acls,delete_acls",
    "permission=deny;cluster=*;operations=describe;apis-except=describe_acls",
    "permission=allow;cluster=*;operations=idempotent_write",
    "priority=1;permission=deny;topic=__consumer_offsets;operations=all",
    "priority=1;permission=deny;topic=__transaction_state;operations=all",
    f"priority=1;permission=deny;topic={PRIVATE_PREFIX}*;operations=all",
    f"priority=1;permission=deny;group={PRIVATE_PREFIX}*;operations=all",
    f"priority=1;permission=deny;transactional_id={PRIVATE_PREFIX}*;operations=all",
)
SUSPENDED = (
    "priority=1;permission=deny;topic=*;operations=all",
    "priority=1;permission=deny;group=*;operations=all",
    "priority=1;permission=deny;cluster=*;operations=all",
)
OWNER = (
    "priority=1;permission=allow;principal={principal};cluster=*;operations=describe;apis=describe_acls",
    "priority=1;permission=allow;principal={principal};cluster=*;operations=alter;apis=create_acls,delete_acls",
    "priority=1;permission=allow;principal={principal};topic=*;operations=all",
    "priority=1;permission=allow;principal={principal};group=*;operations=all",
    "priority=1;permission=allow;principal={principal};transactional_id=*;operations=all",
)
CANARY = (
    "priority=0;permission=allow;principal={principal};cluster=*;operations=describe;apis=list_partition_reassignments",
    "priority=0;permission=allow;principal={principal};cluster=*;operations=alter;apis=alter_partition_reassignments",
    f"priority=0;permission=allow;principal={{principal}};topic={CANARY_TOPIC};"
    "operations=create,describe,read,write,alter,alter_configs",
    f"priority=0;permission=allow;principal={{principal}};group={CANARY_GROUP};operations=describe,read",
    "priority=1;permission=deny;principal={principal};topic=*;operations=all",
    "priority=1;permission=deny;principal={principal};group=*;operations=all",
    "priority=1;permission=deny;principal={principal};transactional_id=*;operations=all",
)
LOGGING = (
    "cluster=*;listeners=(REPLICATION-9091|CONTROLPLANE-9090);operations=describe,read;level=DEBUG",
    "topic=*;listeners=(REPLICATION-9091|CONTROLPLANE-9090);operations=describe,read;level=DEBUG",
    "cluster=*;apis=fetch,list_groups,describe_configs;level=DEBUG",
    "topic=*;apis=list_offsets;level=DEBUG",
    "topic=*;operations=describe;level=DEBUG",
    f"priority=1;topic={PRIVATE_PREFIX}*;operations=describe,read,write;level=DEBUG",
    "group=*;apis=offset_fetch,offset_commit,heartbeat,describe_groups,list_groups;level=DEBUG",
)
RESOURCE_OPERATIONS = (
    '{ "cluster": [ "describe", "alter" ], "group": [ "all", "delete", "describe", "read" ], '
    '"topic": [ "all", "alter", "alter_configs", "create", "delete", "describe", "describe_configs", "read", '
    '"write" ], "transactional_id": [ "all", "describe", "write" ] }'
)


def authorization() -> dict[str, Any]:
    return {"type": "custom", "authorizerClass": AUTHORIZER_CLASS}


def acl_config(*, owners: list[str], canary_principal: str | None, suspended: bool) -> dict[str, Any]:
    """Numbered rules (``kas.authorizer.acl.001``, ...) in the order the authorizer reads them."""
    rules = list(GLOBAL)
    if suspended:
        rules += SUSPENDED
    else:
        rules += [rule.format(principal=owner) for owner in owners for rule in OWNER]
    if canary_principal:
        rules += [rule.format(principal=canary_principal) for rule in CANARY]
    config: dict[str, Any] = {
        f"{PREFIX}allowed-listeners": ALLOWED_LISTENERS,
        f"{PREFIX}acl.logging.suppressionWindow.duration": "PT300S",
        f"{PREFIX}acl.logging.suppressionWindow.apis": "PRODUCE,FETCH,JOIN_GROUP,SYNC_GROUP,OFFSET_COMMIT,"
        "ADD_PARTITIONS_TO_TXN,ADD_OFFSETS_TO_TXN,TXN_OFFSET_COMMIT,END_TXN",
        f"{PREFIX}acl.logging.suppressionWindow.eventCount": 5000,
        f"{PREFIX}resource-operations": RESOURCE_OPERATIONS,
    }
    config.update({f"{PREFIX}acl.{index:03d}": rule for index, rule in enumerate(rules, start=1)})
    config.update({f"{PREFIX}acl.logging.{index:03d}": rule for index, rule in enumerate(LOGGING, start=1)})
    return config
