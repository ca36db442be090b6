"""Project middleware."""

from csp.middleware import CSPMiddleware
from django.conf import settings
from django.middleware.locale import LocaleMiddleware
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _

from . import vendor


class IndonesianFirstLocaleMiddleware(LocaleMiddleware):
    """Bahasa Indonesia unless the user chose another language with the switch (the language
    cookie): the browser's Accept-Language is ignored, since office browsers are often set to
    English while the office works in Indonesian."""

    def process_request(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()


class RejectNullCharactersMiddleware:
    """Refuse a request whose path, query string or form data holds a NUL character: no
    database stores it, and PostgreSQL refuses it with an error (``/desa/%00/`` was a 500), so
    it gets a clear 400 here instead."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not self._holds_nul(request):
            return self.get_response(request)
        return render(
            request,
            "400.html",
            {
                "message": _(
                    "Permintaan berisi karakter yang tidak sah (NUL); tidak ada yang disimpan."
                )
            },
            status=400,
        )

    @staticmethod
    def _holds_nul(request) -> bool:
        texts = [request.path_info]
        for params in [request.GET] + ([request.POST] if request.method == "POST" else []):
            for key, values in params.lists():
                texts += [key, *values]
        return any("\x00" in text for text in texts)


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's header (``CONTENT_SECURITY_POLICY``: our own files only), plus, while
    ``KIM_ASSETS_FROM_CDN`` is on, the exact CDN files the pages load (``kimtracker.vendor``):
    scripts and styles from nowhere else on jsDelivr. Read per request, as the template tag
    that writes the tags reads it."""

    def get_policy_parts(self, request, response, report_only=False):
        parts = super().get_policy_parts(request, response, report_only=report_only)
        if settings.KIM_ASSETS_FROM_CDN and not report_only:
            update = dict(parts.update or {})
            for directive, kind in (("script-src", "js"), ("style-src", "css")):
                update[directive] = [*update.get(directive, ()), *vendor.cdn_urls(kind)]
            parts.update = update
        return parts
