from django.urls import path

from . import views

app_name = "villages"

urlpatterns = [
    path("kecamatan/", views.KecamatanListView.as_view(), name="kecamatan_list"),
    path("kecamatan/<str:code>/", views.KecamatanDetailView.as_view(), name="kecamatan_detail"),
    path("desa/", views.DesaListView.as_view(), name="desa_list"),
    path("desa/tanpa-kim/", views.DesaUncoveredListView.as_view(), name="desa_uncovered"),
    path("desa/<str:code>/", views.DesaDetailView.as_view(), name="desa_detail"),
    path("kim/", views.KIMListView.as_view(), name="kim_list"),
    path("kim/<int:pk>/", views.KIMDetailView.as_view(), name="kim_detail"),
]
