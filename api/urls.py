"""The read API under /api/: /api/v1/ (django-ninja, token-authenticated) and its
documentation /api/docs/ (for signed-in users, from our own static files)."""

from django.urls import path

from . import views
from .endpoints import api

# The login-free endpoints: they answer 401 to a request without a valid token instead of
# sending it to the log-in page. The schema (openapi-json) and the API's root stay for
# signed-in users, as every page.
_TOKEN_ONLY = {
    "wilayah",
    "coverage",
    "comparison",
    "kim_list",
    "kim_detail",
    "kim_activities",
    "targets",
    "monthly_report",
}


def _api_patterns():
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if pattern.name in _TOKEN_ONLY:
            pattern.callback.login_required = False
    return patterns, app_name, namespace


urlpatterns = [
    path("docs/", views.docs, name="api_docs"),
    path("v1/", views.index, name="api_index"),
    path("v1/", _api_patterns()),
]
