"""Targets the office reports against, and the monthly reports as published. Coverage figures
are computed (``reports.coverage``), never stored; a publication keeps what it showed."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from kimtracker.dates import validate_year_not_before_earliest


class Target(models.Model):
    """The number of KIM a wilayah is to reach by the end of ``year`` (Kabupaten Malang, 2023:
    240; 2026: 390). ``wilayah_code`` is a kabupaten/kota ("35.07") or a provinsi ("35"), or
    "" for the whole database. Which target a date measures against is
    ``reports.coverage.target_for``; which targets a wilayah's figures use,
    ``reports.coverage.within_summary``."""

    year = models.PositiveSmallIntegerField(
        _("tahun"), validators=[validate_year_not_before_earliest]
    )
    wilayah_code = models.CharField(
        _("kode wilayah"),
        max_length=5,
        blank=True,
        default="",
        help_text=_("Kabupaten/kota (mis. 35.07) atau provinsi (35); kosong: seluruh basis data."),
    )
    kim_count = models.PositiveIntegerField(_("jumlah KIM"))
    note = models.CharField(_("catatan"), max_length=200, blank=True)

    history = HistoricalRecords(verbose_name=_("riwayat target"))

    class Meta:
        ordering = ["wilayah_code", "year"]
        verbose_name = _("target")
        verbose_name_plural = _("target")
        permissions = [("view_reports", _("Dapat melihat dan mengunduh laporan dan ekspor"))]
        constraints = [
            models.UniqueConstraint(
                fields=["year", "wilayah_code"],
                name="target_unique_year_wilayah",
                violation_error_message=_("Target tahun ini untuk wilayah ini sudah ada."),
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000, year__lte=2100),
                name="target_year_plausible",
                violation_error_message=_("Tahun target harus antara 2000 dan 2100."),
            ),
            models.CheckConstraint(
                condition=Q(kim_count__gte=1),
                name="target_kim_count_positive",
                violation_error_message=_("Target jumlah KIM minimal 1."),
            ),
        ]

    def __str__(self):
        if self.wilayah_code:
            return f"{self.wilayah_code} {self.year}: {self.kim_count}"
        return f"{self.year}: {self.kim_count}"


class Publication(models.Model):
    """A monthly report as a manager published it (``reports.publishing``): its figures and
    lists (``content``, with their SHA-256), its files (``PublicationFile``), its document
    number, who and when. Version ``revision`` 1 is the first publication of a month and
    wilayah, 2 its first revision ("Revisi 1"), and so on; every version stays. Nothing here is
    ever changed once ``status`` is done: a later difference is a new revision."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("menunggu")
        RUNNING = "running", _("sedang dibuat")
        DONE = "done", _("terbit")
        FAILED = "failed", _("gagal")

    # The id of the public verification page (``/laporan/verifikasi/<id>/``): not guessable,
    # so printed reports cannot be enumerated.
    public_id = models.UUIDField(
        _("id verifikasi"), default=uuid.uuid4, unique=True, editable=False
    )
    month = models.DateField(_("bulan"), help_text=_("Hari pertama bulan laporan."))
    wilayah_code = models.CharField(_("kode wilayah"), max_length=20, blank=True)
    wilayah_name = models.CharField(_("wilayah"), max_length=200)
    revision = models.PositiveSmallIntegerField(_("terbitan ke"))
    # The office whose running number the document carries: the kabupaten/kota of a
    # kecamatan or kabupaten/kota report, the provinsi of a provinsi report ("" everything).
    # Offices sharing one deployment each number their own documents (``office_of``).
    office_code = models.CharField(_("kantor"), max_length=20, blank=True)
    number = models.CharField(_("nomor"), max_length=100)
    reason = models.TextField(_("alasan revisi"), blank=True)
    verification_url = models.CharField(_("alamat verifikasi"), max_length=500)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("diterbitkan oleh"),
    )
    requested_at = models.DateTimeField(_("diminta pada"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    progress = models.CharField(_("langkah"), max_length=200, blank=True)
    error = models.TextField(_("galat"), blank=True)
    published_at = models.DateTimeField(_("terbit pada"), null=True, blank=True)
    as_of = models.DateField(_("keadaan per"), null=True, blank=True)
    is_demo = models.BooleanField(_("data demo"), default=False)
    content = models.JSONField(_("isi"), null=True, blank=True)
    content_sha256 = models.CharField(_("SHA-256 isi"), max_length=64, blank=True)

    class Meta:
        ordering = ["-month", "wilayah_code", "revision"]
        verbose_name = _("terbitan laporan")
        verbose_name_plural = _("terbitan laporan")
        permissions = [("publish_report", _("Dapat menerbitkan laporan bulanan"))]
        constraints = [
            models.UniqueConstraint(
                fields=["office_code", "number"],
                name="publication_unique_number_per_office",
                violation_error_message=_("Nomor dokumen ini sudah dipakai kantor ini."),
            ),
            models.UniqueConstraint(
                fields=["month", "wilayah_code", "revision"],
                name="publication_unique_revision",
                violation_error_message=_("Terbitan ini sudah ada."),
            ),
            models.CheckConstraint(
                condition=Q(revision__gte=1),
                name="publication_revision_positive",
                violation_error_message=_("Nomor terbitan mulai dari 1."),
            ),
            models.CheckConstraint(
                condition=Q(revision=1) | ~Q(reason=""),
                name="publication_revision_has_reason",
                violation_error_message=_("Revisi harus menyebut alasannya."),
            ),
            models.CheckConstraint(
                condition=~Q(status="done")
                | (
                    Q(published_at__isnull=False) & Q(content__isnull=False) & ~Q(content_sha256="")
                ),
                name="publication_done_is_complete",
                violation_error_message=_("Terbitan selesai harus punya isi dan waktu terbit."),
            ),
        ]

    def __str__(self):
        return self.number

    @staticmethod
    def office_of(wilayah_code: str) -> str:
        """The office a report of ``wilayah_code`` belongs to: a provinsi's own code, else
        the kabupaten/kota (``35.07.08`` and ``35.07`` are Kabupaten Malang's, ``35.07``)."""
        return wilayah_code[:5]

    @property
    def label(self) -> str:
        """ "Terbitan pertama" or "Revisi 2", in the active language."""
        if self.revision == 1:
            return str(_("Terbitan pertama"))
        return str(_("Revisi %(n)d")) % {"n": self.revision - 1}

    @property
    def is_done(self) -> bool:
        return self.status == self.Status.DONE


class PublicationFile(models.Model):
    """One file of a publication (XLSX, PDF or CSV), kept byte for byte with its SHA-256."""

    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="files", verbose_name=_("terbitan")
    )
    format = models.CharField(_("format"), max_length=4)
    content = models.BinaryField(_("isi berkas"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    size = models.PositiveIntegerField(_("ukuran (byte)"))

    class Meta:
        ordering = ["publication", "format"]
        verbose_name = _("berkas terbitan")
        verbose_name_plural = _("berkas terbitan")
        constraints = [
            models.UniqueConstraint(
                fields=["publication", "format"], name="publication_file_unique_format"
            ),
        ]

    def __str__(self):
        return f"{self.publication} ({self.format})"
