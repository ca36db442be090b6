"""Field validators whose limits come from settings or today's date, so they are checked by
``full_clean`` in the services rather than frozen into a migration."""

import re
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# Named here too: the migrations of the registry's date fields refer to it by this path.
from kimtracker.dates import validate_not_in_future as validate_not_in_future

kecamatan_code_validator = RegexValidator(
    r"^\d{2}\.\d{2}\.\d{2}$",
    _("Kode kecamatan harus berbentuk NN.NN.NN, misalnya 35.07.08."),
)
desa_code_validator = RegexValidator(
    r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$",
    _("Kode desa harus berbentuk NN.NN.NN.NNNN, misalnya 35.07.08.2001."),
)


@deconstructible
class MemberCountValidator:
    """Member count between KIM_MEMBER_COUNT_MIN and KIM_MEMBER_COUNT_MAX, read at check time."""

    def __call__(self, value):
        low, high = settings.KIM_MEMBER_COUNT_MIN, settings.KIM_MEMBER_COUNT_MAX
        if value is not None and not (low <= value <= high):
            raise ValidationError(
                _("Jumlah anggota harus antara %(min)d dan %(max)d orang."),
                code="member_count",
                params={"min": low, "max": high},
            )

    def __eq__(self, other):
        return isinstance(other, MemberCountValidator)


_PHONE_SEPARATORS = re.compile(r"[\s\-\.\(\)\u2010-\u2015\u2212]")


def _ascii_digits(text: str) -> str:
    """``text`` in NFKC (fullwidth ＋ and ０-９ become + and 0-9) with every decimal digit of
    another script (Arabic-Indic ٠-٩, Devanagari...) written as its ASCII digit. Other
    characters are left as they are, for the caller to refuse."""
    return "".join(
        str(unicodedata.decimal(char)) if char.isdecimal() else char
        for char in unicodedata.normalize("NFKC", text)
    )


def normalize_phone(value: str) -> str:
    """An Indonesian phone number in international form: "0812-3456-789", "62812...", and
    "+62 812..." all become "+62812..."; "" stays "". Digits of any script become ASCII (a
    phone keyboard set to Arabic or a fullwidth input method types them). Raises
    ``ValidationError`` otherwise. Numbers have 8 to 13 digits after the country code (mobile
    8xx, landline with area code). The one rule: the forms, the importer and the services
    (for every other path) call it."""
    value = _PHONE_SEPARATORS.sub("", _ascii_digits(value or ""))
    if not value:
        return ""
    if value.startswith("+62"):
        national = value[3:]
    elif value.startswith("62"):
        national = value[2:]
    elif value.startswith("0"):
        national = value[1:]
    else:
        national = None
    if (
        national is None
        or not (national.isascii() and national.isdigit())
        or not 8 <= len(national) <= 13
        or (national.startswith("0"))
    ):
        raise ValidationError(
            _("Nomor telepon tidak dikenali; tulis seperti 081234567890 atau +6281234567890."),
            code="phone",
        )
    return "+62" + national
