from django import template

from villages.choices import KIMLevel

register = template.Library()


@register.filter
def level_label(value):
    """The display label of a level code (e.g. an annotated ``level_on``)."""
    return KIMLevel(value).label if value else ""


@register.filter
def minutes(value):
    """A timedelta as whole minutes (for the lockout page)."""
    return int(value.total_seconds() // 60) if value else 0
