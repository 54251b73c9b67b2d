"""The home page: what needs doing today, per role.

Each app contributes cards through a provider listed in settings.RELIEF_HOME_CARD_PROVIDERS: a
function `cards(user) -> list[HomeCard]` that counts only within the user's jurisdiction.
"""
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass
class HomeCard:
    title: str
    count: int | str
    url: str = ""
    note: str = ""
    urgent: bool = False
    # A count is the number of rows of the list at `url`. A figure that is a sum (visits logged last week)
    # names instead the element of the page at `url` that shows the same total.
    total_testid: str = ""


def home_cards(user) -> list[HomeCard]:
    cards: list[HomeCard] = []
    for path in settings.RELIEF_HOME_CARD_PROVIDERS:
        cards.extend(import_string(path)(user))
    return cards
