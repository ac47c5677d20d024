"""Tenant isolation at scale (issue 15): no endpoint ever answers one tenant with another's data.

A world of ten organisations (five with enterprise quota and an enterprise cluster of their own),
three users each, Kafkas spread over four shared standalone clusters and the enterprise ones,
and two service accounts per organisation in the SSO. Each row of `ROWS` is one endpoint (or a
crafted use of one); its test calls it as every principal the row names, against the principal's
own objects and everyone else's, and checks three things:

1. the status: what the row expects (own objects served, foreign ones 404/403, refusals);
2. what is listed: exactly the principal's own objects (an empty answer would prove nothing);
3. the whole body: not one identifier of another tenant in it (Kafka ids and names, owners,
   service-account ids, client ids and names, cluster ids, external ids, DNS names, organisation
   ids), unless the request itself carried it (a crafted search may be echoed in its error).
   For an agent, the tenant is its cluster: the Kafkas of the others are foreign.

Refused writes must change nothing (Kafkas, clusters and service accounts compared before/after).
Every request also passes the upstream contract check of the `Api` client.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import pytest

from clusters.models import Cluster, ClusterStatus, ClusterType
from fleetmanager.devtokens import mint_token
from fleetmanager.emulators import SSOEmulator
from fleetmanager.integrations.sso import ServiceAccount
from fleetmanager.principal import Principal
from kafkas.models import DATA_PLANE_STATUSES, KafkaRequest, KafkaStatus
from kafkas.service_accounts.accounts import service_account_create
from tests.conftest import V1, Api
from tests.factories import ClusterFactory, KafkaFactory

QUOTA_ORGS = ["13640203", "12147054", "13639843", "13785172", "13645369"]  # enterprise quota in the shipped list
OTHER_ORGS = ["71000001", "71000002", "71000003", "71000004", "71000005"]
ORGS = QUOTA_ORGS + OTHER_ORGS
STANDALONE = [f"iso-shared-{n:02d}" for n in range(4)]
KAFKAS_PER_ORG = 8
ACCOUNTS_PER_ORG = 2
ADMIN_ISSUER = "https://admin.example.com/auth/realms/EmployeeIDP"
AGENT_REPORT_READY = {
    "conditions": [{"type": "Ready", "status": "True", "reason": "", "message": ""}],
    "versions": {"kafka": "3.1.0", "strimzi": "strimzi-cluster-operator.v0.23.0-4", "kafkaIbp": "3.1"},
}

# Search strings a tenant might craft to reach further than its organisation (§2.1 grammar, and not).
CRAFTED_SEARCHES = [
    "name like %",
    "name ilike %%",
    "name like _%",
    "owner <> nobody",
    "name = x or name <> x",
    "(name like %) or (owner like %) or (region like %)",
    "region = us-east-1 or region <> us-east-1",
    "name = 'x' or '1' = '1'",
    "name = x' or '1'='1",
    "name = ''' or 1=1 --",
    "name = x; DROP TABLE kafka_requests; --",
    "name like %' or organisation_id like '%",
    "organisation_id = {foreign_org}",
    "organisation_id <> {own_org}",
    "owner = {foreign_owner}",
    "owner in ({foreign_owner}, {own_owner})",
    "name in ({foreign_name}, {own_name})",
    "name = {foreign_name}",
    "id = {foreign_id}",
    "cluster_id = {foreign_cluster}",
    "cluster_id like %",
    "status in (ready, accepted, provisioning, failed, deprovision, deleting)",
    "name not in (x) or owner not in (y)",
    "1 = 1",
    "name = x union select * from kafka_requests",
    "name = \u202eevil\u202c or name like %",
    "name like " + "%" * 300,
]


# --- the world ------------------------------------------------------------------------------------


@dataclass
class Org:
    org_id: str
    users: tuple[str, str, str]  # owner, member, org admin
    kafkas: list[KafkaRequest] = field(default_factory=list)
    accounts: list[ServiceAccount] = field(default_factory=list)
    enterprise: Cluster | None = None

    @property
    def owner(self) -> str:
        return self.users[0]

    @property
    def admin(self) -> str:
        return self.users[2]

    def identifiers(self) -> set[str]:
        """Every string that names something of this organisation."""
        found = {self.org_id, *self.users}
        for kafka in self.kafkas:
            found |= {kafka.id, kafka.name}
        for account in self.accounts:
            found |= {account.id, account.client_id, account.name}
        if self.enterprise is not None:
            found |= cluster_identifiers(self.enterprise)
        return found


def cluster_identifiers(cluster: Cluster) -> set[str]:
    found = {cluster.cluster_id, cluster.external_id, cluster.client_id, cluster.cluster_dns}
    if cluster.cluster_type == ClusterType.ENTERPRISE:
        found.add(cluster.region)  # a customer's own region (the fleet's regions are everyone's)
    return found - {""}


@dataclass
class World:
    orgs: list[Org]
    clusters: list[Cluster]

    def org(self, org_id: str) -> Org:
        return next(org for org in self.orgs if org.org_id == org_id)

    def kafkas_on(self, cluster_id: str) -> list[KafkaRequest]:
        return [kafka for org in self.orgs for kafka in org.kafkas if kafka.cluster_id == cluster_id]

    def foreign_to_org(self, org_id: str) -> set[str]:
        return set().union(*(org.identifiers() for org in self.orgs if org.org_id != org_id))

    def foreign_to_cluster(self, cluster_id: str) -> set[str]:
        """What an agent of `cluster_id` must never see: other clusters and the Kafkas placed on them."""
        found: set[str] = set()
        for cluster in self.clusters:
            if cluster.cluster_id != cluster_id:
                found |= cluster_identifiers(cluster)
                found |= {k.id for k in self.kafkas_on(cluster.cluster_id)} | {
                    k.name for k in self.kafkas_on(cluster.cluster_id)
                }
        return found


def build_world() -> World:
    clusters = [
        ClusterFactory(cluster_id=cid, external_id=str(uuid.uuid4()), status=ClusterStatus.READY) for cid in STANDALONE
    ]
    orgs = []
    statuses = itertools.cycle([KafkaStatus.READY, KafkaStatus.READY, KafkaStatus.PROVISIONING, KafkaStatus.ACCEPTED])
    for o, org_id in enumerate(ORGS):
        org = Org(org_id, (f"o{o:02d}-user-a", f"o{o:02d}-user-b", f"o{o:02d}-admin-c"))
        if org_id in QUOTA_ORGS:
            org.enterprise = ClusterFactory(
                cluster_id=f"{o:02d}" + "e" * 30,
                cluster_type=ClusterType.ENTERPRISE,
                organization_id=org_id,
                # The customer's own cloud: where it runs is its business (some outside the fleet's providers).
                cloud_provider="gcp" if o % 2 else "aws",
                region=f"o{o:02d}-own-region",
                external_id=str(uuid.uuid4()),
                status=ClusterStatus.READY,
            )
            clusters.append(org.enterprise)
        for k in range(KAFKAS_PER_ORG):
            enterprise = org.enterprise is not None and k % 4 == 3
            status = next(statuses)
            org.kafkas.append(
                KafkaFactory(
                    name=f"o{o:02d}-kafka-{k:02d}",
                    owner=org.users[k % 2],
                    organisation_id=org_id,
                    cluster_id=org.enterprise.cluster_id if enterprise else STANDALONE[(o + k) % len(STANDALONE)],
                    status=status,
                    bootstrap_server_host=""
                    if status == KafkaStatus.ACCEPTED
                    else f"o{o:02d}-kafka-{k:02d}.kas.example.com",
                    desired_kafka_billing_model="enterprise" if enterprise else "standard",
                    actual_kafka_billing_model="enterprise" if enterprise else "standard",
                )
            )
        creator = Principal(username=org.owner, org_id=org_id, account_id=f"{org.owner}-id")
        org.accounts = [
            service_account_create(principal=creator, name=f"o{o:02d}-robot-{a}", description="isolation")
            for a in range(ACCOUNTS_PER_ORG)
        ]
        orgs.append(org)
    return World(orgs, clusters)


@pytest.fixture
def world(sso_emulator: SSOEmulator, settings: Any) -> World:
    settings.FLEET_ADMIN_ISSUERS = [ADMIN_ISSUER]
    return build_world()


def state() -> tuple[Any, ...]:
    """What a refused request must leave as it was."""
    return (
        list(KafkaRequest.all_objects.order_by("pk").values_list("pk", "status", "owner", "updated_at", "deleted_at")),
        list(Cluster.all_objects.order_by("pk").values_list("pk", "status", "updated_at")),
    )


# --- principals -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Caller:
    """Who calls, and what is theirs: an organisation, or a cluster (agents), or nothing."""

    name: str
    api: Api
    org_id: str = ""
    cluster_id: str = ""
    user: str = ""


def users(world: World) -> Iterator[Caller]:
    """Every user of every organisation: owner, member, org admin."""
    for org in world.orgs:
        for index, user in enumerate(org.users):
            api = Api().as_user(user, org.org_id, is_org_admin=index == 2, account_id=f"{user}-id")
            yield Caller(f"{user} of {org.org_id}", api, org_id=org.org_id, user=user)


def service_account_callers(world: World) -> Iterator[Caller]:
    """A token of each organisation's first service account: it acts as a member of that organisation."""
    for org in world.orgs:
        account = org.accounts[0]
        token = mint_token(
            username=org.owner,
            client_id=account.client_id,
            extra_claims={"rh-org-id": org.org_id, "rh-user-id": f"{org.owner}-id"},
        )
        yield Caller(f"service account of {org.org_id}", Api().with_token(token), org_id=org.org_id, user=org.owner)


