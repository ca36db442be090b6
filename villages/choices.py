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
