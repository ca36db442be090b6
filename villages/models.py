"""The registry: the wilayah (provinsi, kabupaten, kecamatan, desa) and the KIM formed in them.

A KIM's level and whether it is active are facts with dates (``KIMStatusChange``), kept forever so
that any figure can be computed as of a past date; the KIM row carries the current values only
for fast lists, and ``villages.services`` keeps the two consistent.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Cast, Lower
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kimtracker.dates import validate_not_before_earliest

from .choices import AccountEventKind, ActivityKind, DesaKind, KIMLevel
from .names import validate_single_script
from .querysets import (
    DesaQuerySet,
    IntervalQuerySet,
    KecamatanQuerySet,
    KIMQuerySet,
    StatusChangeQuerySet,
)
from .validators import (
    MemberCountValidator,
    desa_code_validator,
    kecamatan_code_validator,
    validate_not_in_future,
)

# A date of something that happened in the registry: not before KIM_EARLIEST_DATE, not after
# today; both limits read when checked.
PAST_DATE_VALIDATORS = [validate_not_before_earliest, validate_not_in_future]


class Provinsi(models.Model):
    """A province, as published by Kemendagri (code ``35`` is Jawa Timur)."""

    code = models.CharField(_("kode"), max_length=2, unique=True)
    name = models.CharField(_("nama"), max_length=100)

    class Meta:
        ordering = ["code"]
        verbose_name = _("provinsi")
        verbose_name_plural = _("provinsi")

    def __str__(self):
        return self.name


class Kabupaten(models.Model):
    """A regency or city (``35.07`` is Kabupaten Malang)."""

    code = models.CharField(_("kode"), max_length=5, unique=True)
    name = models.CharField(_("nama"), max_length=100)
    provinsi = models.ForeignKey(
        Provinsi, on_delete=models.PROTECT, related_name="kabupaten", verbose_name=_("provinsi")
    )
    boundary = models.JSONField(
        _("batas wilayah"),
        null=True,
        blank=True,
        help_text=_("Garis batas luar GeoJSON (EPSG:4326), dimuat oleh `load_boundaries`."),
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("kabupaten/kota")
        verbose_name_plural = _("kabupaten/kota")

    def __str__(self):
        return self.name

    @property
    def name_with_provinsi(self) -> str:
        """The name with its provinsi, e.g. "KOTA BATU (JAWA TIMUR)": how a choice among every
        kabupaten/kota of a province or the country names it (select ``provinsi`` with it)."""
        return f"{self.name} ({self.provinsi.name})"


def _boundary_text():
    """The boundary's GeoJSON as text, kept by the database beside the JSON column (a stored
    generated column): the map data writes thousands of boundaries out as they are, and
    printing PostgreSQL's ``jsonb`` back as text took over 100 ms for the country's 7,277
    kecamatan, reading this text a third of that. Left out of list queries (``defer``)."""
    return models.GeneratedField(
        expression=Cast("boundary", models.TextField()),
        output_field=models.TextField(),
        db_persist=True,
        verbose_name=_("batas wilayah (teks GeoJSON)"),
    )


class Kecamatan(models.Model):
    """A district (kecamatan), identified by its Kemendagri code, e.g. ``35.07.08`` (Wajak)."""

    code = models.CharField(
        _("kode"),
        max_length=8,
        unique=True,
        validators=[kecamatan_code_validator],
        error_messages={"unique": _("Sudah ada kecamatan dengan kode ini.")},
    )
    name = models.CharField(_("nama"), max_length=100)
    kabupaten = models.ForeignKey(
        Kabupaten, on_delete=models.PROTECT, related_name="kecamatan", verbose_name=_("kabupaten")
    )
    boundary = models.JSONField(
        _("batas wilayah"),
        null=True,
        blank=True,
        help_text=_("Geometri GeoJSON (EPSG:4326), disederhanakan oleh `import_boundaries`."),
    )
    boundary_geojson = _boundary_text()

    objects = KecamatanQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("villages:kecamatan_detail", args=[self.code])


class Desa(models.Model):
    """A desa or kelurahan, identified by its Kemendagri code, e.g. ``35.07.07.2016``."""

    code = models.CharField(
        _("kode"),
        max_length=13,
        unique=True,
        validators=[desa_code_validator],
        error_messages={"unique": _("Sudah ada desa/kelurahan dengan kode ini.")},
    )
    name = models.CharField(_("nama"), max_length=100)
    kecamatan = models.ForeignKey(
        Kecamatan, on_delete=models.PROTECT, related_name="desa", verbose_name=_("kecamatan")
    )
    kind = models.CharField(_("jenis"), max_length=10, choices=DesaKind.choices)
    boundary = models.JSONField(
        _("batas wilayah"),
        null=True,
        blank=True,
        help_text=_("Geometri GeoJSON (EPSG:4326), disederhanakan oleh `import_boundaries`."),
    )
    boundary_geojson = _boundary_text()

    objects = DesaQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("desa/kelurahan")
        verbose_name_plural = _("desa/kelurahan")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=DesaKind.values),
                name="desa_kind_valid",
                violation_error_message=_("Jenis harus desa atau kelurahan."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("villages:desa_detail", args=[self.code])


def _long_text(verbose_name, max_length: int):
    """A text of several lines with a maximum length, checked by ``full_clean`` (a
    ``TextField``'s ``max_length`` alone only limits the form's textarea) and by the form."""
    return models.TextField(
        verbose_name,
        max_length=max_length,
        blank=True,
        validators=[MaxLengthValidator(max_length)],
    )


def _client_key(help_text):
    """The key an officer's device makes for an entry recorded offline: a resend with a key
    already stored is the same entry and is not written twice (``villages.services``)."""
    return models.UUIDField(
        _("kunci perangkat"),
        null=True,
        blank=True,
        unique=True,
        editable=False,
        help_text=help_text,
    )


class KIM(models.Model):
    """A Kelompok Informasi Masyarakat formed in one desa.

    ``level``, ``is_active`` and ``inactive_since`` mirror the latest entries of the KIM's status
    timeline (``status_changes``); only ``villages.services`` writes them.
    """

    name = models.CharField(_("nama KIM"), max_length=150, validators=[validate_single_script])
    desa = models.ForeignKey(
        Desa, on_delete=models.PROTECT, related_name="kims", verbose_name=_("desa/kelurahan")
    )
    formed_on = models.DateField(_("tanggal pembentukan"), validators=PAST_DATE_VALIDATORS)
    level = models.CharField(
        _("tingkat"), max_length=12, choices=KIMLevel.choices, default=KIMLevel.PEMULA
    )
    is_active = models.BooleanField(_("aktif"), default=True)
    inactive_since = models.DateField(_("tidak aktif sejak"), null=True, blank=True)

    sk_number = models.CharField(_("nomor SK"), max_length=100, blank=True)
    sk_date = models.DateField(
        _("tanggal SK"), null=True, blank=True, validators=PAST_DATE_VALIDATORS
    )
    sk_issuer = models.CharField(_("penerbit SK"), max_length=150, blank=True)

    chair_name = models.CharField(_("nama ketua"), max_length=100, blank=True)
    chair_phone = models.CharField(_("telepon ketua"), max_length=20, blank=True)
    secretary_name = models.CharField(_("nama sekretaris"), max_length=100, blank=True)
    secretary_phone = models.CharField(_("telepon sekretaris"), max_length=20, blank=True)
    treasurer_name = models.CharField(_("nama bendahara"), max_length=100, blank=True)
    treasurer_phone = models.CharField(_("telepon bendahara"), max_length=20, blank=True)
    member_count = models.PositiveSmallIntegerField(
        _("jumlah anggota"), null=True, blank=True, validators=[MemberCountValidator()]
    )

    address = _long_text(_("alamat sekretariat"), 500)
    email = models.EmailField(_("e-mail"), blank=True)
    website = models.URLField(_("situs web"), blank=True)
    facebook = models.URLField(_("Facebook"), blank=True)
    instagram = models.URLField(_("Instagram"), blank=True)
    youtube = models.URLField(_("YouTube"), blank=True)

    is_demo = models.BooleanField(
        _("data demo"),
        default=False,
        help_text=_("Data sintetis dari `load_demo`, bukan data resmi."),
    )
    voided_at = models.DateTimeField(_("dibatalkan pada"), null=True, blank=True)
    void_reason = _long_text(_("alasan pembatalan"), 2000)
    version = models.PositiveIntegerField(
        _("versi"),
        default=1,
        help_text=_(
            "Naik pada setiap perubahan; dua orang yang mengubah bersamaan tidak saling menimpa."
        ),
    )
    created_at = models.DateTimeField(_("dibuat"), auto_now_add=True)
    updated_at = models.DateTimeField(_("diubah"), auto_now=True)
    client_key = _client_key(
        _(
            "Dibuat di perangkat petugas untuk entri luring; kiriman ulang dengan kunci "
            "yang sama tidak mencatat KIM kedua."
        )
    )

    history = HistoricalRecords(verbose_name=_("riwayat KIM"))
    objects = KIMQuerySet.as_manager()

    class Meta:
        ordering = ["desa__code", "name"]
        verbose_name = _("KIM")
        verbose_name_plural = _("KIM")
        permissions = [
            ("void_kim", _("Dapat membatalkan KIM yang salah didaftarkan")),
            ("import_kim", _("Dapat mengimpor KIM dari berkas")),
            ("view_personal_data", _("Dapat melihat nama dan telepon pengurus KIM")),
            ("view_audit_log", _("Dapat melihat log audit")),
        ]
        # The KIM list's default order: an index lets it stop after one page instead of sorting
        # the whole registry (national scale: 50 ms -> 2 ms).
        indexes = [models.Index(fields=["name"], name="kim_name_idx")]
        constraints = [
            # A voided KIM (registered by mistake) does not block registering it properly.
            models.UniqueConstraint(
                Lower("name"),
                "desa",
                condition=Q(voided_at__isnull=True),
                name="kim_name_unique_in_desa",
                violation_error_message=_("Sudah ada KIM dengan nama ini di desa/kelurahan ini."),
            ),
            models.CheckConstraint(
                condition=~Q(name=""),
                name="kim_name_not_blank",
                violation_error_message=_("Nama KIM wajib diisi."),
            ),
            models.CheckConstraint(
                condition=Q(member_count__isnull=True) | Q(member_count__gte=1),
                name="kim_member_count_positive",
                violation_error_message=_("Jumlah anggota minimal satu orang."),
            ),
            models.CheckConstraint(
                condition=Q(is_active=True, inactive_since__isnull=True)
                | Q(
                    is_active=False,
                    inactive_since__isnull=False,
                    inactive_since__gte=F("formed_on"),
                ),
                name="kim_inactive_since_consistent",
                violation_error_message=_(
                    "KIM tidak aktif harus punya tanggal tidak aktif, tidak sebelum pembentukan."
                ),
            ),
            models.CheckConstraint(
                condition=Q(voided_at__isnull=True) | ~Q(void_reason=""),
                name="kim_void_has_reason",
                violation_error_message=_("Pembatalan KIM harus disertai alasan."),
            ),
            models.CheckConstraint(
                condition=Q(level__in=KIMLevel.values),
                name="kim_level_valid",
                violation_error_message=_("Tingkat KIM tidak dikenal."),
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("villages:kim_detail", args=[self.pk])


class KIMStatusChange(models.Model):
    """One dated fact on a KIM's timeline: from ``effective_on`` its level and/or active flag is
    as given. Registration records the first one (formation date, initial level, active); the
    entries are never edited, so the state on any past date can be recomputed."""

    kim = models.ForeignKey(
        KIM, on_delete=models.CASCADE, related_name="status_changes", verbose_name=_("KIM")
    )
    effective_on = models.DateField(_("berlaku sejak"), validators=PAST_DATE_VALIDATORS)
    level = models.CharField(_("tingkat baru"), max_length=12, choices=KIMLevel.choices, blank=True)
    is_active = models.BooleanField(_("aktif"), null=True, blank=True)
    note = _long_text(_("catatan"), 2000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dicatat oleh"),
    )
    recorded_at = models.DateTimeField(_("dicatat pada"), auto_now_add=True)
    client_key = _client_key(
        _(
            "Dibuat di perangkat petugas untuk entri luring; kiriman ulang dengan kunci "
            "yang sama tidak mencatat perubahan kedua."
        )
    )

    objects = StatusChangeQuerySet.as_manager()

    class Meta:
        ordering = ["effective_on", "id"]
        verbose_name = _("perubahan status KIM")
        verbose_name_plural = _("perubahan status KIM")
        indexes = [models.Index(fields=["kim", "effective_on"], name="status_kim_effective_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(level="") | Q(is_active__isnull=False),
                name="status_change_changes_something",
                violation_error_message=_(
                    "Perubahan status harus mengubah tingkat, status aktif, atau keduanya."
                ),
            ),
            models.CheckConstraint(
                condition=Q(level="") | Q(level__in=KIMLevel.values),
                name="status_change_level_valid",
                violation_error_message=_("Tingkat KIM tidak dikenal."),
            ),
        ]

    def __str__(self):
        return f"{self.kim} @ {self.effective_on}"

    def clean(self):
        if self.kim_id and self.effective_on and self.effective_on < self.kim.formed_on:
            raise ValidationError(
                {
                    "effective_on": _(
                        "Perubahan status tidak boleh sebelum tanggal pembentukan KIM "
                        "(%(formed_on)s)."
                    )
                    % {"formed_on": self.kim.formed_on.isoformat()}
                }
            )


class UserWilayah(models.Model):
    """A wilayah a user works within: a provinsi ("35"), kabupaten/kota ("35.07") or kecamatan
    ("35.07.08") by its Kemendagri code, or the whole country (code ""). Everything the user
    reads and writes stays within the union of their wilayah (``villages.scope``); a user
    without any sees nothing, the superuser everything."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="wilayah_scope",
        verbose_name=_("pengguna"),
    )
    code = models.CharField(
        _("kode wilayah"),
        max_length=8,
        blank=True,
        help_text=_(
            "Provinsi (35), kabupaten/kota (35.07) atau kecamatan (35.07.08); kosong: seluruh "
            "Indonesia."
        ),
    )
    granted_at = models.DateTimeField(_("diberikan pada"), auto_now_add=True)

    history = HistoricalRecords(verbose_name=_("riwayat wilayah pengguna"))

    class Meta:
        ordering = ["user", "code"]
        verbose_name = _("wilayah pengguna")
        verbose_name_plural = _("wilayah pengguna")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "code"],
                name="user_wilayah_unique",
                violation_error_message=_("Pengguna ini sudah punya wilayah tersebut."),
            ),
            models.CheckConstraint(
                condition=Q(code="") | Q(code__regex=r"^[0-9]{2}([.][0-9]{2}){0,2}$"),
                name="user_wilayah_code_format",
                violation_error_message=_("Kode wilayah ditulis seperti 35, 35.07 atau 35.07.08."),
            ),
        ]

    def __str__(self):
        return f"{self.user} - {self.code or '*'}"


