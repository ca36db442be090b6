"""WSGI entry point for gunicorn."""

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "kimtracker.settings.production")

application = get_wsgi_application()

# What start-up made (modules, settings, URL patterns, models) lives as long as the worker:
# frozen, Python's cycle collector no longer walks its 84,000 objects in each full collection,
# only what requests make (docs/performance.md, "Garbage collection"). Objects are still freed
# when their last reference goes; only cycles among the frozen ones would stay, and those live
# for the worker's life anyway.
gc.freeze()
