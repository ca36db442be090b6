"""Root URL configuration. The contract names of DESIGN.md section 3 live here (``login``,
``logout``) or in an app's module included without a namespace (``dashboard`` and ``map`` in
``reports.root_urls``); each app's other pages sit under its namespace. Apps are included by
name, so the project shell imports none of them."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from kimtracker import pwa, two_factor
from kimtracker.forms import PasswordChangeForm, PasswordResetForm, SetPasswordForm

# 503 with Retry-After when the database is unavailable, else the plain 500 page.
handler500 = "kimtracker.views.server_error"
# A refused request's message on the 400 page.
handler400 = "kimtracker.views.bad_request"

urlpatterns = [
    # The installable app (kimtracker.pwa): from the root, so the service worker covers it all.
    path("sw.js", pwa.service_worker, name="service_worker"),
    path("manifest.webmanifest", pwa.manifest, name="web_manifest"),
    path("favicon.ico", pwa.favicon, name="favicon"),
    path("", include("reports.root_urls")),
    path("", include("reports.urls")),
    path("", include("villages.urls")),
    # Django's log-in; an account with an authenticator enrolled gives its code next.
    path("akun/masuk/", two_factor.LoginView.as_view(), name="login"),
    path("akun/dua-langkah/", two_factor.VerifyView.as_view(), name="two_factor_verify"),
    path("akun/dua-langkah/atur/", two_factor.SetupView.as_view(), name="two_factor_setup"),
    path("akun/keluar/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "akun/sandi/",
        auth_views.PasswordChangeView.as_view(form_class=PasswordChangeForm),
        name="password_change",
    ),
    path(
        "akun/sandi/selesai/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "akun/reset/",
        auth_views.PasswordResetView.as_view(form_class=PasswordResetForm),
        name="password_reset",
    ),
    path(
        "akun/reset/terkirim/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "akun/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(form_class=SetPasswordForm),
        name="password_reset_confirm",
    ),
    path(
        "akun/reset/selesai/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    # The language switch works on the log-in page too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # The read API (/api/v1/, its documentation /api/docs/) and the tokens it takes.
    path("api/", include("api.urls")),
    path("akun/token/", include("api.token_urls")),
    path("admin/", admin.site.urls),
]
