"""The pages at the root of the site whose URL names are part of the contract (DESIGN.md
section 3): ``dashboard`` and ``map``, without a namespace. ``kimtracker.urls`` includes this
module without one, so ``reverse("dashboard")`` works; the other pages of the app sit under the
``reports`` namespace (``reports.urls``)."""

from django.urls import path

from villages.boundary_views import BoundaryConfirmView, BoundaryUploadView

from .views import DashboardView, MapView

urlpatterns = [
    path("", DashboardView.as_view(), name="dashboard"),
    path("peta/", MapView.as_view(), name="map"),
    path("peta/batas/", BoundaryUploadView.as_view(), name="boundary_upload"),
    path("peta/batas/konfirmasi/", BoundaryConfirmView.as_view(), name="boundary_upload_confirm"),
]