def crafted_claims(world: World) -> Iterator[Caller]:
    """Tokens whose organisation claim tries to match more than one organisation: they own nothing."""
    for org_id in ("' OR '1'='1", "%", "13640203 OR 1=1", "*", "13640203,12147054"):
        yield Caller(f"org claim {org_id!r}", Api().as_user("mallory", org_id), org_id=org_id, user="mallory")


def agents(world: World) -> Iterator[Caller]:
    for cluster in world.clusters:
        api = Api("private", mint_token(client_id=cluster.client_id))
        yield Caller(f"agent of {cluster.cluster_id}", api, cluster_id=cluster.cluster_id)


def not_admins(world: World) -> Iterator[Caller]:
    """Everyone who must not reach the admin API: admin issuer without a role, admin role from another
    issuer, an org admin's user token, an agent's token, no token."""
    org = world.orgs[0]
    tokens = {
        "admin issuer, no role": mint_token(username="sre-nobody", issuer=ADMIN_ISSUER),
        "admin issuer, unrelated role": mint_token(username="sre-x", roles=["offline_access"], issuer=ADMIN_ISSUER),
        "admin role, user issuer": mint_token(username="sre-y", roles=["kas-fleet-manager-admin-full"]),
        "org admin's user token": mint_token(username=org.admin, org_id=org.org_id, is_org_admin=True),
        "agent token": mint_token(client_id=world.clusters[0].client_id),
    }
    for name, token in tokens.items():
        yield Caller(name, Api("admin", token))
    yield Caller("no token", Api("admin"))