class KIMActivity(models.Model):
    """Something a KIM did on a date (a discussion, a dissemination, a bimtek attended...). A KIM
    without recorded activity for ``KIM_ACTIVITY_STALE_MONTHS`` needs checking (computed, see
    ``KIMQuerySet.needing_check``); only a dated status change deactivates it."""

    kim = models.ForeignKey(
        KIM, on_delete=models.CASCADE, related_name="activities", verbose_name=_("KIM")
    )
    occurred_on = models.DateField(_("tanggal kegiatan"), validators=PAST_DATE_VALIDATORS)
    kind = models.CharField(_("jenis kegiatan"), max_length=20, choices=ActivityKind.choices)
    description = models.CharField(_("uraian singkat"), max_length=300)
    link = models.URLField(_("tautan"), blank=True, help_text=_("Unggahan, artikel atau video."))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("dicatat oleh"),
    )
    recorded_at = models.DateTimeField(_("dicatat pada"), auto_now_add=True)
    client_key = _client_key(
        _(
            "Dibuat di perangkat petugas untuk entri luring; kiriman ulang dengan kunci "
            "yang sama tidak mencatat kegiatan kedua."
        )
    )

    history = HistoricalRecords(verbose_name=_("riwayat kegiatan KIM"))

    class Meta:
        ordering = ["-occurred_on", "-id"]
        verbose_name = _("kegiatan KIM")
        verbose_name_plural = _("kegiatan KIM")
        indexes = [models.Index(fields=["kim", "occurred_on"], name="activity_kim_date_idx")]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=ActivityKind.values),
                name="activity_kind_valid",
                violation_error_message=_("Jenis kegiatan tidak dikenal."),
            ),
            models.CheckConstraint(
                condition=~Q(description=""),
                name="activity_description_not_blank",
                violation_error_message=_("Uraian kegiatan wajib diisi."),
            ),
            models.UniqueConstraint(
                fields=["kim", "occurred_on", "kind", "description"],
                name="activity_unique",
                violation_error_message=_("Kegiatan yang sama sudah tercatat."),
            ),
        ]

    def __str__(self):
        return f"{self.kim} {self.occurred_on} {self.get_kind_display()}"

    def clean(self):
        if self.kim_id and self.occurred_on and self.occurred_on < self.kim.formed_on:
            raise ValidationError(
                {
                    "occurred_on": _(
                        "Kegiatan tidak boleh sebelum tanggal pembentukan KIM (%(formed_on)s)."
                    )
                    % {"formed_on": self.kim.formed_on.isoformat()}
                }
            )


