"""Background jobs (django-tasks on the database: ``manage.py db_worker`` runs them)."""

from django_tasks import task


@task()
def publish_report(publication_id: int) -> str:
    """Make a requested publication (``reports.publishing.run``); returns its status."""
    from .publishing import run

    return run(publication_id).status
