"""The demo accounts at first start: ``load_demo --passwords-file`` keeps their passwords in a
file only its owner can read, ``demo_accounts`` lists the accounts and where the passwords are
(checked against the database), ``demo_accounts --reset`` gives new ones."""

import io
import os
import stat

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client

from reports import demo as demo_module

ROLES = {"staf-demo": "Staf", "petugas-demo": "Petugas", "manajer-demo": "Manajer"}


@pytest.fixture
def quick_demo(db, monkeypatch):
    """load_demo without its 250-KIM history (tests/reports/test_demo.py builds that): only the
    accounts part runs for real."""
    monkeypatch.setattr(demo_module, "build", list)


@pytest.fixture
def open_umask():
    """A umask that would leave a new file readable by everyone: the mode must not depend on it."""
    previous = os.umask(0o022)
    yield
    os.umask(previous)


def run(command, *args) -> str:
    out = io.StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def stored(path) -> dict[str, tuple[str, str]]:
    """username -> (role, password), read the way a person reads the file."""
    rows = {}
    for line in path.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            role, username, password = line.split()
            rows[username] = (role, password)
    return rows


def mode(path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def logs_in(username, password) -> bool:
    response = Client().post("/akun/masuk/", {"username": username, "password": password})
    return response.status_code == 302


def test_load_demo_keeps_the_passwords_in_a_private_file(quick_demo, open_umask, tmp_path):
    path = tmp_path / "var" / "demo-accounts.txt"
    output = run("load_demo", "--if-empty", "--passwords-file", str(path))

    assert mode(path) == 0o600
    rows = stored(path)
    assert {username: role for username, (role, _p) in rows.items()} == ROLES
    for username, (_role, password) in rows.items():
        assert len(password) >= 16
        assert password not in output  # the terminal's scroll-back does not keep them
        assert logs_in(username, password)
    assert f"kata sandinya disimpan di {path}" in output
    assert not list(path.parent.glob(".demo-accounts-*"))  # no temporary file left behind


def test_load_demo_without_a_file_still_prints_the_passwords_once(quick_demo):
    output = run("load_demo")
    printed = {line.split()[1]: line.split()[2] for line in output.splitlines()[2:]}
    assert set(printed) == set(ROLES)
    assert all(logs_in(username, password) for username, password in printed.items())


def test_demo_accounts_lists_the_accounts_and_where_the_passwords_are(quick_demo, tmp_path):
    path = tmp_path / "demo-accounts.txt"
    run("load_demo", "--passwords-file", str(path))
    output = run("demo_accounts", "--passwords-file", str(path))

    lines = output.splitlines()
    assert lines[0].startswith("Akun demo")
    assert [line.split() for line in lines[1:4]] == [[r, u] for u, r in ROLES.items()]
    assert f"cat {path}" in lines[4]
    assert "--reset" not in output  # every stored password still opens its account
    for _role, password in stored(path).values():
        assert password not in output


def test_a_changed_password_is_reported_not_shown_as_valid(quick_demo, tmp_path):
    path = tmp_path / "demo-accounts.txt"
    run("load_demo", "--passwords-file", str(path))
    manager = get_user_model().objects.get(username="manajer-demo")
    manager.set_password("diganti-di-akun-sandi")
    manager.save()

    output = run("demo_accounts", "--passwords-file", str(path))
    assert "manajer-demo   (kata sandi sudah diubah sejak disimpan)" in output
    assert "staf-demo      (" not in output
    assert f"demo_accounts --reset --passwords-file {path}" in output


def test_accounts_without_a_password_file(quick_demo, tmp_path):
    run("load_demo")  # printed once, as before the file existed
    output = run("demo_accounts", "--passwords-file", str(tmp_path / "none.txt"))
    assert output.count("(kata sandi tidak tersimpan)") == 3
    assert "cat " not in output
    assert "demo_accounts --reset" in output


def test_no_demo_accounts_points_to_createsuperuser(db, tmp_path):
    output = run("demo_accounts", "--passwords-file", str(tmp_path / "demo-accounts.txt"))
    assert "Belum ada akun demo" in output
    assert "createsuperuser" in output
    assert not (tmp_path / "demo-accounts.txt").exists()


def test_reset_gives_new_passwords_and_a_private_file(quick_demo, open_umask, tmp_path):
    path = tmp_path / "demo-accounts.txt"
    run("load_demo", "--passwords-file", str(path))
    old = stored(path)
    path.chmod(0o644)  # as if someone had loosened it

    output = run("demo_accounts", "--reset", "--passwords-file", str(path))

    assert mode(path) == 0o600
    new = stored(path)
    assert set(new) == set(ROLES)
    for username in ROLES:
        assert new[username][1] != old[username][1]
        assert not logs_in(username, old[username][1])
        assert logs_in(username, new[username][1])
    assert "Kata sandi baru" in output
    assert "(kata sandi" not in output  # all valid again


def test_reset_recreates_a_deleted_demo_account(quick_demo, tmp_path):
    path = tmp_path / "demo-accounts.txt"
    run("load_demo", "--passwords-file", str(path))
    get_user_model().objects.filter(username="petugas-demo").delete()
    assert "petugas-demo" not in run("demo_accounts", "--passwords-file", str(path))

    run("demo_accounts", "--reset", "--passwords-file", str(path))
    officer = get_user_model().objects.get(username="petugas-demo")
    assert officer.groups.get().name == "Petugas"
    assert logs_in("petugas-demo", stored(path)["petugas-demo"][1])


def test_a_second_load_keeps_the_stored_passwords(quick_demo, tmp_path):
    """load_demo --force on a database whose accounts exist: create_demo_accounts gives no
    password for them, and the file keeps the ones that still open them."""
    path = tmp_path / "demo-accounts.txt"
    run("load_demo", "--passwords-file", str(path))
    before = stored(path)
    run("load_demo", "--force", "--passwords-file", str(path))
    assert stored(path) == before
    assert "(kata sandi" not in run("demo_accounts", "--passwords-file", str(path))
