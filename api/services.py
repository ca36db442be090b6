"""Writes of the API app: making and revoking a user's personal access tokens."""

from django.db import transaction
from django.utils import timezone

from .models import PREFIX_LENGTH, PersonalAccessToken, hash_token, new_token


@transaction.atomic
def create_token(*, user, name: str) -> tuple[PersonalAccessToken, str]:
    """A new token of ``user`` named ``name``: the saved row (hash and prefix only) and the
    token itself, which the caller shows once and nobody can read again."""
    token = new_token()
    row = PersonalAccessToken(
        user=user, name=name.strip(), prefix=token[:PREFIX_LENGTH], key_hash=hash_token(token)
    )
    row.full_clean()
    row.save()
    return row, token


@transaction.atomic
def revoke_token(*, user, pk: int) -> PersonalAccessToken:
    """Revoke ``user``'s token ``pk`` (``DoesNotExist`` for another user's): from now on the
    API answers it 401. Revoking twice keeps the first time."""
    row = PersonalAccessToken.objects.select_for_update().get(user=user, pk=pk)
    if row.revoked_at is None:
        row.revoked_at = timezone.now()
        row.save(update_fields=["revoked_at"])
    return row
