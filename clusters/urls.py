from django.urls import path
from rest_framework.routers import SimpleRouter

from clusters import views

app_name = "clusters"

router = SimpleRouter(trailing_slash="")
router.register("clusters", views.EnterpriseClusterViewSet, basename="enterprise-cluster")

urlpatterns = [
    *router.urls,
    path("cloud_providers", views.CloudProviderListView.as_view(), name="cloud-providers"),
    path("cloud_providers/<str:id>/regions", views.CloudRegionListView.as_view(), name="cloud-regions"),
]
