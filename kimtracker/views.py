"""Project-wide views: the error pages (``handler400`` and ``handler500`` in
``kimtracker.urls``)."""

import logging
import sys

from django.core.exceptions import BadRequest
from django.db import InterfaceError, OperationalError
from django.http import HttpResponseServerError
from django.shortcuts import render
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token

logger = logging.getLogger(__name__)

# How long a client or proxy should wait before trying again when the database is away.
RETRY_AFTER_SECONDS = 30
# PostgreSQL's SQLSTATE for a write refused by a read-only database or replica.
READ_ONLY_SQLSTATE = "25006"


class InputRefused(BadRequest):
    """A request refused for what it asks (a file format the page does not offer, ...). Its
    message, in the user's language, is shown on the 400 page."""


@requires_csrf_token
def bad_request(request, exception):
    """The 400 page, saying what was refused when the application refused it
    (``InputRefused``); Django's own refusals (a bad host, a broken upload) keep its page,
    which shows no detail and needs nothing of the request."""
    if isinstance(exception, InputRefused):
        return render(request, "400.html", {"message": str(exception)}, status=400)
    return defaults.bad_request(request, exception)


def database_unavailable(error: BaseException | None) -> bool:
    """Whether ``error`` means the database cannot be used now (not reachable, restarting,
    disk full, read-only) rather than a fault of the application."""
    if isinstance(error, OperationalError | InterfaceError):
        return True
    cause = getattr(error, "__cause__", None)
    return getattr(cause, "pgcode", None) == READ_ONLY_SQLSTATE


@requires_csrf_token
def server_error(request):
    """The 500 page, or 503 with ``Retry-After`` when the database is unavailable, so that
    users read that it is temporary and proxies and monitors can tell an outage from a bug.
    Renders without a request context: nothing here may need the database.

    An outage is logged here, one line per request (``log_outage``), and the response marked
    as logged so that Django does not log it again with the traceback: while PostgreSQL
    restarts every request fails the same way, and 549 lines of tracebacks for 182 requests
    buried the one fact. A bug keeps Django's error log with its traceback."""
    error = sys.exc_info()[1]
    if database_unavailable(error):
        response = HttpResponseServerError(loader.get_template("503.html").render())
        response.status_code = 503
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        log_outage(request, error)
        response._has_been_logged = True  # read by django.utils.log.log_response
        return response
    return HttpResponseServerError(loader.get_template("500.html").render())


def log_outage(request, error: BaseException) -> None:
    """One line, no traceback: ``503 GET /kim/: database unavailable (OperationalError:
    connection to server at "127.0.0.1", port 5432 failed: Connection refused)``. The path
    and the message are escaped as Django escapes what it logs, so neither adds lines."""
    first_line = next(iter(str(error).strip().splitlines()), "")
    logger.warning(
        "503 %s %s: database unavailable (%s: %s)",
        request.method,
        _escaped(request.path),
        type(error).__name__,
        _escaped(first_line),
        extra={"status_code": 503, "request": request},
    )


def _escaped(text: str) -> str:
    return text.encode("unicode_escape").decode("ascii")
