"""``kimtracker.downloads``: one content type per kind of file, and the download response."""

import pytest

from kimtracker.downloads import CONTENT_TYPES, attachment


@pytest.mark.parametrize("kind", sorted(CONTENT_TYPES))
def test_attachment(kind):
    response = attachment(b"x", f"laporan.{kind}", kind)
    assert response["Content-Type"] == CONTENT_TYPES[kind]
    assert response["Content-Disposition"] == f'attachment; filename="laporan.{kind}"'
    assert response.content == b"x"