# --- the table ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: Any = None


@dataclass(frozen=True)
class Expect:
    statuses: frozenset[int]
    listed: Callable[[Any], set[str]] | None = None  # ids the body lists; must be exactly `own`
    own: Callable[[World, Caller], set[str]] | None = None
    subset: bool = False  # the listed ids may be a part of `own` (a page, a search)
    unchanged: bool = False  # a refused write: nothing in the database moved


@dataclass(frozen=True)
class Row:
    area: str  # the rows of one area share a test (and its world)
    name: str
    callers: Callable[[World], Iterable[Caller]]
    requests: Callable[[World, Caller], Iterable[Request]]
    expect: Expect


def item_ids(body: Any) -> set[str]:
    return {item["id"] for item in body.get("items", [])}


def managed_kafka_ids(body: Any) -> set[str]:
    """The Kafkas an agent is told to run (pre-warming reservations, `reserved-kafka-...`, are nobody's)."""
    return {item["id"] for item in body.get("items", []) if not item["id"].startswith("reserved-kafka-")}


def own_kafkas(world: World, caller: Caller) -> set[str]:
    org = next((org for org in world.orgs if org.org_id == caller.org_id), None)
    return {kafka.id for kafka in org.kafkas} if org else set()


def own_accounts(world: World, caller: Caller) -> set[str]:
    org = next((org for org in world.orgs if org.org_id == caller.org_id), None)
    return {account.id for account in org.accounts} if org else set()


