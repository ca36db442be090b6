"""The figure cache: computed coverage figures kept in the shared ``figures`` cache (Redis when
``REDIS_URL`` is set; a dummy cache that keeps nothing otherwise, because a per-process memory
cache could not be invalidated across gunicorn workers).

Keys carry a *generation*, a number stored in the same cache that every committed write to the
registry bumps (``invalidate``, called from the signal handlers in ``reports.signals`` and from
the bulk writers that send no signals). A figure is never stale after a change:

- a request reads the generation *before* it queries, and stores what it computed under that
  generation;
- a write bumps the generation only *after* its transaction commits.

So an entry computed from data older than a write is stored under a generation that the write
has already retired (or retires as soon as it commits), and no request after the write reads it.
A missing generation (never set, evicted, Redis restarted) starts again from the clock, never
from a number an old entry may still carry.
"""

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.core.cache import caches
from django.db import transaction

logger = logging.getLogger(__name__)

CACHE_ALIAS = "figures"
GENERATION_KEY = "generation"

T = TypeVar("T")


def _cache():
    return caches[CACHE_ALIAS]


def generation() -> int:
    """The current data generation (created from the clock when the cache has none)."""
    cache = _cache()
    value = cache.get(GENERATION_KEY)
    if value is None:
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        value = cache.get(GENERATION_KEY, 0)
    return value


def cached(name: str, compute: Callable[[], T], *key_parts) -> T:
    """``compute()``, kept under ``name`` and ``key_parts`` (e.g. the as-of date) for the
    current generation."""
    cache = _cache()
    key = ":".join([name, str(generation()), *map(str, key_parts)])
    value = cache.get(key)
    if value is None:
        value = compute()
        cache.set(key, value, timeout=settings.KIM_FIGURE_CACHE_SECONDS)
    return value


def _bump() -> None:
    cache = _cache()
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # no generation yet (or evicted): any fresh one retires the old keys
        cache.set(GENERATION_KEY, time.time_ns(), timeout=None)


def invalidate() -> None:
    """Retire every cached figure once the current transaction commits (at once outside one).
    A failure to reach the cache is logged, not raised: the write itself has committed."""
    transaction.on_commit(_bump, robust=True)
