"""Forms of the reports app."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kimtracker.forms import BootstrapMixin
from villages.models import Kabupaten, Provinsi

from .models import Target


def target_wilayah_choices(user_scope) -> list[tuple[str, str]]:
    """The wilayah a Manajer may set targets for: the kabupaten/kota and provinsi within
    their scope (a whole-country scope: the whole database too). A kecamatan scope: none.
    Two queries."""
    choices = []
    if user_scope.is_everything:
        choices.append(("", _("Seluruh basis data")))
    provinsi = Provinsi.objects.filter(user_scope.q("code")).order_by("code")
    choices += [(p.code, _("Provinsi %(name)s") % {"name": p.name.title()}) for p in provinsi]
    kabupaten = Kabupaten.objects.filter(user_scope.q("code")).order_by("code")
    choices += [(k.code, k.name.title()) for k in kabupaten]
    return choices


class TargetForm(BootstrapMixin, forms.ModelForm):
    """A year's target of a wilayah (within the Manajer's scope); saving an existing year of
    that wilayah changes it (the old value stays in history)."""

    wilayah_code = forms.ChoiceField(label=_("Wilayah"), required=False)

    class Meta:
        model = Target
        fields = ["wilayah_code", "year", "kim_count", "note"]
        labels = {"year": _("Tahun"), "kim_count": _("Jumlah KIM pada akhir tahun")}

    def __init__(self, *args, user_scope, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wilayah_code"].choices = target_wilayah_choices(user_scope)

    def clean(self):
        cleaned = super().clean()
        # Saving a year a wilayah already has changes its target: validate against that row
        # (the unique constraint then finds no other), as the service updates it.
        existing = Target.objects.filter(
            year=cleaned.get("year"), wilayah_code=cleaned.get("wilayah_code") or ""
        ).first()
        if existing is not None:
            self.instance = existing
        return cleaned

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
