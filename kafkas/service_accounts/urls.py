from django.urls import path

from kafkas.service_accounts import views

app_name = "service_accounts"

urlpatterns = [
    path("service_accounts", views.ServiceAccountsView.as_view(), name="service-accounts"),
    path("service_accounts/<str:id>", views.ServiceAccountView.as_view(), name="service-account"),
    path(
        "service_accounts/<str:id>/reset_credentials",
        views.ResetCredentialsView.as_view(),
        name="service-account-reset-credentials",
    ),
    path("sso_providers", views.SsoProvidersView.as_view(), name="sso-providers"),
]
