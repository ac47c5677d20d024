from rest_framework.routers import SimpleRouter

from kafkas.admin_api import views

app_name = "kafkas_admin_api"

router = SimpleRouter(trailing_slash="")
router.register("admin/kafkas", views.AdminKafkaViewSet, basename="admin-kafka")

urlpatterns = router.urls
