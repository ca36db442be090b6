from django.contrib import admin

from kimtracker.admin import HistoryAdmin

from . import services
from .models import Publication, Target


@admin.register(Target)
class TargetAdmin(HistoryAdmin):
    list_display = ["year", "wilayah_code", "kim_count", "note"]
    search_fields = ["year", "wilayah_code", "note"]

    def save_model(self, request, obj, form, change):
        saved = services.set_target(
            year=form.cleaned_data["year"],
            kim_count=form.cleaned_data["kim_count"],
            note=form.cleaned_data["note"],
            wilayah_code=form.cleaned_data.get("wilayah_code", ""),
            by=request.user,
        )
        obj.pk = saved.pk


@admin.register(Publication)
class PublicationAdmin(admin.ModelAdmin):
    """Published reports, to look at only: what was published is never changed or deleted
    (``reports.publishing``); managers publish from the report page."""

    list_display = ["number", "month", "wilayah_name", "revision", "status", "published_at"]
    list_filter = ["status", "is_demo"]
    search_fields = ["number", "wilayah_code", "wilayah_name"]
    exclude = ["content"]
    readonly_fields = [field.name for field in Publication._meta.fields if field.name != "content"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
