"""Two gunicorn instances on one database, as behind a load balancer: the app servers keep no
state of their own. A session opened on one is valid on the other, a KIM registered on one is at
once on the other's pages and figures, and logging out on one ends the session on both."""

import html
import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.urls import reverse

from .scratch import MANAGER, PASSWORD, ROOT, ScratchDatabase

pytest.importorskip("gunicorn.app.wsgiapp", reason="gunicorn does not run on this platform")

HTTP_TIMEOUT = 30
# The date the compared figures are asked for: fixed, so both servers answer for the same day.
AS_OF = "?tanggal=2025-06-30"


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode()

    @property
    def location(self) -> str:
        return self.headers.get("Location", "")


class Browser:
    """Cookies and requests, without following redirects. Cookies are sent to whichever server
    is asked (as a browser does behind one host name and a load balancer). ``source`` is the
    local address it connects from (another 127.x.y.z is another client)."""

    def __init__(self, source: str | None = None):
        self.cookies: dict[str, str] = {}
        self.source = source

    def request(self, server, method, path, data=None, headers=None) -> Response:
        headers = {"Host": f"127.0.0.1:{server.port}", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if data is not None:
            body = urlencode(data)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        connection = http.client.HTTPConnection(
            "127.0.0.1",
            server.port,
            timeout=HTTP_TIMEOUT,
            source_address=(self.source, 0) if self.source else None,
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            reply = connection.getresponse()
            response = Response(reply.status, reply.headers, reply.read())
        finally:
            connection.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, server, path) -> Response:
        return self.request(server, "GET", path)

    def post(self, server, path, data, headers=None) -> Response:
        return self.request(server, "POST", path, data, headers)


def csrf_token(page: Response) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    assert match, "no CSRF token on the page"
    return match.group(1)


def figure_cards(page: Response) -> dict[str, str]:
    """The number on each figure card of the dashboard, by card."""
    cards = {}
    for chunk in page.text.split('data-card="')[1:]:
        name, _quote, rest = chunk.partition('"')
        value = re.search(r"data-value>([^<]*)<", rest.split("data-card=")[0])
        cards[name] = value.group(1).strip() if value else None
    assert cards.get("kim-formed") is not None, "no figure cards on the dashboard"
    return cards


def json_scripts(page: Response) -> dict[str, str]:
    """The chart data the page hands to its scripts (``json_script``), by element id."""
    return dict(
        re.findall(r'<script id="([^"]+)" type="application/json">(.*?)</script>', page.text)
    )


@dataclass
class Server:
    port: int
    process: subprocess.Popen
    log: Path


@contextmanager
def gunicorn(database: ScratchDatabase, log: Path, workers: int = 2, env: dict | None = None):
    """``gunicorn kimtracker.wsgi`` on a free port of 127.0.0.1, on ``database`` (``env`` adds
    to its environment). The test binds the listening socket and hands it over (``fd://``), so
    no other process can take the port between choosing and binding it. Stopped (SIGTERM, then
    SIGKILL) with its workers on exit."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    with open(log, "w") as output:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "gunicorn",
                "kimtracker.wsgi",
                "--bind",
                f"fd://{listener.fileno()}",
                "--workers",
                str(workers),
                "--timeout",
                "60",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env={**database.env(), **(env or {})},
            pass_fds=[listener.fileno()],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: master and workers
        )
    listener.close()  # gunicorn holds its own copy
    try:
        yield Server(port, process, log)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=15)


def wait_until_serving(server: Server, path: str):
    """Poll the log-in page until a worker answers it (bounded)."""
    deadline = time.monotonic() + 60
    while True:
        returncode = server.process.poll()
        assert returncode is None, f"gunicorn exited ({returncode}):\n{server.log.read_text()}"
        try:
            response = Browser().get(server, path)
        except OSError:
            response = None
        if response is not None:
            assert response.status == 200, server.log.read_text()
            return
        assert time.monotonic() < deadline, f"gunicorn never answered:\n{server.log.read_text()}"
        time.sleep(0.1)


@pytest.fixture
def servers(tmp_path):
    """Two gunicorn instances (2 workers each) on one scratch database."""
    with ExitStack() as stack:
        database = stack.enter_context(ScratchDatabase(tmp_path))
        a = stack.enter_context(gunicorn(database, tmp_path / "gunicorn-a.log"))
        b = stack.enter_context(gunicorn(database, tmp_path / "gunicorn-b.log"))
        for server in (a, b):
            wait_until_serving(server, reverse("login"))
        yield database, a, b


def test_two_app_servers_share_sessions_and_data(servers):
    database, a, b = servers
    assert a.port != b.port
    browser = Browser()

    # Log in on A with the real form (CSRF, django-axes, password check).
    login_page = browser.get(a, reverse("login"))
    assert login_page.status == 200
    logged_in = browser.post(
        a,
        reverse("login"),
        {
            "csrfmiddlewaretoken": csrf_token(login_page),
            "username": MANAGER,
            "password": PASSWORD,
        },
    )
    assert logged_in.status == 302, logged_in.text
    assert logged_in.location == reverse("dashboard")
    session_key = browser.cookies["sessionid"]
    # The session lives in the shared database, not in A.
    assert (
        database.value("SELECT COUNT(*) FROM django_session WHERE session_key = %s", [session_key])
        == 1
    )

    # The same cookie is a logged-in session on B.
    dashboard_b = browser.get(b, reverse("dashboard"))
    assert dashboard_b.status == 200, dashboard_b.location
    assert f">{MANAGER}</a>" in dashboard_b.text
    assert figure_cards(dashboard_b)["kim-formed"] == "0"

    # Register a KIM through B...
    form = browser.get(b, reverse("villages:kim_create"))
    assert form.status == 200
    desa_name = database.value("SELECT name FROM villages_desa WHERE code = %s", ["35.07.08.2001"])
    created = browser.post(
        b,
        reverse("villages:kim_create"),
        {
            "csrfmiddlewaretoken": csrf_token(form),
            "kecamatan": "35.07.08",
            "desa": "35.07.08.2001",
            "name": "KIM Dua Server",
            "formed_on": "2024-03-01",
            "member_count": "12",
        },
    )
    assert created.status == 302, created.text
    pk = database.value("SELECT id FROM villages_kim WHERE name = %s", ["KIM Dua Server"])
    assert created.location == reverse("villages:kim_detail", args=[pk])

    # ... and A shows it at once: detail (with its history), list, figures.
    detail_a = browser.get(a, created.location)
    assert detail_a.status == 200
    assert "KIM Dua Server" in detail_a.text
    assert html.escape(desa_name) in detail_a.text
    assert MANAGER in detail_a.text  # who registered it, from the history
    list_a = browser.get(a, reverse("villages:kim_list"))
    assert list_a.status == 200
    assert "KIM Dua Server" in list_a.text

    dashboard_a = browser.get(a, reverse("dashboard") + AS_OF)
    dashboard_b = browser.get(b, reverse("dashboard") + AS_OF)
    assert dashboard_a.status == dashboard_b.status == 200
    cards = figure_cards(dashboard_a)
    assert cards == figure_cards(dashboard_b)
    assert (cards["kim-formed"], cards["kim-active"], cards["desa-covered"]) == ("1", "1", "1")
    charts = json_scripts(dashboard_a)
    assert charts
    assert charts == json_scripts(dashboard_b)
    open_data = reverse("reports:open_data", args=["json"]) + AS_OF
    open_data_a, open_data_b = browser.get(a, open_data), browser.get(b, open_data)
    assert open_data_a.status == open_data_b.status == 200
    assert open_data_a.body == open_data_b.body
    assert json.loads(open_data_a.body)["jumlah"] == 1
    assert "KIM Dua Server" in open_data_a.text
    map_data = reverse("reports:map_data") + AS_OF
    map_a, map_b = browser.get(a, map_data), browser.get(b, map_data)
    assert map_a.status == map_b.status == 200
    assert map_a.body == map_b.body

    # Log out on A: the session is gone for B too, even for a client that kept the cookie.
    kept_cookies = dict(browser.cookies)
    logged_out = browser.post(
        a, reverse("logout"), {"csrfmiddlewaretoken": csrf_token(dashboard_a)}
    )
    assert logged_out.status == 302
    assert logged_out.location == reverse("login")
    assert "sessionid" not in browser.cookies
    assert (
        database.value("SELECT COUNT(*) FROM django_session WHERE session_key = %s", [session_key])
        == 0
    )
    replay = Browser()
    replay.cookies = kept_cookies
    for server in (b, a):
        page = replay.get(server, reverse("dashboard"))
        assert page.status == 302
        assert page.location.startswith(reverse("login"))
