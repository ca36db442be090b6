"""Settings for a developer's machine and for `make run`."""

import os

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
# Only ever used on a developer's machine; production.py has no fallback.
SECRET_KEY = os.environ.get("DJANGO_SECRET_KEY", "local-only-insecure-key-do-not-use-in-production")
