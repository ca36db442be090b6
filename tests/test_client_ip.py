"""``kimtracker.client_ip``: the client's address, believed from X-Forwarded-For only when the
request comes from a trusted proxy."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from kimtracker.client_ip import client_ip


def request(remote, forwarded=None):
    meta = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        meta["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **meta)


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        # Directly connected, header or not: the connection.
        ("198.51.100.7", None, "198.51.100.7"),
        ("198.51.100.7", "203.0.113.20", "198.51.100.7"),
        # Through the proxy: what it appended.
        ("127.0.0.1", "203.0.113.10", "203.0.113.10"),
        ("127.0.0.1", " 203.0.113.10 ", "203.0.113.10"),
        ("127.0.0.1", "203.0.113.20, 198.51.100.8", "198.51.100.8"),
        # Two proxies (a load balancer in 10.0.0.0/24, then nginx): past both.
        ("127.0.0.1", "203.0.113.20, 198.51.100.8, 10.0.0.5", "198.51.100.8"),
        ("127.0.0.1", "2001:db8::1", "2001:db8::1"),
        # A proxy that sent no usable header: its own address.
        ("127.0.0.1", None, "127.0.0.1"),
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "bukan-alamat", "127.0.0.1"),
        ("127.0.0.1", "10.0.0.5", "127.0.0.1"),
    ],
)
def test_client_ip_behind_trusted_proxies(settings, remote, forwarded, client):
    settings.KIM_TRUSTED_PROXIES = ["127.0.0.1", "10.0.0.0/24"]
    assert client_ip(request(remote, forwarded)) == client


def test_no_trusted_proxies_no_header_believed(settings):
    settings.KIM_TRUSTED_PROXIES = []
    assert client_ip(request("127.0.0.1", "203.0.113.10")) == "127.0.0.1"


def test_a_bad_trusted_proxy_is_a_configuration_error(settings):
    settings.KIM_TRUSTED_PROXIES = ["127.0.0.300"]
    with pytest.raises(ImproperlyConfigured, match="KIM_TRUSTED_PROXIES"):
        client_ip(request("127.0.0.1", "203.0.113.10"))
