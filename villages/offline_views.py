"""Entry without a connection (``static/js/offline.js``): the page listing the entries kept on
the device, and the list of what the device keeps for use offline (the entry forms of the
officer's KIM and the desa of the officer's kecamatan)."""

from django.http import JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.views import View
from django.views.generic import TemplateView

from kimtracker import roles
from kimtracker.vendor import VENDOR_ASSETS

from . import scope
from .models import KIM, Kecamatan

# The entry forms kept for this many KIM at most (an officer of a large wilayah may write
# everywhere; the whole kabupaten's forms would be too much to fetch on each refresh).
OFFLINE_KIM_LIMIT = 100
# The app's own files that every entry page needs.
SHELL_FILES = (
    "css/kimtracker.css",
    "js/offline.js",
    "js/kim-form.js",
    "js/vendor-fallback.js",
    "icons/icon-192.png",
    "icons/favicon.ico",
)


class OfflineQueueView(TemplateView):
    """The entries kept on this device, waiting to be sent or refused by the server (filled
    in by ``offline.js`` from the device's IndexedDB: the server never sees them until they
    are sent)."""

    template_name = "villages/offline_queue.html"


class OfflinePrecacheView(View):
    """The addresses the device keeps for use offline, for this user: the app's files, the
    queue page, the register form and the desa options of each kecamatan the user may register
    in, and the activity and status forms of their KIM (JSON ``{"urls": [...]}``)."""

    def get(self, request):
        user = request.user
        urls = [static(path) for path in SHELL_FILES]
        urls += [static(VENDOR_ASSETS[key].local) for key in ("bootstrap-css", "bootstrap-js")]
        urls.append(reverse("villages:offline_queue"))
        kecamatan = Kecamatan.objects.filter(scope.of(user).q("code")).order_by("code")
        if kecamatan.too_many_to_list():
            kecamatan = kecamatan.none()  # a province: the officer picks online
        if user.has_perm(roles.PERM_ADD):
            urls.append(reverse("villages:kim_create"))
            options = reverse("villages:desa_options")
            urls += [
                f"{options}?kecamatan={code}" for code in kecamatan.values_list("code", flat=True)
            ]
            if Kecamatan.objects.too_many_to_list():
                options = reverse("villages:kecamatan_options")
                kabupaten = sorted(
                    {code.rsplit(".", 1)[0] for code in kecamatan.values_list("code", flat=True)}
                )
                urls += [f"{options}?kabupaten={code}" for code in kabupaten]
        kims = KIM.objects.counted().filter(scope.of(user).q("desa__code")).order_by("name")
        for kim in kims.only("pk")[:OFFLINE_KIM_LIMIT]:
            if user.has_perm(roles.PERM_ACTIVITY):
                urls.append(reverse("villages:kim_activity", args=[kim.pk]))
            if user.has_perm(roles.PERM_STATUS):
                urls.append(reverse("villages:kim_status", args=[kim.pk]))
        return JsonResponse({"urls": urls})