def own_enterprise(world: World, caller: Caller) -> set[str]:
    org = next((org for org in world.orgs if org.org_id == caller.org_id), None)
    return {org.enterprise.cluster_id} if org and org.enterprise else set()


def on_cluster(world: World, caller: Caller) -> set[str]:
    """The Kafkas placed on the agent's cluster that its data plane runs (an accepted one is not there yet)."""
    return {
        kafka.id
        for kafka in world.kafkas_on(caller.cluster_id)
        if kafka.status in DATA_PLANE_STATUSES and kafka.bootstrap_server_host
    }


def next_org(world: World, caller: Caller, step: int = 1) -> Org:
    index = next((i for i, org in enumerate(world.orgs) if org.org_id == caller.org_id), 0)
    return world.orgs[(index + step) % len(world.orgs)]


def foreign_kafkas(world: World, caller: Caller) -> list[KafkaRequest]:
    """Three Kafkas of the next organisation (of every state, one enterprise where it has any), one of each other."""
    neighbour = next_org(world, caller)
    others = [org.kafkas[0] for org in world.orgs if org.org_id not in (caller.org_id, neighbour.org_id)]
    return [*neighbour.kafkas[::3], *others]


def foreign_accounts(world: World, caller: Caller) -> list[ServiceAccount]:
    """Every account of the next organisation, and one of each of the others."""
    neighbour = next_org(world, caller)
    others = [org.accounts[0] for org in world.orgs if org.org_id not in (caller.org_id, neighbour.org_id)]
    return [*neighbour.accounts, *others]


def foreign_enterprise(world: World, caller: Caller) -> list[Cluster]:
    return [org.enterprise for org in world.orgs if org.enterprise and org.org_id != caller.org_id]


def other_clusters(world: World, caller: Caller) -> list[Cluster]:
    return [cluster for cluster in world.clusters if cluster.cluster_id != caller.cluster_id]


def crafted(world: World, caller: Caller) -> Iterator[Request]:
    neighbour = next_org(world, caller)
    own = next((org for org in world.orgs if org.org_id == caller.org_id), neighbour)
    values = {
        "foreign_org": neighbour.org_id,
        "own_org": caller.org_id,
        "foreign_owner": neighbour.owner,
        "own_owner": own.owner,
        "foreign_name": neighbour.kafkas[0].name,
        "own_name": own.kafkas[0].name,
        "foreign_id": neighbour.kafkas[0].id,
        "foreign_cluster": neighbour.enterprise.cluster_id if neighbour.enterprise else STANDALONE[0],
    }
    for search in CRAFTED_SEARCHES:
        yield Request("get", f"{V1}/kafkas?size=500&search={quote(search.format(**values))}")


def everyone(world: World) -> Iterator[Caller]:
    yield from users(world)
    yield from service_account_callers(world)


def org_admins(world: World) -> Iterator[Caller]:
    """The most a user may do in an organisation: change, hand over, delete any of its Kafkas and accounts."""
    return (caller for caller in users(world) if caller.user.endswith("admin-c"))


def members(world: World) -> Iterator[Caller]:
    """Users who own nothing: what they see is what the organisation shows to anyone in it."""
    return (caller for caller in users(world) if caller.user.endswith("user-b"))


