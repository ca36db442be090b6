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
    assert good.status_code == 302 and good.url == reverse("dashboard")
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
