"""``manage.py load_demo``: the synthetic KIM history that reproduces the published figures."""

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from reports import demo
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

    def handle(self, *args, force=False, if_empty=False, **options):
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
        self._accounts()

    def _accounts(self):
        self.stdout.write(_("Akun demo (kata sandi hanya ditampilkan sekali, simpan sekarang):"))
        for username, role, password in demo.create_demo_accounts():
            shown = password or _("(sudah ada; kata sandi tidak diubah)")
            self.stdout.write(f"  {role:8} {username:14} {shown}")