def admins_and_members(world: World) -> Iterator[Caller]:
    yield from org_admins(world)
    yield from members(world)


def admins_and_accounts(world: World) -> Iterator[Caller]:
    yield from org_admins(world)
    yield from service_account_callers(world)


def every_fourth_kafka(world: World, caller: Caller) -> list[KafkaRequest]:
    return all_kafkas(world, caller)[::4]


OK = frozenset({200})
HIDDEN = frozenset({404})
REFUSED = frozenset({403, 404})


def each(
    template: str, objects: Callable[[World, Caller], Iterable[Any]], key: str = "id", body: Any = None
) -> Callable[[World, Caller], Iterator[Request]]:
    """One request per object; `body` may be a function of the object's `key` value."""

    def requests(world: World, caller: Caller) -> Iterator[Request]:
        method, _, path = template.partition(" ")
        for obj in objects(world, caller):
            value = getattr(obj, key)
            yield Request(method, path.format(V1=V1, id=value), body(value) if callable(body) else body)

    return requests


def one(template: str, body: Any = None) -> Callable[[World, Caller], Iterator[Request]]:
    """One request per caller (`{cluster}` is an agent's own cluster)."""

    def requests(world: World, caller: Caller) -> Iterator[Request]:
        method, _, path = template.partition(" ")
        yield Request(method, path.format(V1=V1, cluster=caller.cluster_id), body)

    return requests


def all_kafkas(world: World, caller: Caller) -> list[KafkaRequest]:
    return [kafka for org in world.orgs for kafka in org.kafkas]


def first_foreign_per_cluster(world: World, caller: Caller) -> Iterator[KafkaRequest]:
    for cluster in other_clusters(world, caller):
        yield from world.kafkas_on(cluster.cluster_id)[:1]


