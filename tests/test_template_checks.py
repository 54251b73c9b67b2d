import pytest
from django.template import engines

from tests.template_checks import UnresolvedTemplateVariable


def test_a_variable_looked_up_through_none_fails():
    # The lead list's defect: an address looked up through a lead that has no household.
    template = engines["django"].from_string("{{ lead.household.name|default:'—' }}")
    template.template.origin.name = __file__
    with pytest.raises(UnresolvedTemplateVariable):
        template.render({"lead": {"household": None}})


def test_a_resolved_none_renders_its_default():
    template = engines["django"].from_string("{{ lead.household|default:'—' }}")
    template.template.origin.name = __file__
    assert template.render({"lead": {"household": None}}) == "—"
