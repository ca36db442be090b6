"""The installable app: the web manifest, the service worker and the favicon, served from the
site's root. The service worker must come from the root (``/sw.js``) to control every page;
its code lives in ``static/js/sw.js`` like every other script. None of them needs a log-in:
the browser fetches them on its own, before and after a session."""

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.http import Http404, HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.generic import RedirectView

SERVICE_WORKER = "js/sw.js"
# The navigation bar's blue (Bootstrap's primary), the colour of the icons.
THEME_COLOR = "#0d6efd"


def _static_text(path: str) -> str:
    found = finders.find(path)
    if not found:
        raise Http404(path)
    with open(found, encoding="utf-8") as handle:
        return handle.read()


@login_not_required
@require_GET
@cache_control(no_cache=True)
def service_worker(request):
    """``static/js/sw.js`` from the root, so that its scope is the whole site. Browsers check
    it for a new version on each visit (no-cache). The page it shows for a page never kept
    offline (the queue of entries waiting) reaches it as a constant."""
    offline_page = reverse("villages:offline_queue")
    code = (
        _static_text(SERVICE_WORKER)
        .replace("__OFFLINE_PAGE__", offline_page)
        .replace("__STATIC_URL__", settings.STATIC_URL)
    )
    response = HttpResponse(code, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@login_not_required
@require_GET
@cache_control(max_age=86400)
def manifest(request):
    """The web app manifest: name, icons and colours for "add to home screen"."""
    data = {
        "name": "KIM Tracker",
        "short_name": "KIM Tracker",
        "description": _("Pendataan dan pemantauan Kelompok Informasi Masyarakat (KIM)."),
        "lang": request.LANGUAGE_CODE,
        "start_url": "/",
        "scope": "/",
        "display": "standalone",
        "background_color": "#ffffff",
        "theme_color": THEME_COLOR,
        "icons": [
            {"src": static("icons/icon-192.png"), "sizes": "192x192", "type": "image/png"},
            {"src": static("icons/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            {
                "src": static("icons/icon-maskable-512.png"),
                "sizes": "512x512",
                "type": "image/png",
                "purpose": "maskable",
            },
        ],
    }
    return JsonResponse(
        data,
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


class FaviconView(RedirectView):
    """Browsers ask ``/favicon.ico`` on their own; the file lives with the static files."""

    permanent = False

    def get_redirect_url(self, *args, **kwargs):
        return static("icons/favicon.ico")


favicon = login_not_required(FaviconView.as_view())
