"""Choices of the registry, one TextChoices per concept."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DesaKind(models.TextChoices):
    """Whether a village is a desa or a kelurahan; Kemendagri encodes it in the code's fourth
    segment (2xxx desa, 1xxx kelurahan, 3xxx desa adat, which we count as desa)."""

    DESA = "desa", _("Desa")
    KELURAHAN = "kelurahan", _("Kelurahan")


class KIMLevel(models.TextChoices):
    """The maturity levels of a KIM used by Diskominfo, from new to self-reliant."""

    PEMULA = "pemula", _("Pemula")
    BERKEMBANG = "berkembang", _("Berkembang")
    MANDIRI = "mandiri", _("Berdaya/Mandiri")


class ActivityKind(models.TextChoices):
    """The KIM activity types of the Kominfo guidance, plus training attended."""

    AKSES_INFORMASI = "akses_informasi", _("Akses informasi")
    DISKUSI = "diskusi", _("Diskusi")
    IMPLEMENTASI = "implementasi", _("Implementasi")
    JEJARING = "jejaring", _("Jejaring")
    DISEMINASI = "diseminasi", _("Diseminasi")
    ASPIRASI = "aspirasi", _("Aspirasi")
    PELATIHAN = "pelatihan", _("Pelatihan/bimtek")


class AccountEventKind(models.TextChoices):
    """What happened to a user account (``AccountEvent``)."""

    INVITED = "invited", _("Diundang")
    ROLE_CHANGED = "role_changed", _("Peran diubah")
    WILAYAH_GIVEN = "wilayah_given", _("Wilayah diberikan")
    WILAYAH_TAKEN = "wilayah_taken", _("Wilayah dicabut")
    DEACTIVATED = "deactivated", _("Dinonaktifkan")
    REACTIVATED = "reactivated", _("Diaktifkan kembali")
    INVITATION_SENT = "invitation_sent", _("Undangan dikirim ulang")
    TWO_FACTOR_ENABLED = "two_factor_enabled", _("Verifikasi dua langkah diaktifkan")
    TWO_FACTOR_REMOVED = "two_factor_removed", _("Verifikasi dua langkah dilepas")
