"""{{ event|event_old }} / {{ event|event_new }}: a household event's values in the reader's language
(households/events.py::event_value): labels, yes/no, lists and the services' sentences reworded, typed text as is."""
from django import template

from households.events import event_value

register = template.Library()


@register.filter
def event_old(event) -> str:
    return event_value(event, event.old_value, "old")


@register.filter
def event_new(event) -> str:
    return event_value(event, event.new_value, "new")
