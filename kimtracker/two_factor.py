"""Optional two-step log-in (TOTP, django-otp) for manager accounts.

A Manajer may enrol an authenticator app (``/akun/dua-langkah/atur/``: a QR code of the
secret, confirmed with a first code). From then on the log-in asks, after the password, for
the app's 6-digit code (``/akun/dua-langkah/``); until it is given, every page of that session
leads there. The check is made at log-in (one query then, none on later requests): the
session carries ``SESSION_KEY`` while a code is owed. An administrator removes a lost device
in the Django admin (django-otp's TOTP devices).

Enrolling and removing send ``device_changed`` inside the transaction that makes the change:
the account log lives in ``villages`` (``villages.accounts``, connected in its app config), a
layer above this one, so it is told the way Django's ``user_logged_in`` tells the apps above
``django.contrib.auth``; the change and its record commit together or not at all."""

import segno
from django import forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.db import transaction
from django.dispatch import Signal
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, resolve_url
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.views.generic import FormView
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from kimtracker.forms import BootstrapMixin, LoginForm
from kimtracker.roles import PERM_USERS

# In the session while the user has given their password but not yet their code.
SESSION_KEY = "kim_two_factor_pending"
DEVICE_NAME = "KIM Tracker"

# Sent with ``user`` and ``enrolled`` (True: an authenticator confirmed; False: removed), and
# ``by`` when someone else did it (the administrator removing a lost device).
device_changed = Signal()


def confirmed_device(user):
    """The user's enrolled authenticator, or None."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


class TokenForm(BootstrapMixin, forms.Form):
    token = forms.CharField(
        label=_("Kode dari aplikasi autentikator"),
        min_length=6,
        max_length=8,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, device=None, **kwargs):
        self.device = device
        super().__init__(*args, **kwargs)

    def clean_token(self):
        token = self.cleaned_data["token"].strip().replace(" ", "")
        allowed, _details = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(
                _("Terlalu banyak kode yang salah; tunggu sebentar lalu coba lagi.")
            )
        if not self.device.verify_token(token):
            raise forms.ValidationError(_("Kode salah atau kedaluwarsa; coba kode yang baru."))
        return token


class LoginView(auth_views.LoginView):
    """Django's log-in; an account with an enrolled authenticator owes its code next."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if confirmed_device(form.get_user()) is not None:
            self.request.session[SESSION_KEY] = True
            query = urlencode({"next": self.get_success_url()})
            return redirect(f"{reverse('two_factor_verify')}?{query}")
        return response


class TwoFactorMiddleware:
    """While a session owes its code, every page but the code's own (and log-out, the
    language switch, the app's files) leads to it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.session.get(SESSION_KEY) and request.user.is_authenticated:
            if request.user.is_verified():
                del request.session[SESSION_KEY]
            elif request.path not in self.open_paths():
                query = urlencode({"next": request.get_full_path()})
                return redirect(f"{reverse('two_factor_verify')}?{query}")
        return self.get_response(request)

    @staticmethod
    def open_paths() -> set[str]:
        names = ("two_factor_verify", "logout", "set_language", "service_worker", "favicon")
        return {reverse(name) for name in (*names, "web_manifest")}


class VerifyView(FormView):
    """The second step of the log-in: the authenticator's code."""

    form_class = TokenForm
    template_name = "registration/two_factor_verify.html"

    def dispatch(self, request, *args, **kwargs):
        self.device = confirmed_device(request.user) if request.user.is_authenticated else None
        if self.device is None or request.user.is_verified():
            request.session.pop(SESSION_KEY, None)
            return HttpResponseRedirect(self.next_url())
        return super().dispatch(request, *args, **kwargs)

    def next_url(self) -> str:
        url = self.request.POST.get("next") or self.request.GET.get("next")
        # A path of this site only (a bare word would be taken for a URL name by redirect()).
        if (
            url
            and url.startswith("/")
            and url_has_allowed_host_and_scheme(url, {self.request.get_host()})
        ):
            return url
        return resolve_url("dashboard")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "device": self.device}

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=self.next_url(), **kwargs)

    def form_valid(self, form):
        otp_login(self.request, self.device)
        self.request.session.pop(SESSION_KEY, None)
        return HttpResponseRedirect(self.next_url())


class SetupView(PermissionRequiredMixin, FormView):
    """Enrol (or remove) the manager's own authenticator: a QR code of a new secret, confirmed
    with the first code it shows; removal asks for a current code too."""

    permission_required = PERM_USERS
    form_class = TokenForm
    template_name = "registration/two_factor_setup.html"

    enrolled = None

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.enrolled = confirmed_device(request.user)
        return super().dispatch(request, *args, **kwargs)

    def device(self):
        if self.enrolled is not None:
            return self.enrolled
        device, _created = TOTPDevice.objects.get_or_create(
            user=self.request.user, confirmed=False, defaults={"name": DEVICE_NAME}
        )
        return device

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "device": self.device()}

    def get_context_data(self, **kwargs):
        context = {"enrolled": self.enrolled is not None}
        if self.enrolled is None:
            device = self.device()
            # segno's SVG is drawn paths only (no text, script or style attribute: the CSP
            # allows neither inline); the secret's URL never appears in it as markup.
            svg = segno.make(device.config_url).svg_inline(scale=4)
            context["qr_svg"] = mark_safe(svg)  # noqa: S308
            context["secret"] = device.config_url.split("secret=")[1].split("&")[0]
        return super().get_context_data(**context, **kwargs)

    def form_valid(self, form):
        device, user = form.device, self.request.user
        with transaction.atomic():
            if self.enrolled is None:
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
            else:
                TOTPDevice.objects.filter(user=user).delete()
            device_changed.send(sender=type(self), user=user, enrolled=self.enrolled is None)
        if self.enrolled is None:
            otp_login(self.request, device)
        return redirect("two_factor_setup")
