from django.contrib import admin

from kimtracker.admin import HistoryAdmin

from . import services
from .models import Target


@admin.register(Target)
class TargetAdmin(HistoryAdmin):
    list_display = ["year", "kim_count", "note"]
    search_fields = ["year", "note"]

    def save_model(self, request, obj, form, change):
        saved = services.set_target(
            year=form.cleaned_data["year"],
            kim_count=form.cleaned_data["kim_count"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
        obj.pk = saved.pk
