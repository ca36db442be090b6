"""Form pieces shared by every app (Bootstrap widgets, a service's refusal shown on the form) and
the forms of the project shell (accounts)."""

from django import forms
from django.contrib.auth import forms as auth_forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils.translation import gettext_lazy as _


class BootstrapMixin:
    """Bootstrap 5 classes on every widget, so templates render fields with one include."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                css = "form-check-input"
            elif isinstance(widget, forms.Select):
                css = "form-select"
            else:
                css = "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


class DateInput(forms.DateInput):
    """The browser's date picker, with the ISO value it sends."""

    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


def add_service_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: by field where it names one the form has,
    else above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            target = field if field in form.fields else NON_FIELD_ERRORS
            for message in errors:
                form.add_error(None if target == NON_FIELD_ERRORS else target, message)
    else:
        for message in error.messages:
            form.add_error(None, message)


class LoginForm(AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "Nama pengguna atau kata sandi salah. Perhatikan huruf besar dan kecil."
        ),
    }


# Django's account forms with Bootstrap widgets: styled, and touch-size on a phone.
class PasswordChangeForm(BootstrapMixin, auth_forms.PasswordChangeForm):
    pass


class PasswordResetForm(BootstrapMixin, auth_forms.PasswordResetForm):
    pass


class SetPasswordForm(BootstrapMixin, auth_forms.SetPasswordForm):
    pass