ROWS = [
    # Public API: lists show exactly the caller's organisation.
    Row("public kafkas", "list kafkas", everyone, one("get {V1}/kafkas?size=500"), Expect(OK, item_ids, own_kafkas)),
    Row(
        "public kafkas",
        "cloud providers: the fleet's, not a customer's",
        everyone,
        one("get {V1}/cloud_providers"),
        Expect(OK, item_ids, lambda world, caller: {"aws"}),
    ),
    Row("public kafkas", "cloud regions", everyone, one("get {V1}/cloud_providers/aws/regions"), Expect(OK)),
    Row("public kafkas", "cloud regions of gcp", everyone, one("get {V1}/cloud_providers/gcp/regions"), Expect(OK)),
    Row(
        "public kafkas",
        "list kafkas, a page",
        everyone,
        one("get {V1}/kafkas?page=2&size=3"),
        Expect(OK, item_ids, own_kafkas, True),
    ),
    Row(
        "public kafkas",
        "list kafkas ordered by organisation",
        users,
        one("get {V1}/kafkas?size=500&orderBy=organisation_id desc"),
        Expect(OK, item_ids, own_kafkas),
    ),
    Row(
        "public kafkas",
        "crafted searches",
        admins_and_accounts,
        crafted,
        Expect(frozenset({200, 400}), item_ids, own_kafkas, True),
    ),
    Row(
        "public kafkas",
        "crafted organisation claims",
        crafted_claims,
        one("get {V1}/kafkas?size=500"),
        Expect(OK, item_ids, own_kafkas),
    ),
    Row(
        "public kafkas",
        "crafted claims search everything",
        crafted_claims,
        crafted,
        Expect(frozenset({200, 400}), item_ids, own_kafkas),
    ),
    # Public API: another organisation's Kafka does not exist for the caller, whatever the verb.
    Row("public kafkas", "get a foreign kafka", everyone, each("get {V1}/kafkas/{id}", foreign_kafkas), Expect(HIDDEN)),
    Row(
        "public kafkas",
        "patch a foreign kafka",
        org_admins,
        each("patch {V1}/kafkas/{id}", foreign_kafkas, body={"reauthentication_enabled": False}),
        Expect(HIDDEN, unchanged=True),
    ),
    Row(
        "public kafkas",
        "hand a foreign kafka over",
        org_admins,
        each("patch {V1}/kafkas/{id}", foreign_kafkas, body={"owner": "mallory"}),
        Expect(HIDDEN, unchanged=True),
    ),
    Row(
        "public kafkas",
        "delete a foreign kafka",
        org_admins,
        each("delete {V1}/kafkas/{id}?async=true", foreign_kafkas),
        Expect(HIDDEN, unchanged=True),
    ),
    Row(
        "public kafkas",
        "promote a foreign kafka",
        org_admins,
        each(
            "post {V1}/kafkas/{id}/promote?async=true", foreign_kafkas, body={"desired_kafka_billing_model": "standard"}
        ),
        Expect(HIDDEN, unchanged=True),
    ),
    Row(
        "public kafkas",
        "metrics of a foreign kafka",
        members,
        each("get {V1}/kafkas/{id}/metrics/query", foreign_kafkas),
        Expect(HIDDEN),
    ),
    Row(
        "public kafkas",
        "metric ranges of a foreign kafka",
        members,
        each("get {V1}/kafkas/{id}/metrics/query_range?duration=5&interval=30", foreign_kafkas),
        Expect(HIDDEN),
    ),
    Row(
        "public kafkas",
        "federate a foreign kafka",
        members,
        each("get {V1}/kafkas/{id}/metrics/federate", foreign_kafkas),
        Expect(HIDDEN),
    ),
    Row(
        "public kafkas",
        "metrics of every kafka, own ones served",
        org_admins,
        each("get {V1}/kafkas/{id}/metrics/query", lambda w, c: w.org(c.org_id).kafkas),
        Expect(OK),
    ),
    # Service accounts: the SSO is the record; the organisation attribute decides.
    Row(
        "service accounts",
        "list service accounts",
        everyone,
        one("get {V1}/service_accounts"),
        Expect(OK, item_ids, own_accounts),
    ),
    Row(
        "service accounts",
        "find a foreign service account by client id",
        admins_and_members,
        each("get {V1}/service_accounts?client_id={id}", foreign_accounts, key="client_id"),
        Expect(REFUSED),
    ),
    Row(
        "service accounts",
        "get a foreign service account",
        admins_and_members,
        each("get {V1}/service_accounts/{id}", foreign_accounts),
        Expect(REFUSED),
    ),
    Row(
        "service accounts",
        "delete a foreign service account",
        org_admins,
        each("delete {V1}/service_accounts/{id}", foreign_accounts),
        Expect(REFUSED, unchanged=True),
    ),
    Row(
        "service accounts",
        "reset a foreign service account's secret",
        org_admins,
        each("post {V1}/service_accounts/{id}/reset_credentials", foreign_accounts),
        Expect(REFUSED, unchanged=True),
    ),
    # Enterprise clusters: the organisation's own only.
    Row(
        "enterprise clusters",
        "list enterprise clusters",
        lambda w: (c for c in users(w) if c.org_id in QUOTA_ORGS),
        one("get {V1}/clusters"),
        Expect(OK, item_ids, own_enterprise),
    ),
    Row(
        "enterprise clusters",
        "get a foreign enterprise cluster",
        users,
        each("get {V1}/clusters/{id}", foreign_enterprise, key="cluster_id"),
        Expect(REFUSED),
    ),
    Row(
        "enterprise clusters",
        "addon parameters of a foreign enterprise cluster",
        org_admins,
        each("get {V1}/clusters/{id}/addon_parameters", foreign_enterprise, key="cluster_id"),
        Expect(REFUSED),
    ),
    Row(
        "enterprise clusters",
        "deregister a foreign enterprise cluster",
        org_admins,
        each("delete {V1}/clusters/{id}?async=true", foreign_enterprise, key="cluster_id"),
        Expect(REFUSED, unchanged=True),
    ),
    Row(
        "enterprise clusters",
        "create a kafka on a foreign enterprise cluster",
        lambda w: (c for c in org_admins(w) if c.org_id in QUOTA_ORGS),
        each(
            "post {V1}/kafkas?async=true",
            foreign_enterprise,
            key="cluster_id",
            body=lambda cluster_id: {"name": "squatter", "cluster_id": cluster_id},
        ),
        Expect(frozenset({403}), unchanged=True),
    ),
    # Admin API: without an admin role of an admin issuer, it does not exist.
    Row("admin API", "admin list", not_admins, one("get {V1}/admin/kafkas?size=500"), Expect(HIDDEN)),
    Row("admin API", "admin get", not_admins, each("get {V1}/admin/kafkas/{id}", every_fourth_kafka), Expect(HIDDEN)),
    Row(
        "admin API",
        "admin patch",
        not_admins,
        each("patch {V1}/admin/kafkas/{id}", every_fourth_kafka, body={"suspended": True}),
        Expect(HIDDEN, unchanged=True),
    ),
    Row(
        "admin API",
        "admin delete",
        not_admins,
        each("delete {V1}/admin/kafkas/{id}?async=true", lambda w, c: all_kafkas(w, c)[:5]),
        Expect(HIDDEN, unchanged=True),
    ),
    Row(
        "admin API",
        "admin revoke certificate",
        not_admins,
        each("post {V1}/admin/kafkas/{id}/revoke_tls_certificate", lambda w, c: all_kafkas(w, c)[:5], body={}),
        Expect(HIDDEN, unchanged=True),
    ),
    # Agents: each sees its own cluster and the Kafkas placed on it.
    Row(
        "agents",
        "agent: its kafkas",
        agents,
        one("get {V1}/agent-clusters/{cluster}/kafkas"),
        Expect(OK, managed_kafka_ids, on_cluster),
    ),
    Row(
        "agents",
        "agent API with a user's or a service account's token",
        everyone,
        lambda world, caller: [Request("get", f"{V1}/agent-clusters/{STANDALONE[0]}/kafkas")],
        Expect(HIDDEN),
    ),
    Row("agents", "agent: its configuration", agents, one("get {V1}/agent-clusters/{cluster}"), Expect(OK)),
    Row(
        "agents",
        "agent: another cluster's kafkas",
        agents,
        each("get {V1}/agent-clusters/{id}/kafkas", other_clusters, key="cluster_id"),
        Expect(HIDDEN),
    ),
    Row(
        "agents",
        "agent: another cluster's configuration",
        agents,
        each("get {V1}/agent-clusters/{id}", other_clusters, key="cluster_id"),
        Expect(HIDDEN),
    ),
    Row(
        "agents",
        "agent: report another cluster's status",
        agents,
        each("put {V1}/agent-clusters/{id}/status", other_clusters, key="cluster_id", body={"conditions": []}),
        Expect(HIDDEN, unchanged=True),
    ),
    Row(
        "agents",
        "agent: observability of another cluster",
        agents,
        each("post {V1}/obs-proxy-verification/{id}", other_clusters, key="external_id"),
        Expect(frozenset({403})),
    ),
]


