"""Bulk imports from CSV or XLSX files, all with the same rules: a dry run that reports every
row's errors by row and column, one transaction that writes all rows or none, and re-imports
that change nothing.

- ``files``: reading a file, refusing one that cannot be imported, reading the cells.
- ``plan``: the dry run and the run of any importer (``Importer``), through the services.
- ``kim``: KIM (``/kim/impor/``, ``manage.py import_kim``).
- ``activity``: KIM activities (``/kim/kegiatan/impor/``, ``manage.py import_activities``).
- ``command``: what the two management commands share.
"""
