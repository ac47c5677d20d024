"""The public API (upstream's kas-fleet-manager.yaml). Also the urlconf of the public schema."""

from django.urls import include, path

from fleetmanager.api import views

V1 = "api/kafkas_mgmt/v1"

urlpatterns = [
    path("api/kafkas_mgmt", views.ApiMetadataView.as_view(), name="api-metadata"),
    path(V1, views.VersionMetadataView.as_view(), name="api-v1-metadata"),
    path(f"{V1}/openapi", views.OpenApiView.as_view(), name="openapi"),
    path(f"{V1}/errors", views.ErrorListView.as_view(), name="error-list"),
    path(f"{V1}/errors/<str:id>", views.ErrorDetailView.as_view(), name="error-detail"),
    path(f"{V1}/", include("kafkas.urls")),
    path(f"{V1}/", include("clusters.urls")),
]
