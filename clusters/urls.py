from django.urls import path

from clusters import views

app_name = "clusters"

urlpatterns = [
    path("cloud_providers", views.CloudProviderListView.as_view(), name="cloud-providers"),
    path("cloud_providers/<str:id>/regions", views.CloudRegionListView.as_view(), name="cloud-regions"),
]
