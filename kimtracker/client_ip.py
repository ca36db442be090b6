"""The address of the client a request comes from, for login throttling (django-axes calls
``client_ip`` through ``AXES_CLIENT_IP_CALLABLE``).

Behind a reverse proxy every request arrives from the proxy's address, so throttling on
``REMOTE_ADDR`` alone locked a username for everyone after five bad passwords from anyone. The
proxy names the client in ``X-Forwarded-For``, but anyone can send that header too: it is
believed only from the proxies listed in ``KIM_TRUSTED_PROXIES`` (addresses or networks). Each
proxy appends the address it was connected from, so the header is read from the right, past the
trusted proxies, to the first address no trusted proxy could have written: what a client puts
on the left is never reached while a trusted proxy stands between. Without trusted proxies (the
default) the connection's address is the client's.
"""

import functools
import ipaddress

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def _networks(entries: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in entries)
    except ValueError as error:
        raise ImproperlyConfigured(f"KIM_TRUSTED_PROXIES: {error}") from error


def trusted_proxies() -> tuple[Network, ...]:
    """The networks of ``KIM_TRUSTED_PROXIES`` (a single address is a network of one)."""
    return _networks(tuple(entry for entry in settings.KIM_TRUSTED_PROXIES if entry.strip()))


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def _is_trusted(address, proxies: tuple[Network, ...]) -> bool:
    return address is not None and any(address in network for network in proxies)


def client_ip(request) -> str | None:
    """``REMOTE_ADDR``, or, when that is a trusted proxy, the right-most address of
    ``X-Forwarded-For`` that is not one. An entry that is no address where a client's should
    be (a proxy that does not append, or a broken header) gives the connection's address."""
    remote = request.META.get("REMOTE_ADDR")
    proxies = trusted_proxies()
    if not proxies or not _is_trusted(_address(remote or ""), proxies):
        return remote
    forwarded = request.headers.get("x-forwarded-for", "").split(",")
    for entry in reversed(forwarded):
        address = _address(entry)
        if address is None:
            return remote
        if not _is_trusted(address, proxies):
            return str(address)
    return remote
