"""Every page every role is shown, on the demo district `make run` loads: no error, no refusal.

One demo user of each role starts at the home page and follows every link, hx-get and GET form it is
shown. A page that raises or answers 5xx fails, and so does a link that answers 403 or 404 to the very
user it was shown to: a link a user may not follow is a defect too.
"""
import pytest

from .crawler import crawl

pytestmark = pytest.mark.django_db

ROLES = [
    "caseworker1",  # 华阳路街道
    "caseworker5",  # 江苏路街道
    "township1",
    "township2",
    "district",
    "admin",
    "shebao1",  # 社保所 of 华阳路街道 (科室/部门工作人员)
    "security",  # 安全管理员 (三员分立): accounts in the Django admin only
    "auditor",  # 审计管理员: the audit log only
]
# A department's account has its own queue and items only (relief.access.ROLE_ACTIONS): a small app by design.
MIN_PAGES = {"shebao1": 5, "security": 1, "auditor": 2}


@pytest.mark.parametrize("username", ROLES)
def test_every_page_shown_to_the_user_opens(client, full_demo, username):
    client.force_login(full_demo.users[username])
    result = crawl(client, limit=250)
    slowest = sorted(result.seconds.items(), key=lambda item: -item[1])[:8]
    print(username, len(result.visited), "pages;", "slowest:", [(u, round(t, 2)) for u, t in slowest])
    assert not result.failures, "\n".join(result.failures)
    # The crawl reached the app, not only the home page.
    assert len(result.visited) > MIN_PAGES.get(username, 30), sorted(result.visited)
