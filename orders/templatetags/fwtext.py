from django import template

from orders.text import isolated

register = template.Library()


@register.filter
def plain(value):
    """{{ order.order_po|plain }}: see orders.text.isolated."""
    return isolated(value)