def named_like_a_foreign_kafka(world: World, caller: Caller) -> Iterator[Request]:
    yield Request("post", f"{V1}/kafkas?async=true", {"name": next_org(world, caller).kafkas[0].name})


def named_like_a_foreign_account(world: World, caller: Caller) -> Iterator[Request]:
    yield Request("post", f"{V1}/service_accounts", {"name": next_org(world, caller).accounts[0].name})


def outside_the_quota_list(world: World) -> Iterator[Caller]:
    """Org admins who own nothing, where a new Kafka is a Trial instance: the create goes through."""
    return (caller for caller in org_admins(world) if caller.org_id in OTHER_ORGS)


# Names are unique within an organisation only: another's name taken must not show (409 would tell it exists).
# Own area: these rows create rows and accounts that the other areas' exact lists would count.
ROWS += [
    Row(
        "names",
        "create a kafka named like a foreign one",
        outside_the_quota_list,
        named_like_a_foreign_kafka,
        Expect(frozenset({202})),
    ),
    Row(
        "names",
        "create a service account named like a foreign one",
        org_admins,
        named_like_a_foreign_account,
        Expect(frozenset({202})),
    ),
]


def reports_for_foreign_kafkas(world: World, caller: Caller) -> Request:
    """A status report, through the agent's own path, for Kafkas that run on other clusters."""
    body = {kafka.id: AGENT_REPORT_READY for kafka in first_foreign_per_cluster(world, caller)}
    return Request("put", f"{V1}/agent-clusters/{caller.cluster_id}/kafkas/status", body)


