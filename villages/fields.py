"""Which of a KIM's fields are which, defined once: the details an officer sets (the services,
the form, the import, the admin), how the form and the detail page group them, which are
personal data, and which changes the history shows (the detail page, the concurrent-edit
message)."""

# The decree (SK) that formed the KIM.
SK_FIELDS = ("sk_number", "sk_date", "sk_issuer")
# Names and phone numbers of the KIM's officers: personal data, shown to officers and managers
# only (``roles.PERM_PERSONAL``): on the detail page, in its history, never in open data.
OFFICER_FIELDS = (
    "chair_name",
    "chair_phone",
    "secretary_name",
    "secretary_phone",
    "treasurer_name",
    "treasurer_phone",
)
PERSONAL_FIELDS = frozenset(OFFICER_FIELDS)
PHONE_FIELDS = tuple(name for name in OFFICER_FIELDS if name.endswith("_phone"))
CONTACT_FIELDS = ("address", "email", "website", "facebook", "instagram", "youtube")

# Fields an officer may set when registering or editing a KIM, besides its name, desa and
# formation date. Level and active flag are not among them: they change only through dated
# status changes (``services.record_status_change``).
KIM_DETAIL_FIELDS = (*SK_FIELDS, *OFFICER_FIELDS, "member_count", *CONTACT_FIELDS)

# Bookkeeping that every save changes: never listed as a change.
UNLISTED_CHANGES = ("updated_at", "version")


def changed_fields(record, older, *, hidden=frozenset()) -> list[str]:
    """Verbose names of the fields the history ``record`` changed since ``older`` (none when
    ``older`` is None: the first record), leaving out bookkeeping and the ``hidden`` fields."""
    if older is None:
        return []
    changes = record.diff_against(older, excluded_fields=UNLISTED_CHANGES).changes
    meta = record.instance_type._meta
    return [str(meta.get_field(c.field).verbose_name) for c in changes if c.field not in hidden]
