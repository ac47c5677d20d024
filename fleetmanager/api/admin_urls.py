"""The admin API (upstream's kas-fleet-manager-private-admin.yaml); urlconf of its schema."""

from django.urls import include, path

from fleetmanager.api.public_urls import V1

urlpatterns = [
    path(f"{V1}/", include("kafkas.admin_api.urls")),
]
