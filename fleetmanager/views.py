"""The landing page at `/`: what this service is, where its API, docs, console, metrics and health are."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fleetmanager.console import live_counts


def landing(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "landing.html",
        {"counts": live_counts(), "server_version": settings.FLEET_SERVER_VERSION, "environment": settings.FLEET_ENV},
    )
