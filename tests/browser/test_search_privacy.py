"""Township staff look a person up by the whole ID number from the household list, then page and open the
family and come back: the number is never in the address bar (relief.search_terms), the list still holds the
search, by the browser's back button or the page's own link."""
import pytest
from playwright.sync_api import expect

from tests.households.factories import make_household

pytestmark = [pytest.mark.browser]


def test_searching_by_id_number_keeps_it_out_of_the_address(transactional_db, demo, browser_login, live_server):
    wanted = make_household(demo.village_a, actor=demo.caseworker_a, head_name="曾建国",
                            residence_address="安化路200弄3号")
    number = wanted.members.get().id_number
    page = browser_login("township1")
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/")
    page.locator("nav").get_by_role("link", name="家庭台账").first.click()
    page.get_by_test_id("search-box").fill(number)
    page.get_by_test_id("search-box").press("Enter")
    page.wait_for_url("**/households/?*qt=*")
    assert number not in page.url and number[-6:] not in page.url
    expect(page.get_by_test_id("search-box")).to_have_value(number)
    expect(page.get_by_test_id("household-count")).to_contain_text("共 1 户")
    page.get_by_role("link", name="曾建国").first.click()
    expect(page.locator("h1")).to_contain_text("曾建国")
    page.go_back()
    expect(page.get_by_test_id("search-box")).to_have_value(number)
    assert number not in page.url
    # The page's own back link leads to the list as it was searched, too.
    page.get_by_role("link", name="曾建国").first.click()
    page.get_by_role("link", name="← 家庭台账").click()
    expect(page.get_by_test_id("search-box")).to_have_value(number)
    expect(page.get_by_test_id("household-count")).to_contain_text("共 1 户")
    assert number not in page.url
