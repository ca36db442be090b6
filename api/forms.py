"""The form of the token page: a new token's name."""

from django import forms
from django.utils.translation import gettext_lazy as _

from kimtracker.forms import BootstrapMixin

from .models import PersonalAccessToken


class TokenForm(BootstrapMixin, forms.ModelForm):
    class Meta:
        model = PersonalAccessToken
        fields = ["name"]
        labels = {"name": _("Nama token baru")}
