"""`{% vendor_asset "key" %}`: a vendored library's tag, from the CDN with a local fallback.

With ``KIM_ASSETS_FROM_CDN`` on, the library comes from jsDelivr pinned by its SRI hash, followed
by ``js/vendor-fallback.js``, which loads the local copy when the CDN copy did not arrive. With it
off, only the local copy is referenced. No inline script or handler is emitted, so the pages keep
working under a Content-Security-Policy without 'unsafe-inline'. The assets are described in
`kimtracker.vendor`.
"""

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString

from kimtracker.vendor import VENDOR_ASSETS, VendorAsset

register = template.Library()

FALLBACK_SCRIPT = "js/vendor-fallback.js"


@register.simple_tag
def vendor_asset(key: str) -> SafeString:
    """The <link> or <script> tags that load the vendored asset named `key`."""
    try:
        asset = VENDOR_ASSETS[key]
    except KeyError:
        known = ", ".join(sorted(VENDOR_ASSETS))
        raise template.TemplateSyntaxError(
            f"Unknown vendor asset {key!r}; expected one of: {known}"
        ) from None
    if settings.KIM_ASSETS_FROM_CDN:
        return _from_cdn(asset)
    return _local(asset)


def _local(asset: VendorAsset) -> SafeString:
    if asset.kind == "css":
        return format_html('<link rel="stylesheet" href="{}">', static(asset.local))
    return format_html('<script src="{}"></script>', static(asset.local))


def _from_cdn(asset: VendorAsset) -> SafeString:
    local_url = static(asset.local)
    fallback_url = static(FALLBACK_SCRIPT)
    if asset.kind == "css":
        # The fallback script runs once pending stylesheets have settled and swaps in the local
        # copy of any link[data-local] that failed to load.
        return format_html(
            '<link rel="stylesheet" href="{}" integrity="{}" crossorigin="anonymous"'
            ' data-local="{}">'
            '<script src="{}"></script>',
            asset.cdn_url,
            asset.integrity,
            local_url,
            fallback_url,
        )
    return format_html(
        '<script src="{}" integrity="{}" crossorigin="anonymous"></script>'
        '<script src="{}" data-global="{}" data-local="{}"></script>',
        asset.cdn_url,
        asset.integrity,
        fallback_url,
        asset.global_name,
        local_url,
    )
