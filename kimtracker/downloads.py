"""Files the pages hand out (exports, reports, import templates): one content type per kind of
file, and the response that offers a file for download."""

from django.http import HttpResponse

CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def attachment(content: bytes, filename: str, kind: str) -> HttpResponse:
    """``content`` as a download named ``filename``, of the kind (a key of ``CONTENT_TYPES``)."""
    response = HttpResponse(content, content_type=CONTENT_TYPES[kind])
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
