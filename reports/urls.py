from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("peta/data/", views.MapDataView.as_view(), name="map_data"),
]
