from django.urls import path

from . import publication_views, report_views, views

app_name = "reports"

urlpatterns = [
    path("peta/data/", views.MapDataView.as_view(), name="map_data"),
    path("tindak-lanjut/", views.FollowUpView.as_view(), name="followup"),
    path("laporan/perbandingan/", views.ComparisonView.as_view(), name="comparison"),
    path("laporan/", report_views.ReportIndexView.as_view(), name="index"),
    path("laporan/bulanan/<str:month>/", report_views.MonthlyReportView.as_view(), name="monthly"),
    path(
        "laporan/bulanan/<str:month>/terbitkan/",
        publication_views.PublishView.as_view(),
        name="publish",
    ),
    path(
        "laporan/bulanan/<str:month>/terbitan/<int:revision>/",
        publication_views.PublicationView.as_view(),
        name="publication",
    ),
    path(
        "laporan/verifikasi/<uuid:public_id>/",
        publication_views.VerificationView.as_view(),
        name="verify",
    ),
    path("laporan/target/", report_views.TargetView.as_view(), name="targets"),
    path(
        "laporan/data-terbuka/kim.<str:kind>", report_views.OpenDataView.as_view(), name="open_data"
    ),
]
