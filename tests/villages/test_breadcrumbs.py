"""``templates/includes/breadcrumbs.html`` on the detail pages: Kabupaten > Kecamatan > Desa >
KIM, each level a link (keeping the page's date) but the current page."""

import datetime
import re

from villages.models import Desa

from ..factories import KIMFactory


def crumbs(html: str) -> list[tuple[str | None, str]]:
    nav = html[html.index("data-breadcrumbs") :]
    nav = nav[: nav.index("</nav>")]
    items = re.findall(r'<li class="breadcrumb-item[^"]*"[^>]*>(.*?)</li>', nav, flags=re.S)
    result = []
    for item in items:
        link = re.search(r'href="([^"]+)"', item)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", item)).strip()
        result.append((link.group(1).replace("&amp;", "&") if link else None, text))
    return result


def test_detail_pages_show_where_they_sit(staff_client, user, malang):
    desa = Desa.objects.select_related("kecamatan").get(code="35.07.28.2001")
    kim = KIMFactory(by=user, desa=desa, formed_on=datetime.date(2024, 1, 5))
    day = "2025-01-31"
    kab = ("/kecamatan/?tanggal=2025-01-31&wilayah=35.07", "Kabupaten Malang")
    kec = ("/kecamatan/35.07.28/?tanggal=2025-01-31", "Kecamatan Kasembon")
    desa_link = (f"/desa/{desa.code}/?tanggal={day}", f"Desa {desa.name}")

    html = staff_client.get(kim.get_absolute_url(), {"tanggal": day}).content.decode()
    assert crumbs(html) == [kab, kec, desa_link, (None, kim.name)]
    assert 'aria-current="page">' + kim.name in html

    html = staff_client.get(f"/desa/{desa.code}/", {"tanggal": day}).content.decode()
    assert crumbs(html) == [kab, kec, (None, f"Desa {desa.name}")]

    html = staff_client.get("/kecamatan/35.07.28/", {"tanggal": day}).content.decode()
    assert crumbs(html) == [kab, (None, "Kecamatan Kasembon")]

    # Each link leads somewhere that works, the kabupaten to its kecamatan.
    for url, _ in crumbs(
        staff_client.get(kim.get_absolute_url(), {"tanggal": day}).content.decode()
    )[:-1]:
        assert staff_client.get(url).status_code == 200, url
    listed = staff_client.get(kab[0]).context["table"].paginator.count
    assert listed == 33
