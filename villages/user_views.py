"""The users pages (``/pengguna/``): a Manajer manages the users of their own wilayah (the
superuser everyone): invites them by e-mail, sets their role and wilayah, deactivates or
reactivates them, and reads every change made to them. Writes go through the services of
``villages.accounts``; a user outside the Manajer's wilayah answers 404."""

from django.contrib import messages
from django.contrib.auth.mixins import PermissionRequiredMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.functional import cached_property
from django.utils.translation import gettext as _
from django.views.generic import FormView, TemplateView
from django_filters.views import FilterView
from django_tables2 import SingleTableMixin

from kimtracker import roles
from kimtracker.downloads import ExportMixin
from kimtracker.forms import add_service_errors

from . import accounts
from .models import UserWilayah
from .user_forms import (
    AccountEventFilterSet,
    ActiveForm,
    InviteForm,
    RoleWilayahForm,
    UserFilterSet,
)
from .user_tables import AccountEventTable, UserTable


class ManageUsersMixin(PermissionRequiredMixin):
    """The users pages: Manajer (``villages.manage_users``) and the superuser."""

    permission_required = roles.PERM_USERS

    @cached_property
    def wilayah_choices(self):
        return accounts.assignable_wilayah(self.request.user)

    def base_url(self) -> str:
        return self.request.build_absolute_uri("/").rstrip("/")


class UserListView(ManageUsersMixin, ExportMixin, SingleTableMixin, FilterView):
    """The users whose every wilayah lies within the Manajer's, with role, wilayah, whether
    active and their last log-in."""

    table_class = UserTable
    filterset_class = UserFilterSet
    template_name = "villages/user_list.html"
    table_pagination = {"per_page": 50}
    export_formats = ("csv",)
    export_name = "pengguna"

    def get_queryset(self):
        return accounts.users_for_table(self.request.user)

    def get_table_kwargs(self):
        # The names of the wilayah of the listed users, in one query for the codes and three
        # for the names, not per row.
        codes = (
            UserWilayah.objects.filter(user__in=self.object_list.values("pk"))
            .values_list("code", flat=True)
            .distinct()
        )
        return {"names": accounts.wilayah_names(codes)}


class AccountEventListView(ManageUsersMixin, ExportMixin, SingleTableMixin, FilterView):
    """Every change to the users the Manajer manages: who, when, what and why."""

    table_class = AccountEventTable
    filterset_class = AccountEventFilterSet
    template_name = "villages/user_events.html"
    table_pagination = {"per_page": 50}
    export_formats = ("csv",)
    export_name = "riwayat-pengguna"

    def get_queryset(self):
        return accounts.events_for(self.request.user)


