"""The "as of" date every page with figures takes: ``?tanggal=YYYY-MM-DD``, default today."""

import datetime

from django import forms
from django.contrib import messages
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .dates import validate_not_in_future
from .forms import DateInput

PARAM = "tanggal"


class AsOfForm(forms.Form):
    tanggal = forms.DateField(
        label=gettext_lazy("Per tanggal"),
        required=False,
        input_formats=["%Y-%m-%d"],
        validators=[validate_not_in_future],
        widget=DateInput(attrs={"class": "form-control form-control-sm"}),
    )


def parse_as_of(params) -> tuple[datetime.date, list[str]]:
    """The date asked in ``params`` (a QueryDict), or today; plus the messages of a refused
    value (then today is used)."""
    form = AsOfForm(params)
    today = timezone.localdate()
    if not form.is_valid():
        errors = [e for field_errors in form.errors.values() for e in field_errors]
        return today, [
            _("Tanggal tidak dapat dipakai (%(errors)s); menampilkan hari ini.")
            % {"errors": " ".join(errors)}
        ]
    return form.cleaned_data[PARAM] or today, []


class AsOfMixin:
    """Gives a view ``self.as_of`` and puts ``as_of``, ``as_of_is_today`` and ``as_of_form`` in
    the context, so each page's figures and its date selector read the same date."""

    @cached_property
    def as_of(self) -> datetime.date:
        as_of, errors = parse_as_of(self.request.GET)
        for error in errors:
            messages.warning(self.request, error)
        return as_of

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(
            as_of=self.as_of,
            as_of_is_today=self.as_of == timezone.localdate(),
            as_of_form=AsOfForm(initial={PARAM: self.as_of}),
        )
        return context
