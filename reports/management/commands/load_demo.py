"""``manage.py load_demo``: the synthetic KIM history that reproduces the published figures.

With ``--province 35`` it also gives every other kabupaten/kota of the provinsi whose desa are
loaded a synthetic history of its own (``reports.demo_province``), for the side-by-side view
of a provincial office, and a demo Manajer of the provinsi.

It creates one demo account per role. With ``--passwords-file`` (``make db`` passes
``var/demo-accounts.txt``) their passwords go into that file, readable only by its owner, and
``manage.py demo_accounts`` shows where they are; without it they are printed once."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from reports import demo, demo_province
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
        parser.add_argument(
            "--province",
            metavar="CODE",
            help="also a synthetic history for every other kabupaten/kota of this provinsi "
            "(e.g. 35) whose desa are loaded, and a demo Manajer of the provinsi",
        )

    def handle(
        self, *args, force=False, if_empty=False, passwords_file=None, province=None, **options
    ):
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
        if province:
            self._province(province.strip(), passwords_file)
            return
        if KIM.objects.filter(is_demo=True).exists():
            self.stdout.write(_("Data demo sudah dimuat; tidak ada yang diubah."))
            return
        kims = self._malang()
        self.stdout.write(
            self.style.SUCCESS(
                _("%(count)d KIM demo (data sintetis, bukan data resmi) dimuat.")
                % {"count": len(kims)}
            )
        )
        self._accounts(passwords_file)

    def _malang(self):
        try:
            return demo.build()
        except ValueError as exc:
            raise CommandError(
                _("%(error)s. Jalankan `manage.py load_wilayah` dahulu.") % {"error": exc}
            ) from exc

    def _province(self, code, passwords_file):
        """The Malang demo when the provinsi holds Kabupaten Malang and it has none yet, then
        every other kabupaten/kota, in one transaction; what was made and skipped, per
        kabupaten/kota."""
        if not demo_province.kabupaten_with_desa(code).exists():
            raise CommandError(
                _(
                    "Provinsi %(code)s belum punya kabupaten/kota lain dengan desa/kelurahan "
                    "selain Kabupaten Malang. Muat wilayahnya dahulu: `manage.py load_wilayah "
                    "--source <folder data idn-area-data> --province %(code)s`."
                )
                % {"code": code}
            )
        with_malang = demo.DEMO_WILAYAH.startswith(f"{code}.")
        with transaction.atomic():
            malang = None
            if (
                with_malang
                and not KIM.objects.filter(
                    is_demo=True, desa__code__startswith=f"{demo.DEMO_WILAYAH}."
                ).exists()
            ):
                malang = len(self._malang())
            outcomes = demo_province.build(provinsi_code=code)
        self.stdout.write(
            _("Data demo provinsi %(code)s (data sintetis, bukan data resmi):") % {"code": code}
        )
        if with_malang:
            self.stdout.write(
                "  "
                + (
                    _("%(wilayah)s Kabupaten Malang: %(count)d KIM demo (angka terbitan)")
                    % {"wilayah": demo.DEMO_WILAYAH, "count": malang}
                    if malang
                    else _("%(wilayah)s Kabupaten Malang: dilewati: data demo sudah ada")
                    % {"wilayah": demo.DEMO_WILAYAH}
                )
            )
        for outcome in outcomes:
            self.stdout.write(
                "  "
                + (
                    _("%(code)s %(name)s: %(made)d KIM demo di %(desa)d desa/kelurahan")
                    % {
                        "code": outcome.code,
                        "name": outcome.name,
                        "made": outcome.made,
                        "desa": outcome.desa_count,
                    }
                    if outcome.made
                    else f"{outcome.code} {outcome.name}: {outcome.skipped}"
                )
            )
        made = sum(outcome.made for outcome in outcomes) + (malang or 0)
        if made:
            self.stdout.write(
                self.style.SUCCESS(
                    _(
                        "%(count)d KIM demo dimuat di %(kabupaten)d kabupaten/kota (data "
                        "sintetis, bukan data resmi)."
                    )
                    % {
                        "count": made,
                        "kabupaten": sum(1 for o in outcomes if o.made) + bool(malang),
                    }
                )
            )
        else:
            self.stdout.write(_("Data demo provinsi sudah dimuat; tidak ada yang diubah."))
        self._accounts(passwords_file, province=code)

    def _accounts(self, passwords_file, province=None):
        accounts = demo.create_demo_accounts()
        if province:
            accounts += demo_province.create_province_accounts(province)
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
