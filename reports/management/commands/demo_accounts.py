"""``manage.py demo_accounts``: the demo accounts and where their passwords are.

``make run`` runs it last, just before gunicorn starts, so the accounts are the last lines a
new user reads. The passwords live in one file readable only by its owner (mode 600,
``var/demo-accounts.txt`` by default): ``load_demo --passwords-file`` writes it when it creates
the accounts, ``--reset`` gives every demo account a new password and writes it again. The
command checks each stored password against the database, so a file that no longer matches
(a password changed at ``/akun/sandi/``, another database) says so instead of misleading."""

import os
import secrets
import tempfile
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from kimtracker.roles import sync_roles
from reports.demo import DEMO_ACCOUNTS, DEMO_WILAYAH
from reports.demo_province import PROVINCE_ACCOUNTS

# Every demo account, in the order listed: the province's exists only after
# ``load_demo --province``.
ALL_ACCOUNTS = {**DEMO_ACCOUNTS, **PROVINCE_ACCOUNTS}

DEFAULT_FILE = Path("var") / "demo-accounts.txt"


def default_path() -> Path:
    return Path(settings.BASE_DIR) / DEFAULT_FILE


def shown_path(path: Path) -> str:
    """The path as the user would type it from where they are (the repository, for make)."""
    try:
        return str(Path(path).resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def read_passwords(path: Path) -> dict[str, str]:
    """username -> password from the file; empty when there is no file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    passwords = {}
    for line in text.splitlines():
        fields = line.split()
        if len(fields) == 3 and not line.startswith("#"):
            _role, username, password = fields
            passwords[username] = password
    return passwords


def save_passwords(path: Path, accounts: list[tuple[str, str, str | None]]) -> None:
    """Write (username, role, password) into the file, keeping the stored password of an
    account given without one (None: it already existed). The file is written beside itself
    and renamed, created with mode 600 from the start: no moment where others can read it."""
    path = Path(path)
    stored = read_passwords(path)
    rows = []
    for username, role, password in accounts:
        password = password or stored.get(username)
        if password:
            rows.append(f"{role:8} {username:14} {password}")
    header = _(
        "# Akun demo KIM Tracker (data sintetis), ditulis %(when)s.\n"
        "# Hanya pemilik berkas ini yang dapat membacanya. Kata sandi baru: "
        "manage.py demo_accounts --reset\n"
        "# peran   nama pengguna  kata sandi\n"
    ) % {"when": timezone.localtime().strftime("%Y-%m-%d %H:%M")}
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=".demo-accounts-")
    try:
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(header + "\n".join(rows) + "\n")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def reset_accounts() -> list[tuple[str, str, str]]:
    """Every demo account of Kabupaten Malang (created when missing, working there) and the
    province's when it exists (its provinsi is only known from ``load_demo --province``), each
    with a new random password, in its role."""
    sync_roles()
    User = get_user_model()
    accounts = []
    existing = set(
        User.objects.filter(username__in=PROVINCE_ACCOUNTS).values_list("username", flat=True)
    )
    for username, role in ALL_ACCOUNTS.items():
        if username not in DEMO_ACCOUNTS and username not in existing:
            continue
        user, created = User.objects.get_or_create(
            username=username, defaults={"first_name": f"Demo {role}"}
        )
        if created:
            user.wilayah_scope.get_or_create(code=DEMO_WILAYAH)
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.is_active = True
        user.save()
        user.groups.add(Group.objects.get(name=role))
        accounts.append((username, role, password))
    return accounts


class Command(BaseCommand):
    help = (
        "List the demo accounts and the file holding their passwords (mode 600); --reset gives "
        "each a new random password and writes the file again."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset",
            action="store_true",
            help="new random passwords for the demo accounts (created when missing)",
        )
        parser.add_argument(
            "--passwords-file",
            type=Path,
            default=None,
            help=f"file of the passwords (default: {DEFAULT_FILE})",
        )

    def handle(self, *args, reset=False, passwords_file=None, **options):
        path = passwords_file or default_path()
        if reset:
            try:
                with transaction.atomic():
                    save_passwords(path, reset_accounts())
            except OSError as exc:
                raise CommandError(
                    _("Berkas kata sandi %(path)s tidak dapat ditulis: %(error)s")
                    % {"path": shown_path(path), "error": exc.strerror or exc}
                ) from exc
            self.stdout.write(self.style.SUCCESS(_("Kata sandi baru untuk akun demo.")))
        self.show(path)

    def show(self, path: Path):
        User = get_user_model()
        users = {
            user.username: user
            for user in User.objects.filter(username__in=ALL_ACCOUNTS, is_active=True)
        }
        reset_hint = ".venv/bin/python manage.py demo_accounts --reset"
        if Path(path).resolve() != default_path().resolve():
            reset_hint += f" --passwords-file {shown_path(path)}"
        if not users:
            self.stdout.write(
                _(
                    "Belum ada akun demo. Buat administrator dengan "
                    "`.venv/bin/python manage.py createsuperuser`, atau akun demo dengan "
                    "`%(command)s`."
                )
                % {"command": reset_hint}
            )
            return
        stored = read_passwords(path)
        missing = valid = False
        self.stdout.write(_("Akun demo (data sintetis), masuk di /akun/masuk/:"))
        for username, role in ALL_ACCOUNTS.items():
            user = users.get(username)
            if user is None:
                continue
            note = ""
            if username not in stored:
                note, missing = _("(kata sandi tidak tersimpan)"), True
            elif not user.check_password(stored[username]):
                note, missing = _("(kata sandi sudah diubah sejak disimpan)"), True
            else:
                valid = True
            self.stdout.write(f"  {role:8} {username:14} {note}".rstrip())
        if valid:
            self.stdout.write(
                _("Kata sandinya ada di %(path)s (hanya Anda yang dapat membacanya): cat %(path)s")
                % {"path": shown_path(path)}
            )
        if missing:
            self.stdout.write(
                _("Kata sandi baru untuk semua akun demo: %(command)s") % {"command": reset_hint}
            )
