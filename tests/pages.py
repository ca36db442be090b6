"""Reading figures out of rendered pages, by the data- attributes the templates put on them."""

import csv
import io
import re


def text_of(html: str, marker: str) -> str:
    """The text of the first element after ``marker`` that carries ``data-value``."""
    start = html.index(marker)
    match = re.search(r"data-value>([^<]*)<", html[start:])
    return match.group(1).strip()


def number(text: str) -> int:
    """An Indonesian-formatted integer ("1.234") as int."""
    return int(text.replace(".", ""))


def csv_rows(response) -> list[dict]:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return list(csv.DictReader(io.StringIO(content.decode("utf-8"))))
