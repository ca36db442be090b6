"""The {% vendor_asset %} tag, the vendored files behind it and `kimtracker.vendor --check`."""

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest
from django.contrib.staticfiles import finders
from django.template import Context, Template, TemplateSyntaxError
from django.templatetags.static import static

from kimtracker import vendor
from kimtracker.vendor import VENDOR_ASSETS


class _TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def render(key):
    html = Template("{% load vendor_assets %}{% vendor_asset '" + key + "' %}").render(Context())
    parser = _TagCollector()
    parser.feed(html)
    return html, parser.tags


def local_sri(asset):
    """The sha384 of the local file, computed here rather than read from kimtracker.vendor."""
    path = finders.find(asset.local)
    assert path, asset.local
    with open(path, "rb") as f:
        digest = hashlib.sha384(f.read()).digest()
    return "sha384-" + base64.b64encode(digest).decode()


@pytest.fixture
def cdn_on(settings):
    settings.KIM_ASSETS_FROM_CDN = True


def test_js_from_cdn_is_pinned_and_falls_back_to_the_local_copy(cdn_on):
    asset = VENDOR_ASSETS["chartjs"]
    html, tags = render("chartjs")

    assert [tag for tag, _attrs in tags] == ["script", "script"]
    cdn, fallback = (attrs for _tag, attrs in tags)
    assert cdn["src"] == "https://cdn.jsdelivr.net/npm/chart.js@4.6.1/dist/chart.umd.min.js"
    assert cdn["integrity"] == local_sri(asset)
    assert cdn["crossorigin"] == "anonymous"
    assert fallback == {
        "src": static("js/vendor-fallback.js"),
        "data-global": "Chart",
        "data-local": static("vendor/chart.js-4.6.1/chart.umd.min.js"),
    }
    # Nothing inline: a CSP without 'unsafe-inline' must not block anything.
    assert html.count("></script>") == 2
    assert not any(name.startswith("on") for _tag, attrs in tags for name in attrs)


def test_css_from_cdn_carries_its_local_copy_and_the_fallback_script(cdn_on):
    asset = VENDOR_ASSETS["bootstrap-css"]
    _html, tags = render("bootstrap-css")

    (link_tag, link), (script_tag, script) = tags
    assert (link_tag, script_tag) == ("link", "script")
    assert link["rel"] == "stylesheet"
    assert link["href"] == "https://cdn.jsdelivr.net/npm/bootstrap@5.3.9/dist/css/bootstrap.min.css"
    assert link["integrity"] == local_sri(asset)
    assert link["crossorigin"] == "anonymous"
    assert link["data-local"] == static(asset.local)
    # With no data-global the fallback script only looks for failed stylesheets.
    assert script == {"src": static("js/vendor-fallback.js")}


@pytest.mark.parametrize("key", sorted(VENDOR_ASSETS))
def test_every_asset_from_cdn_matches_its_local_file(cdn_on, key):
    asset = VENDOR_ASSETS[key]
    _html, tags = render(key)
    attrs = tags[0][1]
    url = attrs.get("src") or attrs.get("href")
    assert (
        url == f"https://cdn.jsdelivr.net/npm/{asset.package}@{asset.version}/{asset.package_path}"
    )
    assert attrs["integrity"] == local_sri(asset)
    local = attrs.get("data-local") or tags[1][1]["data-local"]
    assert local == static(asset.local)


@pytest.mark.parametrize("key", sorted(VENDOR_ASSETS))
def test_without_cdn_only_the_local_copy_is_referenced(settings, key):
    settings.KIM_ASSETS_FROM_CDN = False
    asset = VENDOR_ASSETS[key]
    html, tags = render(key)

    assert "jsdelivr" not in html
    assert "integrity" not in html
    if asset.kind == "css":
        assert tags == [("link", {"rel": "stylesheet", "href": static(asset.local)})]
    else:
        assert tags == [("script", {"src": static(asset.local)})]


def test_unknown_asset_is_an_error():
    with pytest.raises(TemplateSyntaxError, match="chartjs"):
        render("chart")


def test_every_referenced_local_file_exists():
    assert finders.find("js/vendor-fallback.js")
    for asset in VENDOR_ASSETS.values():
        path = finders.find(asset.local)
        assert path, asset.local
        folder = asset.local.rsplit("/", 1)[0]
        with open(path, encoding="utf-8") as f:
            text = f.read()
        # collectstatic's manifest storage fails on a missing sourcemap or url() target.
        targets = re.findall(r"sourceMappingURL=([^\s*]+)", text)
        if asset.kind == "css":
            urls = (u.strip("'\"") for u in re.findall(r"url\(([^)]*)\)", text))
            targets += [u for u in urls if not u.startswith(("data:", "#", "http"))]
        for target in targets:
            assert finders.find(f"{folder}/{target}"), f"{asset.local} -> {target}"


def test_vendor_check_passes():
    assert vendor.check() == []
    assert vendor.main(["--check"]) == 0


def test_vendor_check_catches_a_changed_file(tmp_path, monkeypatch):
    for asset in VENDOR_ASSETS.values():
        copy = tmp_path / asset.local
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.write_bytes(asset.local_file.read_bytes())
    (tmp_path / VENDOR_ASSETS["leaflet-js"].local).write_bytes(b"window.L = {};")
    monkeypatch.setattr(vendor, "STATIC_DIR", tmp_path)

    problems = vendor.check()
    assert len(problems) == 1
    assert problems[0].startswith("leaflet-js:")
    assert vendor.main(["--check"]) == 1
