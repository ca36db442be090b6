"""Personal access tokens of the read API (/api/v1/): a user makes them on their account page
and sends one as ``Authorization: Bearer ...``. Only a SHA-256 hash of the token is stored,
with a short visible prefix so that the user can tell their tokens apart; the token itself is
shown once, when made. A token reads what its user may read (their role and wilayah), no more."""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# Every token starts with it: a leaked one is recognisable (secret scanners, logs).
TOKEN_START = "kim_"  # noqa: S105 (a label, not a secret)
# Characters of the token kept in clear: the start and 8 random characters.
PREFIX_LENGTH = len(TOKEN_START) + 8


def hash_token(token: str) -> str:
    """The stored form of ``token``: its SHA-256, hexadecimal. Tokens are 256 random bits, so
    a plain hash (no salt, no slow function) cannot be reversed and is found by an index."""
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """A fresh token: the start and 43 URL-safe characters (256 bits)."""
    return TOKEN_START + secrets.token_urlsafe(32)


class PersonalAccessTokenQuerySet(models.QuerySet):
    def usable(self):
        """Tokens not revoked, of active users: the only ones the API accepts."""
        return self.filter(revoked_at__isnull=True, user__is_active=True)


class PersonalAccessToken(models.Model):
    """A user's token for the read API: its name, hash and visible prefix, when it was made,
    last used and revoked (a revoked token is kept, so the page still lists it)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("pengguna"),
    )
    name = models.CharField(
        _("nama"), max_length=100, help_text=_("Untuk apa token ini, mis. 'Dasbor provinsi'.")
    )
    prefix = models.CharField(_("awalan"), max_length=PREFIX_LENGTH)
    key_hash = models.CharField(_("hash SHA-256"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("terakhir dipakai"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("dicabut"), null=True, blank=True)

    objects = PersonalAccessTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("token akses pribadi")
        verbose_name_plural = _("token akses pribadi")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(name=""),
                name="api_token_name_not_blank",
                violation_error_message=_("Nama token wajib diisi."),
            ),
        ]

    def __str__(self):
        return f"{self.prefix}… ({self.name})"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    def mark_used(self) -> None:
        """Record a use, at most once a minute: a script calling every second would otherwise
        write a row per request."""
        now = timezone.now()
        if self.last_used_at is None or (now - self.last_used_at).total_seconds() >= 60:
            PersonalAccessToken.objects.filter(pk=self.pk).update(last_used_at=now)
            self.last_used_at = now
