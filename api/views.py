"""Pages of the API app: the user's personal access tokens (make, list, revoke) and the API's
documentation (Swagger UI from local files: the Content-Security-Policy allows our own only)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.generic import TemplateView

from kimtracker import roles
from kimtracker.roles import ViewPermissionMixin

from . import services
from .forms import TokenForm
from .models import PersonalAccessToken


class TokenListView(ViewPermissionMixin, TemplateView):
    """The user's tokens with their prefix, creation, last use and revocation; a form for a new
    one, whose token the answer to the POST shows once (never stored, never shown again)."""

    template_name = "api/token_list.html"

    def get_context_data(self, **kwargs):
        return super().get_context_data(
            tokens=PersonalAccessToken.objects.filter(user=self.request.user),
            form=kwargs.pop("form", None) or TokenForm(),
            docs_url=reverse("api_docs"),
            **kwargs,
        )

    def post(self, request, *args, **kwargs):
        form = TokenForm(request.POST)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form))
        row, token = services.create_token(user=request.user, name=form.cleaned_data["name"])
        response = self.render_to_response(self.get_context_data(new_token=token, new_row=row))
        # The token is in this page only: no cache may keep it.
        add_never_cache_headers(response)
        return response


@require_POST
def revoke(request, pk: int):
    """Revoke one of the user's own tokens (404 for anybody else's)."""
    if not request.user.has_perm(roles.PERM_VIEW):
        raise PermissionDenied
    token = get_object_or_404(PersonalAccessToken, user=request.user, pk=pk)
    services.revoke_token(user=request.user, pk=token.pk)
    messages.success(request, _("Token %(prefix)s… dicabut.") % {"prefix": token.prefix})
    return redirect("api_tokens")


def docs(request):
    """The OpenAPI documentation of /api/v1/ in Swagger UI, from django-ninja's own copy of
    its files (no CDN), its settings in a JSON script element (no inline script)."""
    settings = {"url": reverse("api:openapi-json"), "layout": "BaseLayout", "deepLinking": True}
    return render(
        request,
        "api/docs.html",
        {"swagger_settings": settings, "openapi_url": settings["url"]},
    )


def index(request):
    """/api/v1/ opened in a browser: its documentation."""
    return redirect("api_docs")