class UserInviteView(ManageUsersMixin, FormView):
    """Invite a user: an account without a password, and an e-mail with the link to set it."""

    form_class = InviteForm
    template_name = "villages/user_invite.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "wilayah_choices": self.wilayah_choices}

    def form_valid(self, form):
        data = form.cleaned_data
        try:
            user = accounts.invite_user(
                username=data["username"],
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=data["role"],
                codes=data["wilayah"],
                by=self.request.user,
                reason=data["reason"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        except PermissionDenied as error:
            form.add_error(None, str(error))
            return self.form_invalid(form)
        try:
            accounts.send_invitation(user, by=self.request.user, base_url=self.base_url())
        except OSError:  # the mail server refused or is unreachable (SMTPException too)
            messages.warning(
                self.request,
                _(
                    "%(username)s dibuat, tetapi e-mail undangan gagal dikirim; kirim ulang dari "
                    "halaman ini."
                )
                % {"username": user.username},
            )
        else:
            messages.success(
                self.request,
                _("%(username)s diundang; tautan pembuatan sandi dikirim ke %(email)s.")
                % {"username": user.username, "email": user.email},
            )
        return redirect("villages:user_detail", pk=user.pk)


class UserDetailView(ManageUsersMixin, TemplateView):
    """One user: their role, wilayah, state and history; the forms that change them, only
    for a user the Manajer may change (``accounts.may_manage``: not their own account, not a
    peer Manajer of the same wilayah). POST ``action``: ``ubah`` (role and wilayah),
    ``nonaktifkan``, ``aktifkan``, ``undang`` (send the invitation again); a user the Manajer
    may not change is refused (403) before any form is read."""

    template_name = "villages/user_detail.html"
    actions = ("ubah", "nonaktifkan", "aktifkan", "undang")

    @cached_property
    def account(self):
        users = accounts.manageable_users(self.request.user).prefetch_related(
            Prefetch("groups", queryset=accounts.role_groups(), to_attr="roles"),
            "wilayah_scope",
        )
        return get_object_or_404(users, pk=self.kwargs["pk"])

    @property
    def is_self(self) -> bool:
        return self.account.pk == self.request.user.pk

    @cached_property
    def manageable(self) -> bool:
        return accounts.may_manage(self.request.user, self.account)

    def role_form(self, data=None):
        account = self.account
        initial = {
            "role": account.roles[0].name if account.roles else None,
            "wilayah": [row.code for row in account.wilayah_scope.all()],
        }
        return RoleWilayahForm(
            data, initial=initial, wilayah_choices=self.wilayah_choices, prefix="peran"
        )

    def get_context_data(self, **kwargs):
        account = self.account
        codes = [row.code for row in account.wilayah_scope.all()]
        names = accounts.wilayah_names(codes)
        events = AccountEventTable(
            account.account_events.select_related("user", "by"),
            exclude=("user",),
            orderable=False,
        )
        events.paginate(page=1, per_page=100)
        kwargs.setdefault("role_form", self.role_form())
        kwargs.setdefault("active_form", ActiveForm(prefix="status"))
        return super().get_context_data(
            account=account,
            is_self=self.is_self,
            manageable=self.manageable,
            wilayah=[(code, names.get(code, code)) for code in codes],
            role=", ".join(group.name for group in account.roles) or "—",
            events=events,
            invitable=account.is_active and bool(account.email),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        action = request.POST.get("action")
        if action not in self.actions:
            messages.error(request, _("Tindakan tidak dikenal."))
            return self.render_to_response(self.get_context_data())
        account, by = self.account, request.user
        try:
            # Refused before any form is read: a peer's or one's own account gets the
            # refusal itself, not the errors of a form the page never offered.
            accounts.refuse_unless_manages(by, account)
            if action == "ubah":
                form = self.role_form(request.POST)
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(role_form=form))
                accounts.set_role_and_wilayah(
                    account,
                    role=form.cleaned_data["role"],
                    codes=form.cleaned_data["wilayah"],
                    by=by,
                    reason=form.cleaned_data["reason"],
                )
                messages.success(request, _("Peran dan wilayah disimpan."))
            elif action == "undang":
                accounts.resend_invitation(account, by=by, base_url=self.base_url())
                messages.success(
                    request, _("Undangan dikirim ulang ke %(email)s.") % {"email": account.email}
                )
            else:
                form = ActiveForm(request.POST, prefix="status")
                if not form.is_valid():
                    return self.render_to_response(self.get_context_data(active_form=form))
                service = (
                    accounts.deactivate_user
                    if action == "nonaktifkan"
                    else accounts.reactivate_user
                )
                service(account, by=by, reason=form.cleaned_data["reason"])
                messages.success(
                    request,
                    _("Pengguna dinonaktifkan.")
                    if action == "nonaktifkan"
                    else _("Pengguna diaktifkan kembali."),
                )
        except PermissionDenied as error:
            messages.error(request, str(error))
            return self.render_to_response(self.get_context_data(), status=403)
        except ValidationError as error:
            messages.error(request, "; ".join(error.messages))
            return self.render_to_response(self.get_context_data())
        except OSError:  # the mail server refused or is unreachable: nothing was recorded
            messages.error(request, _("E-mail undangan gagal dikirim; coba lagi nanti."))
            return self.render_to_response(self.get_context_data())
        return redirect(reverse("villages:user_detail", args=[account.pk]))
