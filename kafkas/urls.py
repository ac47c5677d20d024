from django.urls import include, path
from rest_framework.routers import SimpleRouter

from kafkas import views

app_name = "kafkas"

router = SimpleRouter(trailing_slash="")
router.register("kafkas", views.KafkaViewSet, basename="kafka")

urlpatterns = [
    path(
        "instance_types/<str:cloud_provider>/<str:cloud_region>",
        views.InstanceTypesView.as_view(),
        name="instance-types",
    ),
    *router.urls,
    path("", include("kafkas.service_accounts.urls")),
    path("", include("kafkas.observability.urls")),
]
