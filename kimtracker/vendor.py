"""Front-end libraries: where the CDN serves them, where our local copy lives, and their SRI hashes.

Pages load each library from jsDelivr, pinned by version and by a Subresource Integrity hash, and
fall back to the copy under ``static/vendor/`` when the CDN cannot be reached (or straight away
when ``KIM_ASSETS_FROM_CDN`` is off, as on intranets). The local files are byte-identical to the
npm tarballs that jsDelivr serves, so one hash covers both; ``static/vendor/README.md`` records
where they came from.

The ``integrity`` values below are literals on purpose: a hash computed at start-up would
silently follow a tampered or replaced local file. After upgrading a library, replace its files
under ``static/vendor/``, update its entry here and run::

    python -m kimtracker.vendor --check

which recomputes every hash from the local files and exits non-zero on a mismatch, printing the
value to paste in.
"""

import base64
import hashlib
import sys
from dataclasses import dataclass
from pathlib import Path

# The project's STATICFILES_DIRS entry; resolved here so `--check` works without Django settings.
STATIC_DIR = Path(__file__).resolve().parent.parent / "static"

CDN_BASE = "https://cdn.jsdelivr.net/npm"


@dataclass(frozen=True)
class VendorAsset:
    """One file of a vendored library, as served by the CDN and as kept in our static files."""

    key: str
    kind: str  # "css" or "js"
    package: str
    version: str
    package_path: str  # path inside the npm package, as jsDelivr serves it
    local: str  # path relative to static/, for {% static %}
    integrity: str  # "sha384-<base64>" of the file's exact bytes
    global_name: str = ""  # for JS: the window property that proves the script ran

    @property
    def cdn_url(self) -> str:
        return f"{CDN_BASE}/{self.package}@{self.version}/{self.package_path}"

    @property
    def local_file(self) -> Path:
        return STATIC_DIR / self.local


VENDOR_ASSETS: dict[str, VendorAsset] = {
    asset.key: asset
    for asset in (
        VendorAsset(
            key="bootstrap-css",
            kind="css",
            package="bootstrap",
            version="5.3.9",
            package_path="dist/css/bootstrap.min.css",
            local="vendor/bootstrap-5.3.9/css/bootstrap.min.css",
            integrity="sha384-yEPZ7jP9S0QKiUQ0m3jjsO4ProIW7wvR9gXkI7JOGa2XVsw53Yke2bsdkBbjmmiX",
        ),
        VendorAsset(
            key="bootstrap-js",
            kind="js",
            package="bootstrap",
            version="5.3.9",
            package_path="dist/js/bootstrap.bundle.min.js",
            local="vendor/bootstrap-5.3.9/js/bootstrap.bundle.min.js",
            integrity="sha384-WyOxWvTyr1QaMPfiPJSv76iReVthorl5uWlFtZPyK0IEB0hGzo9y5Bp9mYanr8Bu",
            global_name="bootstrap",
        ),
        VendorAsset(
            key="chartjs",
            kind="js",
            package="chart.js",
            version="4.6.1",
            package_path="dist/chart.umd.min.js",
            local="vendor/chart.js-4.6.1/chart.umd.min.js",
            integrity="sha384-Emf5ZVIUiarAdhkgtqK+5/Z5qIvM6QoVrS+qAVtfyZVuD5lIHrac0me485+Antp0",
            global_name="Chart",
        ),
        VendorAsset(
            key="leaflet-css",
            kind="css",
            package="leaflet",
            version="1.9.4",
            package_path="dist/leaflet.css",
            local="vendor/leaflet-1.9.4/leaflet.css",
            integrity="sha384-sHL9NAb7lN7rfvG5lfHpm643Xkcjzp4jFvuavGOndn6pjVqS6ny56CAt3nsEVT4H",
        ),
        VendorAsset(
            key="leaflet-js",
            kind="js",
            package="leaflet",
            version="1.9.4",
            package_path="dist/leaflet.js",
            local="vendor/leaflet-1.9.4/leaflet.js",
            integrity="sha384-cxOPjt7s7Iz04uaHJceBmS+qpjv2JkIHNVcuOrM+YHwZOmJGBXI00mdUXEq65HTH",
            global_name="L",
        ),
    )
}


def cdn_urls(kind: str) -> list[str]:
    """The exact CDN address of every vendored file of ``kind`` ("css" or "js"): what the
    Content-Security-Policy allows besides our own files when ``KIM_ASSETS_FROM_CDN`` is on."""
    return [asset.cdn_url for asset in VENDOR_ASSETS.values() if asset.kind == kind]


def sri_hash(data: bytes) -> str:
    """The Subresource Integrity value ("sha384-<base64>") of `data`."""
    return "sha384-" + base64.b64encode(hashlib.sha384(data).digest()).decode("ascii")


def check() -> list[str]:
    """Recompute each asset's hash from its local file; return one message per problem found."""
    problems = []
    for asset in VENDOR_ASSETS.values():
        if not asset.local_file.is_file():
            problems.append(f"{asset.key}: local file {asset.local_file} is missing")
            continue
        actual = sri_hash(asset.local_file.read_bytes())
        if actual != asset.integrity:
            problems.append(f"{asset.key}: integrity is {asset.integrity!r}, file gives {actual!r}")
    return problems


def main(argv: list[str]) -> int:
    if argv != ["--check"]:
        print("usage: python -m kimtracker.vendor --check", file=sys.stderr)
        return 2
    problems = check()
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"{len(VENDOR_ASSETS)} vendor assets match their integrity hashes.")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
