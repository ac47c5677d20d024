from django.urls import path

from kafkas.observability import views

app_name = "observability"

urlpatterns = [
    path("kafkas/<str:id>/metrics/query", views.MetricsQueryView.as_view(), name="metrics-query"),
    path("kafkas/<str:id>/metrics/query_range", views.MetricsQueryRangeView.as_view(), name="metrics-query-range"),
    path("kafkas/<str:id>/metrics/federate", views.FederateView.as_view(), name="metrics-federate"),
]
