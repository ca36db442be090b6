"""Forms of the reports app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kimtracker.forms import BootstrapMixin

from .models import Target


class TargetForm(BootstrapMixin, forms.ModelForm):
    """A year's target; saving an existing year changes it (the old value stays in history)."""

    class Meta:
        model = Target
        fields = ["year", "kim_count", "note"]
        labels = {"year": _("Tahun"), "kim_count": _("Jumlah KIM pada akhir tahun")}

    def validate_unique(self):
        # The service updates the year's target when it exists: not a duplicate.
        pass
