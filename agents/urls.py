from django.urls import path

from agents import views

app_name = "agents"

urlpatterns = [
    path("agent-clusters/<str:id>", views.AgentClusterView.as_view(), name="agent-cluster"),
    path("agent-clusters/<str:id>/status", views.AgentClusterStatusView.as_view(), name="agent-cluster-status"),
    path("agent-clusters/<str:id>/kafkas", views.AgentKafkasView.as_view(), name="agent-kafkas"),
    path("agent-clusters/<str:id>/kafkas/status", views.AgentKafkaStatusView.as_view(), name="agent-kafka-status"),
    path(
        "obs-proxy-verification/<str:cluster_external_id>",
        views.ObservabilityProxyVerificationView.as_view(),
        name="obs-proxy-verification",
    ),
]
