"""Retire the cached figures (``kimtracker.figure_cache``) on every committed write to the registry:
any save or delete of a model of the ``villages`` or ``reports`` app. Bulk writers, which send
no signals, call ``figure_cache.invalidate`` themselves. ``migrate`` (run on every deployment)
retires them too, so a new release never reads figures pickled by the old code."""

from django.db.models.signals import post_delete, post_migrate, post_save

from kimtracker import figure_cache

WATCHED_APPS = {"villages", "reports"}


def retire_figures(sender, **kwargs):
    if sender._meta.app_label in WATCHED_APPS:
        figure_cache.invalidate()


def retire_after_migrate(sender, **kwargs):
    figure_cache.invalidate()


def connect() -> None:
    post_save.connect(retire_figures, dispatch_uid="reports.retire_figures.save")
    post_delete.connect(retire_figures, dispatch_uid="reports.retire_figures.delete")
    post_migrate.connect(retire_after_migrate, dispatch_uid="reports.retire_figures.migrate")
