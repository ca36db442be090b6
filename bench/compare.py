"""One Markdown table of every page across scales, from the ``--json`` files of ``pages.py``.

Usage (from the repository root)::

    .venv/bin/python bench/compare.py "Malang, PG=var/bench/malang-pg.json" \\
        "Jawa Timur, PG=var/bench/jatim-pg.json" "Indonesia, PG=var/bench/national-pg.json"

Each argument is ``LABEL=FILE``. Per page and scale the cell reads ``p50 / p95 ms · queries ·
ratio``, where the ratio is the page's median over the bare SQL of the same figures (the page's
own SELECTs replayed on the connection, all rows fetched): 1.0 would be the database's own
speed. A page missing from a file shows "–".
"""

import json
import sys
from pathlib import Path


def cell(page: dict | None) -> str:
    if page is None:
        return "–"
    ratio = f"{page['ratio']:.1f}" if page.get("ratio") else "–"
    return f"{page['median_ms']:,.0f} / {page['p95_ms']:,.0f} · {page['queries']} q · ×{ratio}"


def table(runs: list[tuple[str, dict]]) -> str:
    labels: list[str] = []
    for _label, run in runs:
        for page in run["pages"]:
            if page["page"] not in labels:
                labels.append(page["page"])
    by_page = [{page["page"]: page for page in run["pages"]} for _label, run in runs]
    lines = [
        "| page | " + " | ".join(label for label, _run in runs) + " |",
        "|---|" + "--:|" * len(runs),
    ]
    for label in labels:
        lines.append(
            f"| {label} | " + " | ".join(cell(pages.get(label)) for pages in by_page) + " |"
        )
    return "\n".join(lines)


def main(argv: list[str]) -> None:
    if not argv:
        raise SystemExit(__doc__)
    runs = []
    for argument in argv:
        label, _, path = argument.partition("=")
        runs.append((label, json.loads(Path(path).read_text(encoding="utf-8"))))
    print(table(runs))


if __name__ == "__main__":
    main(sys.argv[1:])
