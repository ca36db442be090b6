"""factory_boy factories: each builds the few rows a test needs. KIM go through the service, so
they get their opening status entry like real ones."""

import datetime

import factory
from django.contrib.auth import get_user_model

from villages import services
from villages.choices import DesaKind
from villages.models import KIM, Desa, Kabupaten, Kecamatan, Provinsi


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"petugas{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.org")


class ProvinsiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provinsi
        django_get_or_create = ["code"]

    code = "35"
    name = "Jawa Timur"


class KabupatenFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kabupaten
        django_get_or_create = ["code"]

    code = "35.07"
    name = "Kabupaten Malang"
    provinsi = factory.SubFactory(ProvinsiFactory)


class KecamatanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kecamatan

    kabupaten = factory.SubFactory(KabupatenFactory)
    code = factory.Sequence(lambda n: f"35.07.{n % 100:02d}")
    name = factory.Sequence(lambda n: f"Kecamatan {n}")


class DesaFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Desa

    kecamatan = factory.SubFactory(KecamatanFactory)
    code = factory.LazyAttributeSequence(lambda d, n: f"{d.kecamatan.code}.{2000 + n % 1000:04d}")
    name = factory.Sequence(lambda n: f"Desa {n}")
    kind = DesaKind.DESA


class KIMFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KIM

    desa = factory.SubFactory(DesaFactory)
    name = factory.LazyAttribute(lambda k: f"KIM {k.desa.name}")
    formed_on = datetime.date(2020, 1, 15)

    @classmethod
    def _create(cls, model_class, *args, by=None, **kwargs):
        return services.register_kim(by=by, **kwargs)


def kota_batu() -> Kabupaten:
    """Kota Batu (35.79) beside the bundled Kabupaten Malang, with one kecamatan (Junrejo) and
    one desa (Dadaprejo): a second kabupaten, as in a province or national deployment."""
    batu = KabupatenFactory(code="35.79", name="KOTA BATU")
    junrejo = KecamatanFactory(kabupaten=batu, code="35.79.03", name="JUNREJO")
    DesaFactory(kecamatan=junrejo, code="35.79.03.1001", name="DADAPREJO")
    return batu
