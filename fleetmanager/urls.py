"""URL map: every API under /api/kafkas_mgmt/v1 (upstream paths), admin, metrics, health."""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from fleetmanager.api import views

V1 = "api/kafkas_mgmt/v1"


class PublicSchemaView(SpectacularAPIView):
    authentication_classes: list = []
    permission_classes: list = []


class PublicSwaggerView(SpectacularSwaggerView):
    authentication_classes: list = []
    permission_classes: list = []


urlpatterns = [
    path("api/kafkas_mgmt", views.ApiMetadataView.as_view(), name="api-metadata"),
    path(V1, views.VersionMetadataView.as_view(), name="api-v1-metadata"),
    path(f"{V1}/openapi", views.OpenApiView.as_view(), name="openapi"),
    path(f"{V1}/docs/schema", PublicSchemaView.as_view(), name="schema"),
    path(f"{V1}/docs", PublicSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(f"{V1}/errors", views.ErrorListView.as_view(), name="error-list"),
    path(f"{V1}/errors/<str:id>", views.ErrorDetailView.as_view(), name="error-detail"),
    path(f"{V1}/", include("kafkas.urls")),
    path(f"{V1}/", include("clusters.urls")),
    re_path(r"^api/kafkas_mgmt(?P<rest>/.*)?$", views.api_not_found),
    path("admin/", admin.site.urls),
    path("healthz", views.healthz, name="healthz"),
    path("", include("django_prometheus.urls")),
]

handler500 = "fleetmanager.api.views.server_error"
