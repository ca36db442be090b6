"""How the read API knows who asks: a personal access token in ``Authorization: Bearer ...``
(``TokenAuth``), and how often it may ask (``TokenRateThrottle``, ``KIM_API_RATE`` per token)."""

from django.conf import settings
from django.core.cache import cache
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from .models import PersonalAccessToken, hash_token


class TokenAuth(HttpBearer):
    """A token that exists, is not revoked and whose user is active; the request then reads as
    that user (``request.user``: their role and wilayah). Anything else: None, which the API
    answers 401."""

    def authenticate(self, request, token: str):
        token = token.strip()
        if not token:
            return None
        row = (
            PersonalAccessToken.objects.usable()
            .select_related("user")
            .filter(key_hash=hash_token(token))
            .first()
        )
        if row is None:
            return None
        row.mark_used()
        request.user = row.user
        return row


class TokenRateThrottle(SimpleRateThrottle):
    """At most ``KIM_API_RATE`` requests per token (e.g. "60/min"), counted in the default cache
    (Redis when ``REDIS_URL`` is set, so every worker counts together). The rate is read on
    each request, so a changed setting applies without a restart."""

    scope = "token"
    cache = cache

    def __init__(self):
        # The rate is read per request (allow_request), not once when the API is built.
        self.rate = None
        self.num_requests = self.duration = None

    def get_cache_key(self, request):
        token = getattr(request, "auth", None)
        if token is None:
            return None
        # The hash, not the id: ids come back after a rolled-back test, hashes never.
        return f"kim_api_throttle_{token.key_hash[:32]}"

    def allow_request(self, request) -> bool:
        self.rate = settings.KIM_API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)