ROWS.append(
    Row(
        "agents",
        "agent: report other clusters' kafkas",
        agents,
        lambda world, caller: [reports_for_foreign_kafkas(world, caller)],
        Expect(OK, unchanged=True),
    )
)


# --- running the table ------------------------------------------------------------------------------


def foreign_for(world: World, caller: Caller) -> set[str]:
    if caller.cluster_id:
        return world.foreign_to_cluster(caller.cluster_id)
    return (
        world.foreign_to_org(caller.org_id)
        if caller.org_id in ORGS
        else set().union(*(org.identifiers() for org in world.orgs))
    )


def leaks(body: bytes, request: Request, foreign: set[str]) -> list[str]:
    """Foreign identifiers in the body that the request itself did not carry."""
    text = body.decode("utf-8", errors="replace")
    sent = request.path + json.dumps(request.body or {})
    return sorted(token for token in foreign if token in text and token not in sent and quote(token) not in sent)


def accounts_state(sso: SSOEmulator) -> tuple[Any, ...]:
    clients = sorted(json.dumps(client, sort_keys=True, default=str) for client in sso.clients())
    return clients, sso.secrets()


def run_row(row: Row, world: World, sso: SSOEmulator) -> tuple[int, list[str]]:
    checked, problems = 0, []
    for caller in row.callers(world):
        foreign = foreign_for(world, caller)
        for request in row.requests(world, caller):
            before = (state(), accounts_state(sso)) if row.expect.unchanged else None
            response = caller.api.request(request.method, request.path, request.body)
            checked += 1
            where = f"{caller.name}: {request.method.upper()} {request.path}"
            if response.status_code not in row.expect.statuses:
                problems.append(f"{where} -> {response.status_code}, expected {sorted(row.expect.statuses)}")
            if found := leaks(response.content, request, foreign):
                problems.append(f"{where} -> {response.status_code} names another tenant's {found[:5]}")
            if row.expect.listed and response.status_code == 200:
                listed, own = row.expect.listed(response.json()), row.expect.own(world, caller)
                if not (listed <= own if row.expect.subset else listed == own):
                    problems.append(
                        f"{where} listed {sorted(listed - own)[:5]} beyond, {sorted(own - listed)[:5]} missing"
                    )
            if before is not None and (state(), accounts_state(sso)) != before:
                problems.append(f"{where} -> {response.status_code} changed the database or the SSO")
    return checked, problems


AREAS = sorted({row.area for row in ROWS})


def rows_of(area: str) -> list[Row]:
    return [row for row in ROWS if row.area == area]


@pytest.mark.django_db
@pytest.mark.parametrize("area", AREAS)
def test_no_endpoint_answers_one_tenant_with_anothers_data(world: World, sso_emulator: SSOEmulator, area: str) -> None:
    """The rows of one area of the table, on one world (building it is the slow part)."""
    checked, problems = 0, []
    for row in rows_of(area):
        count, found = run_row(row, world, sso_emulator)
        assert count > 0, f"{row.name}: no request"
        checked += count
        problems += [f"[{row.name}] {problem}" for problem in found]

    print(f"{area}: {len(rows_of(area))} rows, {checked} requests checked")
    assert not problems, f"{len(problems)} of {checked} requests:\n" + "\n".join(problems[:40])
