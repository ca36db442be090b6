"""First start: what ``make run`` does and in which order, and which Debian packages it may
install. ``make -n`` prints the commands a target would run without running them;
``scripts/system-packages.sh`` runs against stand-ins for id, dpkg-query and apt-get."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "scripts" / "system-packages.sh"

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs make")


def planned(target: str, *variables: str) -> list[str]:
    """The commands ``make TARGET`` would run, one per line, without running any (outside the
    ``make test`` that may be running this test: its flags and variables left out)."""
    env = {k: v for k, v in os.environ.items() if k not in {"MAKEFLAGS", "MAKELEVEL", "MFLAGS"}}
    result = subprocess.run(
        ["make", "-n", "--no-print-directory", target, *variables],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return [line for line in result.stdout.splitlines() if line.strip()]


def position(lines: list[str], needle: str) -> int:
    found = [i for i, line in enumerate(lines) if needle in line]
    assert len(found) == 1, f"{needle!r} in {len(found)} commands of {lines}"
    return found[0]


def test_run_prints_the_accounts_after_the_set_up_and_just_before_gunicorn():
    lines = planned("run", "DEMO_ACCOUNTS=/tmp/kim-accounts.txt")
    migrate = position(lines, "manage.py migrate")
    load_demo = position(lines, "manage.py load_demo")
    packages = position(lines, "system-packages.sh")
    collectstatic = position(lines, "manage.py collectstatic")
    accounts = position(lines, "manage.py demo_accounts")
    gunicorn = position(lines, "gunicorn kimtracker.wsgi")

    assert migrate < load_demo < packages < collectstatic < accounts < gunicorn
    # Between the accounts and gunicorn only blank lines and the start of the background
    # worker, which prints nothing: nothing pushes the accounts out of sight.
    worker = position(lines, "manage.py db_worker")
    assert accounts < worker < gunicorn
    assert all(
        line.strip() in {"echo", 'echo ""'} or "DJANGO_SETTINGS_MODULE" in line
        for line in lines[accounts + 1 : worker]
    )
    # The address is printed just before the accounts.
    assert "http://127.0.0.1:8000/" in lines[accounts - 1]
    # load_demo writes the passwords where demo_accounts reads them.
    assert "--passwords-file /tmp/kim-accounts.txt" in lines[load_demo]
    assert "--passwords-file /tmp/kim-accounts.txt" in lines[accounts]


def test_run_installs_only_the_packages_the_app_uses_and_test_the_tests_ones():
    run_calls = [line for line in planned("run") if "system-packages.sh" in line]
    assert run_calls == ["bash scripts/system-packages.sh run"]
    assert [line for line in planned("db") if "system-packages.sh" in line] == []
    test_calls = [line for line in planned("test") if "system-packages.sh" in line]
    assert test_calls == ["bash scripts/system-packages.sh test"]


def package_set(name: str) -> set[str]:
    result = subprocess.run(
        ["bash", str(SCRIPT), name, "--list"], capture_output=True, text=True, check=True
    )
    return set(result.stdout.split())


def test_the_run_set_is_the_pdf_libraries_only():
    run_set, test_set = package_set("run"), package_set("test")
    assert run_set == {
        "libpango-1.0-0",
        "libpangoft2-1.0-0",
        "libharfbuzz-subset0",
        "fonts-dejavu-core",
    }
    assert run_set < test_set
    assert {"chromium", "nginx-light", "postgresql-client"} <= test_set - run_set


@pytest.fixture
def fake_system(tmp_path):
    """A PATH whose id, dpkg-query and apt-get are stand-ins: FAKE_UID is the user id,
    FAKE_INSTALLED the installed packages; apt-get writes its arguments to apt.log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    scripts = {
        "id": 'echo "$FAKE_UID"\n',
        "dpkg-query": (
            'package="${@: -1}"\n'
            'case " $FAKE_INSTALLED " in *" $package "*) echo -n "install ok installed";; '
            "*) exit 1;; esac\n"
        ),
        "apt-get": f'echo "$*" >> {tmp_path / "apt.log"}\n',
    }
    for name, body in scripts.items():
        path = bin_dir / name
        path.write_text("#!/bin/bash\n" + body)
        path.chmod(0o755)

    def run(set_name: str, *, uid: int, installed: set[str] = frozenset()):
        env = {
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "FAKE_UID": str(uid),
            "FAKE_INSTALLED": " ".join(sorted(installed)),
        }
        result = subprocess.run(
            ["bash", str(SCRIPT), set_name], capture_output=True, text=True, env=env, timeout=30
        )
        log = tmp_path / "apt.log"
        apt = log.read_text().splitlines() if log.exists() else []
        log.unlink(missing_ok=True)
        return result, apt

    return run


def test_as_a_user_it_prints_the_apt_command_and_carries_on(fake_system):
    result, apt = fake_system("run", uid=1000)
    assert result.returncode == 0
    assert apt == []
    assert "for the PDF reports (WeasyPrint)" in result.stderr
    command = result.stderr.split("sudo apt-get install ")[1].split()
    assert set(command) == package_set("run")


def test_as_root_it_says_what_it_installs_and_why(fake_system):
    result, apt = fake_system("run", uid=0, installed={"fonts-dejavu-core"})
    assert result.returncode == 0
    assert result.stdout.startswith("Installing Debian packages for the PDF reports (WeasyPrint):")
    install = [line for line in apt if line.startswith("install")]
    assert len(install) == 1
    assert set(install[0].split()) - {"install", "-y", "-qq"} == package_set("run") - {
        "fonts-dejavu-core"
    }


def test_for_the_tests_it_installs_chromium_too(fake_system):
    result, apt = fake_system("test", uid=0, installed=package_set("run"))
    assert "browser, backup and proxy tests" in result.stdout
    assert {"chromium", "nginx-light"} <= set(apt[-1].split())


def test_nothing_missing_nothing_said(fake_system):
    result, apt = fake_system("test", uid=0, installed=package_set("test"))
    assert (result.returncode, result.stdout, result.stderr, apt) == (0, "", "", [])
