from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def query_replace(context, **changes) -> str:
    """The current query string with some parameters replaced (keeps filters across pages)."""
    query = context["request"].GET.copy()
    for key, value in changes.items():
        query[key] = value
    return query.urlencode()


@register.simple_tag(takes_context=True)
def may_open(context, url_name, *args) -> bool:
    """`{% may_open "ledgers:index" as allowed %}`: the page's own access rule, for showing its link."""
    from relief import access

    return access.may_open(context["request"].user, url_name, *args)
