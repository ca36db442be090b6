"""Two officers registering the same KIM at the same moment, on PostgreSQL: exactly one row;
the other request gets the duplicate-name message, not an error page."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from villages import services
from villages.models import KIM

from ..conftest import user_with_role

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="concurrent writers need PostgreSQL (CI runs it)"
)


def test_simultaneous_registrations_make_one_kim(transactional_db, malang, monkeypatch):
    officers = [user_with_role(f"petugas{i}", "Petugas") for i in range(2)]
    both_validated = threading.Barrier(2, timeout=20)
    original_insert = services.bulk_create_with_history

    def insert_after_both_validated(*args, **kwargs):
        # Both requests have passed the form's and the service's checks (neither sees the
        # other's row yet): now race to the insert.
        both_validated.wait()
        return original_insert(*args, **kwargs)

    monkeypatch.setattr(services, "bulk_create_with_history", insert_after_both_validated)
    data = {
        "kecamatan": "35.07.08",
        "desa": "35.07.08.2001",
        "name": "KIM Kembar",
        "formed_on": "2024-05-05",
        "member_count": "10",
    }
    responses = [None, None]

    def register(i):
        try:
            client = Client()
            client.force_login(officers[i])
            responses[i] = client.post(reverse("villages:kim_create"), data)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)

    assert KIM.objects.filter(name="KIM Kembar").count() == 1
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200, 302]
    refused = next(r for r in responses if r.status_code == 200)
    assert "Sudah ada KIM dengan nama ini" in refused.content.decode()
