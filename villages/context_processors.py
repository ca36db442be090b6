"""Template context shared by every page (``TEMPLATES`` in the settings)."""

from django.conf import settings
from django.utils.functional import SimpleLazyObject

from .models import KIM


def demo_notice(request):
    """``has_demo_data``: the base layout warns that the figures include synthetic demo KIM
    (one cheap EXISTS query, run only when a template asks)."""
    return {"has_demo_data": SimpleLazyObject(KIM.objects.filter(is_demo=True).exists)}


def offline_entry(request):
    """``offline_entry``: whether pages load the offline entry script (``KIM_OFFLINE_ENTRY``)."""
    return {"offline_entry": settings.KIM_OFFLINE_ENTRY}
