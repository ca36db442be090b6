"""The user's own personal access tokens, on their account pages (/akun/token/)."""

from django.urls import path

from . import views

urlpatterns = [
    path("", views.TokenListView.as_view(), name="api_tokens"),
    path("<int:pk>/cabut/", views.revoke, name="api_token_revoke"),
]