# --- Figures from a structure made for them --------------------------------------------------
# The status timeline above is the truth; the three tables below are derived from it so that
# every "as of a date" figure is a plain indexed read. ``villages.timeline`` writes them, inside
# the transaction of every service that changes a KIM (and ``manage.py rebuild_figures`` writes
# them all again from the timeline); nothing else does.


class KIMStatusInterval(models.Model):
    """One maximal period of a KIM's life with the same level and active flag, half-open:
    from ``starts_on`` (inclusive) until ``ends_on`` (exclusive; NULL while it lasts). A KIM's
    intervals follow each other without gap from its formation date, so every KIM formed by a
    date has exactly one interval containing it. Voided KIM have none. ``desa``,
    ``kecamatan`` and ``formed_on`` are copied from the KIM so that figures group and filter
    without joining the KIM table."""

    kim = models.ForeignKey(
        KIM,
        on_delete=models.CASCADE,
        related_name="intervals",
        verbose_name=_("KIM"),
        db_index=False,  # the unique (kim, starts_on) index serves
    )
    desa = models.ForeignKey(
        Desa,
        on_delete=models.CASCADE,
        related_name="kim_intervals",
        verbose_name=_("desa/kelurahan"),
        db_index=False,  # the (desa, starts_on) index serves
    )
    kecamatan = models.ForeignKey(
        Kecamatan,
        on_delete=models.CASCADE,
        related_name="kim_intervals",
        verbose_name=_("kecamatan"),
    )
    formed_on = models.DateField(_("tanggal pembentukan"))
    starts_on = models.DateField(_("mulai"))
    ends_on = models.DateField(_("sampai (tidak termasuk)"), null=True, blank=True)
    level = models.CharField(_("tingkat"), max_length=12, choices=KIMLevel.choices, blank=True)
    is_active = models.BooleanField(_("aktif"))

    objects = IntervalQuerySet.as_manager()

    class Meta:
        ordering = ["kim", "starts_on"]
        verbose_name = _("interval status KIM")
        verbose_name_plural = _("interval status KIM")
        indexes = [
            models.Index(fields=["desa", "starts_on"], name="kim_interval_desa_idx"),
            # KIM active today, by desa (desa without an active KIM, the needing-check count):
            # read from the index alone.
            models.Index(
                fields=["desa"],
                include=["kim", "formed_on"],
                condition=Q(ends_on__isnull=True, is_active=True),
                name="kim_interval_open_active_idx",
            ),
            # KIM active on a date and formed before another (needing check): an index-only
            # range scan.
            models.Index(
                fields=["starts_on"],
                include=["ends_on", "formed_on", "kim"],
                condition=Q(is_active=True),
                name="kim_interval_active_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kim", "starts_on"],
                name="kim_interval_unique_start",
                violation_error_message=_("Interval KIM ini sudah ada."),
            ),
            models.CheckConstraint(
                condition=Q(starts_on__gte=F("formed_on")),
                name="kim_interval_not_before_formation",
                violation_error_message=_("Interval tidak boleh sebelum pembentukan KIM."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=F("starts_on")),
                name="kim_interval_ends_after_start",
                violation_error_message=_("Interval harus berakhir setelah mulai."),
            ),
            models.CheckConstraint(
                condition=Q(level="") | Q(level__in=KIMLevel.values),
                name="kim_interval_level_valid",
                violation_error_message=_("Tingkat KIM tidak dikenal."),
            ),
        ]

    def __str__(self):
        return f"{self.kim_id} [{self.starts_on}, {self.ends_on or ''})"


