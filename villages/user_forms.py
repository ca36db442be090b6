"""Forms and filters of the users pages (``/pengguna/``): invite a user, change their role
and wilayah, deactivate or reactivate them; the wilayah offered are those the Manajer may
give (``accounts.assignable_wilayah``)."""

import django_filters
from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.utils.translation import gettext_lazy as _

from kimtracker.forms import BootstrapMixin

from .accounts import ROLES
from .choices import AccountEventKind
from .filters import SearchFilterSet, _select, yes_no_filter
from .models import AccountEvent

ROLE_CHOICES = [(role, role) for role in ROLES]


def _reason(required: bool):
    return forms.CharField(
        label=_("Alasan"),
        max_length=200,
        required=required,
        help_text=_("Dicatat di riwayat pengguna, mis. 'Mutasi antarkecamatan'."),
    )


class WilayahFormMixin(BootstrapMixin):
    """A role and a multiple select of the wilayah the Manajer may give."""

    def __init__(self, *args, wilayah_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["wilayah"].choices = wilayah_choices
        self.fields["wilayah"].widget.attrs["size"] = min(10, max(3, len(wilayah_choices)))


def _wilayah_field():
    return forms.MultipleChoiceField(
        label=_("Wilayah"),
        help_text=_(
            "Pengguna hanya melihat dan mengubah data di wilayah ini. Tekan Ctrl (atau tahan di "
            "ponsel) untuk memilih lebih dari satu."
        ),
        error_messages={"required": _("Pilih paling sedikit satu wilayah.")},
    )


class InviteForm(WilayahFormMixin, forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), help_text=_("Tautan pembuatan sandi dikirim ke sini.")
    )
    username = forms.CharField(
        label=_("Nama pengguna"),
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text=_("Untuk masuk; huruf, angka dan @ . + - _ saja."),
    )
    first_name = forms.CharField(label=_("Nama depan"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Nama belakang"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Peran"), choices=ROLE_CHOICES)
    wilayah = _wilayah_field()
    reason = _reason(required=False)


class RoleWilayahForm(WilayahFormMixin, forms.Form):
    role = forms.ChoiceField(label=_("Peran"), choices=ROLE_CHOICES)
    wilayah = _wilayah_field()
    reason = _reason(required=True)


class ActiveForm(BootstrapMixin, forms.Form):
    """Deactivate or reactivate: only the reason is asked."""

    reason = _reason(required=True)


class UserFilterSet(SearchFilterSet):
    """The users page: by name, role and whether active."""

    search_fields = ("username", "first_name", "last_name", "email")
    peran = django_filters.ChoiceFilter(
        label=_("Peran"),
        field_name="groups__name",
        choices=ROLE_CHOICES,
        widget=_select(),
        empty_label=_("Semua"),
    )
    aktif = yes_no_filter(_("Aktif"), field_name="is_active")

    class Meta:
        model = get_user_model()
        fields = ["q", "peran", "aktif"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["q"].field.widget.attrs["placeholder"] = _("Nama, e-mail")


class AccountEventFilterSet(SearchFilterSet):
    """The users' history: by user, by kind."""

    search_fields = ("user__username", "by__username", "detail", "reason")
    jenis = django_filters.ChoiceFilter(
        label=_("Jenis"),
        field_name="kind",
        choices=AccountEventKind.choices,
        widget=_select(),
        empty_label=_("Semua"),
    )

    class Meta:
        model = AccountEvent
        fields = ["q", "jenis"]
