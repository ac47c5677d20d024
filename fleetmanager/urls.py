"""URL map: every API under /api/kafkas_mgmt/v1 (upstream paths), docs, admin, metrics.

/healthz and /readyz are answered before routing (fleetmanager.health).
"""

from django.contrib import admin
from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from fleetmanager.api import admin_urls, private_urls, public_urls, views
from fleetmanager.api.public_urls import V1
from fleetmanager.metrics import metrics_view
from fleetmanager.views import landing


class PublicSchemaView(SpectacularAPIView):
    authentication_classes: list = []
    permission_classes: list = []


class PublicSwaggerView(SpectacularSwaggerView):
    authentication_classes: list = []
    permission_classes: list = []


urlpatterns = [
    *public_urls.urlpatterns,
    *private_urls.urlpatterns,
    *admin_urls.urlpatterns,
    # Generated schemas: one per upstream contract, as upstream keeps them in separate files.
    path(f"{V1}/docs/schema", PublicSchemaView.as_view(urlconf=public_urls), name="schema"),
    path(f"{V1}/docs/private/schema", PublicSchemaView.as_view(urlconf=private_urls), name="schema-private"),
    path(f"{V1}/docs/admin/schema", PublicSchemaView.as_view(urlconf=admin_urls), name="schema-admin"),
    path(f"{V1}/docs", PublicSwaggerView.as_view(url_name="schema"), name="swagger-ui"),
    path(f"{V1}/docs/private", PublicSwaggerView.as_view(url_name="schema-private"), name="swagger-ui-private"),
    path(f"{V1}/docs/admin", PublicSwaggerView.as_view(url_name="schema-admin"), name="swagger-ui-admin"),
    # Every other path under the API prefix, whatever characters it holds (an encoded newline too).
    re_path(r"^api/kafkas_mgmt(?:/[\s\S]*)?$", views.api_not_found),
    path("admin/", admin.site.urls),
    path("oidc/", include("mozilla_django_oidc.urls")),
    path("", landing, name="landing"),
    path("metrics", metrics_view, name="metrics"),
]

handler400 = "fleetmanager.api.views.bad_request"
handler404 = "fleetmanager.api.views.page_not_found"
handler500 = "fleetmanager.api.views.server_error"
