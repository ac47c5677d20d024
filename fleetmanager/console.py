"""The SRE console's site: a fleet dashboard as its index, OIDC-only login in production, "View site" to /.

Apps add dashboard panels from their ``admin`` modules (``register_panel``), so this core
module knows no app. A panel is a table: a title, column names, rows of cells (text, or
HTML made with ``format_html``) and an optional link to the full list.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html, format_html_join

from fleetmanager import errors
from fleetmanager.audit import Actor
from fleetmanager.models import AuditEntry


@dataclass(frozen=True, slots=True)
class Table:
    columns: Sequence[str]
    rows: Sequence[Sequence[Any]]
    empty: str = "nothing to show"
    more_url: str = ""
    more_text: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True, order=True)
class Panel:
    order: int
    title: str = field(compare=False)
    build: Callable[[HttpRequest], Table] = field(compare=False)
    permission: str = field(compare=False, default="")


_panels: list[Panel] = []
# The live counts the landing page shows ("Kafkas", "data-plane clusters"), registered by the apps.
_counts: dict[str, Callable[[], int]] = {}


def register_count(label: str, count: Callable[[], int]) -> None:
    _counts[label] = count


def live_counts() -> list[tuple[str, int]]:
    return [(label, count()) for label, count in _counts.items()]


def register_panel(title: str, *, order: int, permission: str = "") -> Callable:
    """Add a dashboard panel; ``permission`` (e.g. ``kafkas.view_kafkarequest``) hides it from users without it."""

    def decorate(build: Callable[[HttpRequest], Table]) -> Callable[[HttpRequest], Table]:
        if not any(p.title == title for p in _panels):
            _panels.append(Panel(order, title, build, permission))
        return build

    return decorate


class FleetAdminSite(admin.AdminSite):
    site_header = "Fleet manager SRE console"
    site_title = "Fleet manager SRE console"
    index_title = "Fleet dashboard"
    site_url = "/"
    # The Kafka list needs the width; the index lists every model anyway.
    enable_nav_sidebar = False
    index_template = "admin/fleet_index.html"
    login_template = "admin/fleet_login.html"

    def index(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        panels = [
            (panel.title, panel.build(request))
            for panel in sorted(_panels)
            if not panel.permission or request.user.has_perm(panel.permission)
        ]
        return super().index(request, {"panels": panels, **(extra_context or {})})

    def login(self, request: HttpRequest, extra_context: dict[str, Any] | None = None) -> HttpResponse:
        if settings.FLEET_OIDC_LOGIN_ONLY and not request.user.is_authenticated:
            # Production: staff log in through the identity provider only; no local passwords.
            target = request.GET.get("next") or reverse("admin:index")
            return HttpResponseRedirect(f"{reverse('oidc_authentication_init')}?{urlencode({'next': target})}")
        context = {"oidc_enabled": settings.FLEET_OIDC_ENABLED, **(extra_context or {})}
        return super().login(request, context)


# --- helpers the apps' admin modules share ---------------------------------------------------------


def staff_actor(request: HttpRequest) -> Actor:
    return Actor.of_staff(request.user, source_address=request.META.get("REMOTE_ADDR"))


def run_on_each(
    modeladmin: admin.ModelAdmin, request: HttpRequest, rows: QuerySet, verb: str, call: Callable[[Any], Any]
) -> None:
    """Call ``call(row)`` for each selected row; one message for what was done, one per refusal."""
    done = []
    for row in rows:
        try:
            call(row)
        except errors.ServiceError as exc:
            modeladmin.message_user(request, f"{row}: not {verb}: {exc.reason}", messages.ERROR)
        else:
            done.append(str(row))
    if done:
        modeladmin.message_user(request, f"{verb.capitalize()}: {', '.join(done)}", messages.SUCCESS)


class InputFilter(admin.SimpleListFilter):
    """A free-text filter (organisation, cluster): too many values for a list of links."""

    template = "admin/input_filter.html"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("", "")]  # Django shows a filter only when it has choices

    def choices(self, changelist: Any) -> Any:
        query = {k: v for k, v in changelist.get_filters_params().items() if k != self.parameter_name}
        yield {"query_items": list(query.items()), "value": self.value() or "", "parameter": self.parameter_name}

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        value = (self.value() or "").strip()
        return queryset.filter(**{self.parameter_name: value}) if value else queryset


def audit_trail(object_type: str, object_id: str, limit: int = 20) -> str:
    """The newest audit entries of one object as a small table, with a link to all of them."""
    entries = AuditEntry.objects.filter(object_type=object_type, object_id=object_id)[:limit]
    url = reverse("admin:fleetmanager_auditentry_changelist")
    link = format_html(
        '<a href="{}?{}">all audit entries of this {}</a>',
        url,
        urlencode({"object_type__exact": object_type, "q": object_id}),
        object_type,
    )
    if not entries:
        return format_html("none yet ({})", link)
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        (
            (f"{e.created_at:%Y-%m-%d %H:%M:%S}", e.actor, e.action, e.outcome, e.error or e.changes or "")
            for e in entries
        ),
    )
    return format_html(
        "<table><tr><th>when</th><th>who</th><th>action</th><th>outcome</th><th>changes / error</th></tr>{}</table>{}",
        rows,
        link,
    )
