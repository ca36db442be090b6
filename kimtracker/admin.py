"""The base classes of the project's admin pages (this module registers nothing): the same
admin as Django's and django-simple-history's, except that an id typed into a URL or a form
that cannot be one is refused like an unknown id, never a server error. Django's autocomplete
widget looked up whatever was posted (``desa=35.07.08`` for a numeric id: ValueError), and
simple-history's history pages whatever the URL held (``/admin/villages/kim/abc/history/``)."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin


def is_value_of(field, value) -> bool:
    """Whether ``value`` (text from a request) can be a value of the model ``field``."""
    try:
        field.get_prep_value(field.to_python(value))
    except (ValidationError, ValueError, TypeError, OverflowError):
        return False
    return True


class SafeAutocompleteSelect(AutocompleteSelect):
    """Shows again, after a refused form, only the posted values that can be ids of the
    related model (the form itself says the others are not valid choices)."""

    def optgroups(self, name, value, attr=None):
        target = self.field.target_field
        return super().optgroups(name, [v for v in value if is_value_of(target, v)], attr)


class ModelAdmin(admin.ModelAdmin):
    """``admin.ModelAdmin`` with ``SafeAutocompleteSelect`` for its ``autocomplete_fields``."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if "widget" not in kwargs and db_field.name in self.get_autocomplete_fields(request):
            kwargs["widget"] = SafeAutocompleteSelect(
                db_field, self.admin_site, using=kwargs.get("using")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class HistoryAdmin(ModelAdmin, SimpleHistoryAdmin):
    """``SimpleHistoryAdmin`` whose history pages answer 404 for an object or version id that
    cannot be one."""

    def history_view(self, request, object_id, extra_context=None):
        self._require_id(self.model._meta.pk, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._require_id(self.model._meta.pk, object_id)
        history = getattr(self.model, self.model._meta.simple_history_manager_attribute)
        self._require_id(history.model._meta.pk, version_id)
        return super().history_form_view(
            request, object_id, version_id, extra_context=extra_context
        )

    @staticmethod
    def _require_id(field, value):
        if not is_value_of(field, unquote(value)):
            raise Http404
