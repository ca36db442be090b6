"""``manage.py grant USERNAME --role Staf|Petugas|Manajer --wilayah CODE [--wilayah CODE ...]``."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from villages import accounts


class Command(BaseCommand):
    help = (
        "Set a user's role and the wilayah they work within (provinsi 35, kabupaten/kota 35.07, "
        "kecamatan 35.07.08; repeat --wilayah for several). Replaces their role and wilayah."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--role", required=True, choices=accounts.ROLES)
        parser.add_argument(
            "--wilayah", action="append", required=True, metavar="CODE", help="a wilayah code"
        )
        parser.add_argument("--reason", default="", help="why (kept in the history)")

    def handle(self, *args, username, role, wilayah, reason="", **options):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("Pengguna %(username)s tidak ada.") % {"username": username})
        try:
            accounts.set_role_and_wilayah(user, role=role, codes=wilayah, reason=reason)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        names = [accounts.wilayah_name(code) for code in sorted(set(wilayah))]
        self.stdout.write(
            _("%(username)s: %(role)s di %(wilayah)s.")
            % {"username": username, "role": role, "wilayah": "; ".join(names)}
        )
