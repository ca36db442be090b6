"""Generated bad input for the KIM forms: never a server error, never a row written from input
that was refused."""

from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from villages.models import KIM, KIMStatusChange

FIELDS = [
    "kecamatan",
    "desa",
    "name",
    "formed_on",
    "member_count",
    "sk_number",
    "sk_date",
    "chair_phone",
    "secretary_phone",
    "email",
    "website",
    "facebook",
    "address",
    "confirm_second",
    "version",
]

text = st.one_of(
    st.text(max_size=40),
    st.just("\x00"),
    st.sampled_from(
        [
            "",
            " ",
            "35.07.08",
            "35.07.08.2001",
            "2024-02-30",
            "2999-01-01",
            "0",
            "-5",
            "31",
            "08123",
            "+62 812 3456 7890",
            "javascript:alert(1)",
            "a" * 300,
            "on",
            "1",
            "x@y",
            "<script>",
            "35.07.99.9999",
            "1e9",
        ]
    ),
)
form_input = st.dictionaries(st.sampled_from(FIELDS), text, max_size=len(FIELDS))
FUZZ = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(data=form_input)
def test_register_form_never_fails_or_writes_refused_input(officer_client, malang, data):
    before = (KIM.objects.count(), KIMStatusChange.objects.count())
    response = officer_client.post(reverse("villages:kim_create"), data)
    assert response.status_code in (200, 302, 400)
    if response.status_code != 302:
        assert (KIM.objects.count(), KIMStatusChange.objects.count()) == before
    else:
        kim = KIM.objects.latest("pk")
        assert kim.name == data["name"].strip()
        assert kim.status_changes.count() == 1
        KIM.objects.filter(pk=kim.pk).delete()


@FUZZ
@given(
    data=form_input,
    status=st.dictionaries(st.sampled_from(["effective_on", "level", "is_active", "note"]), text),
)
def test_edit_and_status_forms_never_fail(officer_client, malang, user, data, status):
    from villages import services
    from villages.models import Desa

    kim = KIM.objects.filter(name="KIM Uji").first() or services.register_kim(
        desa=Desa.objects.get(code="35.07.08.2001"), name="KIM Uji", formed_on="2024-01-01", by=user
    )
    version = KIM.objects.get(pk=kim.pk).version
    response = officer_client.post(reverse("villages:kim_update", args=[kim.pk]), data)
    assert response.status_code in (200, 302, 400)
    if response.status_code != 302:
        assert KIM.objects.get(pk=kim.pk).version == version
    changes = KIMStatusChange.objects.filter(kim=kim).count()
    response = officer_client.post(reverse("villages:kim_status", args=[kim.pk]), status)
    assert response.status_code in (200, 302, 400)
    if response.status_code != 302:
        assert KIMStatusChange.objects.filter(kim=kim).count() == changes
