"""Each role logs in on a phone-sized screen and lands on its home page."""
import pytest
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser]


@pytest.mark.parametrize("username,role", [
    ("caseworker1", "村社会救助协理员"), ("township1", "乡镇民政办"), ("district", "区县民政局"), ("admin", "系统管理员"),
])
def test_role_logs_in_on_a_phone(transactional_db, demo, browser_login, live_server, username, role):
    page = browser_login(username)
    expect(page).to_have_url(f"{live_server.url}/")
    expect(page.get_by_test_id("home-role")).to_contain_text(role)
    # Readable on 360 px: nothing forces a horizontal scroll.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_wrong_password_shows_a_clear_chinese_message(transactional_db, demo, browser_login):
    page = browser_login("caseworker1", password="not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("用户名或密码不正确")