# The counters of a kecamatan, one column per figure; ``villages.timeline`` and the readers
# name them from here.
KECAMATAN_COUNTERS = (
    "desa_covered",
    "kim_formed",
    "kim_active",
    "active_pemula",
    "active_berkembang",
    "active_mandiri",
)
# The counter of active KIM at each level.
ACTIVE_AT_LEVEL = {
    KIMLevel.PEMULA: "active_pemula",
    KIMLevel.BERKEMBANG: "active_berkembang",
    KIMLevel.MANDIRI: "active_mandiri",
}


class KecamatanCoverageInterval(models.Model):
    """A kecamatan's coverage counters over a maximal period in which none of them changes,
    half-open like ``KIMStatusInterval``: desa with at least one active KIM, KIM formed, KIM
    active, and active KIM per level. From the first formation in the kecamatan the periods
    follow each other without gap, so "as of a date" is the one row containing it (none: all
    zero). Desa totals are not here: desa are counted from ``Desa`` itself."""

    kecamatan = models.ForeignKey(
        Kecamatan,
        on_delete=models.CASCADE,
        related_name="coverage_intervals",
        verbose_name=_("kecamatan"),
        db_index=False,  # the unique (kecamatan, starts_on) index serves
    )
    starts_on = models.DateField(_("mulai"))
    ends_on = models.DateField(_("sampai (tidak termasuk)"), null=True, blank=True)
    desa_covered = models.PositiveIntegerField(_("desa dengan KIM aktif"))
    kim_formed = models.PositiveIntegerField(_("KIM dibentuk"))
    kim_active = models.PositiveIntegerField(_("KIM aktif"))
    active_pemula = models.PositiveIntegerField(_("KIM aktif tingkat Pemula"))
    active_berkembang = models.PositiveIntegerField(_("KIM aktif tingkat Berkembang"))
    active_mandiri = models.PositiveIntegerField(_("KIM aktif tingkat Berdaya/Mandiri"))

    objects = IntervalQuerySet.as_manager()

    class Meta:
        ordering = ["kecamatan", "starts_on"]
        verbose_name = _("interval cakupan kecamatan")
        verbose_name_plural = _("interval cakupan kecamatan")
        indexes = [
            # Today's figures: the open rows only (one per kecamatan), read from the index.
            models.Index(
                fields=["kecamatan"],
                include=list(KECAMATAN_COUNTERS),
                condition=Q(ends_on__isnull=True),
                name="kec_coverage_open_idx",
            ),
            # A past date: the rows started by then, read from the index.
            models.Index(
                fields=["starts_on"],
                include=["ends_on", "kecamatan", *KECAMATAN_COUNTERS],
                name="kec_coverage_start_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kecamatan", "starts_on"],
                name="kec_coverage_unique_start",
                violation_error_message=_("Interval cakupan kecamatan ini sudah ada."),
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gt=F("starts_on")),
                name="kec_coverage_ends_after_start",
                violation_error_message=_("Interval harus berakhir setelah mulai."),
            ),
            models.CheckConstraint(
                condition=Q(kim_active__lte=F("kim_formed"))
                & Q(desa_covered__lte=F("kim_active"))
                & Q(
                    kim_active__gte=F("active_pemula")
                    + F("active_berkembang")
                    + F("active_mandiri")
                ),
                name="kec_coverage_counts_consistent",
                violation_error_message=_(
                    "KIM aktif tidak boleh lebih dari KIM dibentuk, desa tercakup tidak boleh "
                    "lebih dari KIM aktif."
                ),
            ),
        ]

    def __str__(self):
        return f"{self.kecamatan_id} [{self.starts_on}, {self.ends_on or ''})"


