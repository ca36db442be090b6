"""Login throttling through the real reverse proxy: Debian's nginx with the bench's
configuration (``bench/nginx.conf.template``, as in docs/deploy.md) in front of gunicorn with
``KIM_TRUSTED_PROXIES=127.0.0.1``. Clients are other loopback addresses (127.0.0.2, ...), so
nginx sees each as itself and appends it to ``X-Forwarded-For``. Skips without nginx
(``apt-get install nginx-light``), unless KIM_REQUIRE_NGINX=1."""

import os
import shutil
import socket
import subprocess
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from .scratch import OFFICER, PASSWORD, ROOT, ScratchDatabase
from .test_multiserver import Browser, csrf_token, gunicorn, wait_until_serving

NGINX = shutil.which("nginx") or shutil.which("/usr/sbin/nginx")
CLIENT_A, CLIENT_B, OUTSIDER, DIRECT = "127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5"


@dataclass
class Proxy:
    port: int


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def nginx(out: Path, upstream_port: int):
    """nginx on a free port of 127.0.0.1, passing to ``upstream_port`` (in the foreground, its
    own process; stopped on exit)."""
    port = free_port()
    for folder in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (out / "nginx-tmp" / folder).mkdir(parents=True, exist_ok=True)
    config = (ROOT / "bench" / "nginx.conf.template").read_text()
    for marker, value in (
        ("@OUT@", out),
        ("@PROXY_PORT@", port),
        ("@GUNICORN_PORT@", upstream_port),
    ):
        config = config.replace(marker, str(value))
    (out / "nginx.conf").write_text(config)
    process = subprocess.Popen(
        [
            NGINX,
            "-p",
            str(out),
            "-c",
            str(out / "nginx.conf"),
            "-e",
            str(out / "nginx-error.log"),
            "-g",
            "daemon off;",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            assert process.poll() is None, (out / "nginx-error.log").read_text()
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline, "nginx never listened"
            time.sleep(0.05)
        yield Proxy(port)
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture
def proxied(tmp_path):
    if NGINX is None:
        if os.environ.get("KIM_REQUIRE_NGINX") == "1":
            pytest.fail("nginx not found, and KIM_REQUIRE_NGINX=1")
        pytest.skip("nginx not found: apt-get install nginx-light")
    with ExitStack() as stack:
        database = stack.enter_context(ScratchDatabase(tmp_path))
        app = stack.enter_context(
            gunicorn(
                database,
                tmp_path / "gunicorn.log",
                workers=1,
                env={"KIM_TRUSTED_PROXIES": "127.0.0.1"},
            )
        )
        wait_until_serving(app, reverse("login"))
        proxy = stack.enter_context(nginx(tmp_path, app.port))
        yield database, proxy, app


def log_in(server, source: str, password: str, headers=None) -> int:
    """The status of a log-in as OFFICER from ``source``, with the real form (CSRF, axes)."""
    browser = Browser(source)
    page = browser.get(server, reverse("login"))
    assert page.status == 200, page.text
    data = {"csrfmiddlewaretoken": csrf_token(page), "username": OFFICER, "password": password}
    # nginx says the request came over HTTPS, where Django's CSRF check wants a same-origin
    # Referer, as a browser sends.
    referer = {"Referer": f"https://127.0.0.1:{server.port}{reverse('login')}"}
    return browser.post(server, reverse("login"), data, {**referer, **(headers or {})}).status


def lock_out(server, source: str, headers=None):
    """Bad passwords from ``source`` until it is locked out (the last one answers 429), and
    then even the right one is refused."""
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert log_in(server, source, "salah", headers) == 200
    assert log_in(server, source, "salah", headers) == 429
    assert log_in(server, source, PASSWORD, headers) == 429


def test_clients_behind_nginx_do_not_lock_each_other_out(proxied):
    database, proxy, app = proxied
    lock_out(proxy, CLIENT_A)
    assert log_in(proxy, CLIENT_B, PASSWORD) == 302
    # Someone outside naming B in the header: nginx appends the real address, which counts.
    lock_out(proxy, OUTSIDER, {"X-Forwarded-For": CLIENT_B})
    # Someone reaching gunicorn directly with a forged header: not a trusted proxy, not believed.
    lock_out(app, DIRECT, {"X-Forwarded-For": CLIENT_B})
    assert log_in(proxy, CLIENT_B, PASSWORD) == 302
    locked = {row[0] for row in database.query("SELECT ip_address FROM axes_accessattempt")}
    assert locked == {CLIENT_A, OUTSIDER, DIRECT}
