"""``manage.py load_demo``: the synthetic KIM history that reproduces the published figures.

It creates one demo account per role. With ``--passwords-file`` (``make db`` passes
``var/demo-accounts.txt``) their passwords go into that file, readable only by its owner, and
``manage.py demo_accounts`` shows where they are; without it they are printed once."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports import demo
from reports.management.commands.demo_accounts import save_passwords, shown_path
from villages.models import KIM


class Command(BaseCommand):
    help = (
        "Build the deterministic, clearly labelled demo KIM history over Kabupaten Malang. "
        "Refuses to run next to real (non-demo) KIM unless --force."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force", action="store_true", help="run even though real KIM are registered"
        )
        parser.add_argument(
            "--if-empty", action="store_true", help="do nothing when any KIM is registered"
        )
        parser.add_argument(
            "--passwords-file",
            type=Path,
            default=None,
            help="write the demo accounts' passwords into this file (mode 600) instead of "
            "printing them",
        )

    def handle(self, *args, force=False, if_empty=False, passwords_file=None, **options):
        if if_empty and KIM.objects.exists():
            self.stdout.write(_("KIM sudah ada; data demo tidak dimuat."))
            return
        real = KIM.objects.filter(is_demo=False).count()
        if real and not force:
            raise CommandError(
                _(
                    "Basis data sudah berisi %(count)d KIM nyata; data demo tidak dimuat. "
                    "Gunakan --force bila memang ingin menambahkannya."
                )
                % {"count": real}
            )
        if KIM.objects.filter(is_demo=True).exists():
            self.stdout.write(_("Data demo sudah dimuat; tidak ada yang diubah."))
            return
        try:
            kims = demo.build()
        except ValueError as exc:
            raise CommandError(
                _("%(error)s. Jalankan `manage.py load_wilayah` dahulu.") % {"error": exc}
            ) from exc
        self.stdout.write(
            self.style.SUCCESS(
                _("%(count)d KIM demo (data sintetis, bukan data resmi) dimuat.")
                % {"count": len(kims)}
            )
        )
        self._accounts(passwords_file)

    def _accounts(self, passwords_file):
        accounts = demo.create_demo_accounts()
        if passwords_file:
            try:
                save_passwords(passwords_file, accounts)
            except OSError as exc:
                raise CommandError(
                    _("Berkas kata sandi %(path)s tidak dapat ditulis: %(error)s")
                    % {"path": shown_path(passwords_file), "error": exc.strerror or exc}
                ) from exc
            self.stdout.write(
                _("Akun demo dibuat; kata sandinya disimpan di %(path)s.")
                % {"path": shown_path(passwords_file)}
            )
            return
        self.stdout.write(_("Akun demo (kata sandi hanya ditampilkan sekali, simpan sekarang):"))
        for username, role, password in accounts:
            shown = password or _("(sudah ada; kata sandi tidak diubah)")
            self.stdout.write(f"  {role:8} {username:14} {shown}")
