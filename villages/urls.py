from django.urls import path

from . import edit_views, import_views, offline_views, user_views, views

app_name = "villages"

urlpatterns = [
    path("audit/", views.AuditLogView.as_view(), name="audit_log"),
    path("antrean/", offline_views.OfflineQueueView.as_view(), name="offline_queue"),
    path(
        "antrean/simpan-luring/",
        offline_views.OfflinePrecacheView.as_view(),
        name="offline_precache",
    ),
    path("kecamatan/", views.KecamatanListView.as_view(), name="kecamatan_list"),
    path(
        "kecamatan/pilihan/",
        edit_views.KecamatanOptionsView.as_view(),
        name="kecamatan_options",
    ),
    path("kecamatan/<str:code>/", views.KecamatanDetailView.as_view(), name="kecamatan_detail"),
    path("desa/", views.DesaListView.as_view(), name="desa_list"),
    path("desa/tanpa-kim/", views.DesaUncoveredListView.as_view(), name="desa_uncovered"),
    path("desa/pilihan/", edit_views.DesaOptionsView.as_view(), name="desa_options"),
    path("desa/<str:code>/", views.DesaDetailView.as_view(), name="desa_detail"),
    path("kim/", views.KIMListView.as_view(), name="kim_list"),
    path("kim/baru/", edit_views.KIMCreateView.as_view(), name="kim_create"),
    path("kim/<int:pk>/", views.KIMDetailView.as_view(), name="kim_detail"),
    path("kim/<int:pk>/ubah/", edit_views.KIMUpdateView.as_view(), name="kim_update"),
    path("kim/<int:pk>/status/", edit_views.KIMStatusChangeView.as_view(), name="kim_status"),
    path("kim/<int:pk>/batalkan/", edit_views.KIMVoidView.as_view(), name="kim_void"),
    path("kim/<int:pk>/kegiatan/", edit_views.KIMActivityView.as_view(), name="kim_activity"),
    path("kim/impor/", import_views.KIMImportView.as_view(), name="kim_import"),
    path(
        "kim/impor/konfirmasi/",
        import_views.KIMImportConfirmView.as_view(),
        name="kim_import_confirm",
    ),
    path(
        "kim/impor/templat.<str:format>",
        import_views.KIMImportTemplateView.as_view(),
        name="kim_import_template",
    ),
    path("kim/kegiatan/impor/", import_views.ActivityImportView.as_view(), name="activity_import"),
    path(
        "kim/kegiatan/impor/konfirmasi/",
        import_views.ActivityImportConfirmView.as_view(),
        name="activity_import_confirm",
    ),
    path(
        "kim/kegiatan/impor/templat.<str:format>",
        import_views.ActivityImportTemplateView.as_view(),
        name="activity_import_template",
    ),
    path("pengguna/", user_views.UserListView.as_view(), name="user_list"),
    path("pengguna/undang/", user_views.UserInviteView.as_view(), name="user_invite"),
    path("pengguna/riwayat/", user_views.AccountEventListView.as_view(), name="user_events"),
    path("pengguna/<int:pk>/", user_views.UserDetailView.as_view(), name="user_detail"),
]