class KIMCountChange(models.Model):
    """How many KIM were formed, and by how much the number of active KIM changed, on one day,
    in the whole country: the dated counter the monthly line chart adds up (a few thousand rows
    at national scale, against a hundred thousand intervals). Days without change have no
    row."""

    day = models.DateField(_("tanggal"), unique=True)
    kim_formed = models.IntegerField(_("KIM dibentuk"))
    kim_active = models.IntegerField(_("perubahan KIM aktif"))

    class Meta:
        ordering = ["day"]
        verbose_name = _("perubahan jumlah KIM")
        verbose_name_plural = _("perubahan jumlah KIM")
        # No CHECK on the signs: the services add changes with INSERT ... ON CONFLICT, and
        # both databases check the proposed row (a negative change) before the conflict.

    def __str__(self):
        return f"{self.day}: +{self.kim_formed}, {self.kim_active:+d}"


class AccountEvent(models.Model):
    """One change to a user account: invited, role changed, a wilayah given or taken,
    deactivated or reactivated; who did it (None: the command line), when, what and why.
    Written by the services of ``villages.accounts`` in the same transaction as the change;
    never edited. Users are deactivated, never deleted, so their history stays."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account_events",
        verbose_name=_("pengguna"),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("oleh"),
    )
    at = models.DateTimeField(_("waktu"), auto_now_add=True, db_index=True)
    kind = models.CharField(_("jenis"), max_length=20, choices=AccountEventKind.choices)
    detail = models.CharField(_("rincian"), max_length=200, blank=True)
    reason = models.CharField(_("alasan"), max_length=200, blank=True)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("peristiwa akun")
        verbose_name_plural = _("peristiwa akun")
        permissions = [("manage_users", _("Dapat mengatur pengguna di wilayahnya"))]

    def __str__(self):
        return f"{self.user} {self.kind} {self.detail}"
