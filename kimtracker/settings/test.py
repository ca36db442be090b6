"""Settings for the test suite: SQLite unless DATABASE_URL points elsewhere (CI runs both)."""

import os

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "test-only-insecure-key")
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tests must not depend on a collected static manifest.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
KIM_MAP_TILE_URL = ""
# Tests do not reach the internet; a test that needs the CDN tags turns it on with `settings`.
KIM_ASSETS_FROM_CDN = False
# The service worker and the officer's offline copies work in the background of every page,
# beside the test's own requests, and the live server's in-memory SQLite database is one
# connection shared with the test: only the offline tests turn it on (tests/browser/
# test_offline.py).
KIM_OFFLINE_ENTRY = False
# Serve static files from the app folders, without a collectstatic run.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
# Tests roll their transactions back, so nothing would retire a cached figure between them: the
# figure cache keeps nothing here, even with REDIS_URL set (tests/reports/test_figure_cache.py
# turns it on, with real commits).
CACHES = {**CACHES, "figures": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}  # noqa: F405
# Background jobs run at once, in the request or command that asks for them.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
