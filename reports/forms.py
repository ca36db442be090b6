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


class PublishForm(BootstrapMixin, forms.Form):
    """Publishing a month's report; a revision of one in force needs its reason."""

    reason = forms.CharField(
        label=_("Alasan revisi"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Apa yang berubah sejak terbitan terakhir, dan mengapa."),
    )

    def __init__(self, *args, revision: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.revision = revision
        self.fields["reason"].required = revision
        self.fields["reason"].error_messages["required"] = _(
            "Sebutkan alasan revisi: apa yang berubah sejak terbitan terakhir."
        )
