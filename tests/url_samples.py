"""How to build an object for every routed URL that takes arguments.

tests/test_urls.py walks the URL resolver. For each URL with arguments it needs an object that lies
OUTSIDE the jurisdiction of the test users (village C, in township 2, while the users serve village A
and township 1), to prove they get 404. Each app adds its URLs here when it adds them:

    OUTSIDE_OBJECT_KWARGS["households:detail"] = lambda demo: {"pk": make_household(demo.village_c).pk}

A URL whose arguments are not jurisdictional (a policy in the district-wide library, say) goes in
NOT_JURISDICTIONAL with the reason. A routed URL in neither dict fails the test.
"""
from typing import Callable

OUTSIDE_OBJECT_KWARGS: dict[str, Callable] = {}

NOT_JURISDICTIONAL: dict[str, str] = {}
