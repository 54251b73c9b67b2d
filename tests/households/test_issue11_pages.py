"""The household page as a user reads it: assistance categories by name, unrecorded facts as 未登记."""
import datetime as dt
import re

import pytest
from django.urls import reverse

from households import services
from households.models import AssistanceType, DibaoStandard

from .factories import make_household

pytestmark = pytest.mark.django_db


def _facts(html: str) -> str:
    return re.search(r'data-testid="household-facts".*?</section>', html, re.S).group(0)


def test_household_page_names_each_current_assistance_category(client, demo):
    """Each category running today is a tag carrying its label (it was an empty tag)."""
    household = make_household(demo.village_a)
    services.assistance_add(actor=demo.caseworker_a, household=household, type=AssistanceType.DIBAO,
                            start_date=dt.date(2024, 1, 1), monthly_amount=500)
    services.assistance_add(actor=demo.caseworker_a, household=household, type=AssistanceType.MEDICAL,
                            start_date=dt.date(2024, 1, 1))
    client.force_login(demo.caseworker_a)
    facts = _facts(client.get(reverse("households:detail", args=[household.pk])).content.decode())
    tags = re.findall(r'<span class="tag green" data-testid="category">([^<]*)</span>', facts)
    assert tags == ["最低生活保障（低保）", "医疗救助"]
