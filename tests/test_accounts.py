"""Log in, log out and the language switch."""

from django.urls import reverse


def test_login_page_is_indonesian_and_logs_in(client, user):
    user.set_password("rahasia-kuat-123")
    user.save()
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'lang="id"' in page.content.decode()
    assert "Masuk ke KIM Tracker" in page.content.decode()
    bad = client.post(reverse("login"), {"username": user.username, "password": "salah"})
    assert "Nama pengguna atau kata sandi salah." in bad.content.decode()
    good = client.post(
        reverse("login"), {"username": user.username, "password": "rahasia-kuat-123"}
    )
    assert good.status_code == 302
    assert good.url == reverse("dashboard")
    assert client.get(reverse("dashboard")).status_code == 200
    out = client.post(reverse("logout"))
    assert out.status_code == 302
    assert client.get(reverse("dashboard")).status_code == 302


def test_indonesian_by_default_english_on_request(client, user):
    client.force_login(user)
    page = client.get(reverse("dashboard"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert 'lang="id"' in page.content.decode()
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    page = client.get(reverse("dashboard"))
    assert 'lang="en"' in page.content.decode()


def test_login_is_locked_after_repeated_failures(client, user, settings):
    user.set_password("rahasia-kuat-123")
    user.save()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        page = client.post(reverse("login"), {"username": user.username, "password": "salah"})
        assert "Nama pengguna atau kata sandi salah" in page.content.decode()
    page = client.post(reverse("login"), {"username": user.username, "password": "salah"})
    assert page.status_code == 429
    assert "Terlalu banyak percobaan masuk yang gagal" in page.content.decode()
    assert "30 menit" in page.content.decode()
    # Even the right password is refused while locked.
    page = client.post(
        reverse("login"), {"username": user.username, "password": "rahasia-kuat-123"}
    )
    assert page.status_code == 429
    assert client.get(reverse("dashboard")).status_code == 302


def test_change_password(client, user):
    user.set_password("lama-rahasia-123")
    user.save()
    client.force_login(user)
    page = client.post(
        reverse("password_change"),
        {
            "old_password": "salah",
            "new_password1": "Baru-rahasia-456",
            "new_password2": "Baru-rahasia-456",
        },
    )
    assert "Sandi lama Anda yang dimasukkan salah" in page.content.decode()
    page = client.post(
        reverse("password_change"),
        {
            "old_password": "lama-rahasia-123",
            "new_password1": "Baru-rahasia-456",
            "new_password2": "Baru-rahasia-456",
        },
    )
    assert page.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Baru-rahasia-456")


def test_password_reset_by_email(client, user, mailoutbox):
    user.email = "petugas@example.org"
    user.save()
    page = client.post(reverse("password_reset"), {"email": "petugas@example.org"})
    assert page.status_code == 302
    (mail,) = mailoutbox
    assert mail.subject == "Kata sandi baru untuk KIM Tracker"
    link = next(line for line in mail.body.splitlines() if "/akun/reset/" in line)
    page = client.get(link.split("testserver")[1], follow=True)
    assert "Buat kata sandi baru" in page.content.decode()
    page = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "Baru-rahasia-789", "new_password2": "Baru-rahasia-789"},
    )
    assert page.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Baru-rahasia-789")


def test_nul_characters_get_a_clear_400(client, user):
    client.force_login(user)
    response = client.get(reverse("villages:desa_options"), {"kecamatan": "35\x0007"})
    assert response.status_code == 400
    assert "karakter yang tidak sah" in response.content.decode()
    response = client.post(reverse("villages:kim_create"), {"name": "KIM\x00"})
    assert response.status_code == 400


# --- Login throttling behind the reverse proxy (issue 13, finding 11) --------------------------

PROXY = "127.0.0.1"
PASSWORD = "rahasia-kuat-123"
# Two offices' computers behind the nginx of docs/deploy.md, and someone outside it.
CLIENT_A = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.10"}
CLIENT_B = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.20"}


def _log_in(client, user, password, meta) -> int:
    response = client.post(
        reverse("login"), {"username": user.username, "password": password}, **meta
    )
    client.logout()
    return response.status_code


def _lock_out(client, user, settings, meta):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert _log_in(client, user, "salah", meta) == 200
    assert _log_in(client, user, "salah", meta) == 429
    assert _log_in(client, user, PASSWORD, meta) == 429


def test_clients_behind_a_trusted_proxy_do_not_lock_each_other_out(client, user, settings):
    settings.KIM_TRUSTED_PROXIES = [PROXY]
    user.set_password(PASSWORD)
    user.save()
    _lock_out(client, user, settings, CLIENT_A)
    assert _log_in(client, user, PASSWORD, CLIENT_B) == 302


def test_a_forged_forwarded_for_is_not_believed(client, user, settings):
    settings.KIM_TRUSTED_PROXIES = [PROXY]
    user.set_password(PASSWORD)
    user.save()
    # From outside the proxy, naming client B: the failures count for the sender's address.
    outside = {"REMOTE_ADDR": "198.51.100.7", "HTTP_X_FORWARDED_FOR": "203.0.113.20"}
    _lock_out(client, user, settings, outside)
    assert _log_in(client, user, PASSWORD, CLIENT_B) == 302
    # Through the proxy, with B's address put in front: the proxy appends the real one.
    through = {"REMOTE_ADDR": PROXY, "HTTP_X_FORWARDED_FOR": "203.0.113.20, 198.51.100.8"}
    _lock_out(client, user, settings, through)
    assert _log_in(client, user, PASSWORD, CLIENT_B) == 302


def test_without_trusted_proxies_the_connection_is_the_client(client, user, settings):
    """The default: a header is never believed, so behind a proxy that is not configured all
    clients are the proxy's one address (docs/deploy.md says to set KIM_TRUSTED_PROXIES)."""
    assert settings.KIM_TRUSTED_PROXIES == []
    user.set_password(PASSWORD)
    user.save()
    _lock_out(client, user, settings, CLIENT_A)
    assert _log_in(client, user, PASSWORD, CLIENT_B) == 429
    assert _log_in(client, user, PASSWORD, {"REMOTE_ADDR": "198.51.100.9"}) == 302
