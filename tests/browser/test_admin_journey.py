"""The admin's journey on a desktop: a new caseworker made in the Django admin, who then sees exactly their
village; a key-person roster imported through the import page and a household file through the Django admin."""
import io

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from households import models as hh
from relief.models import User
from tests.households.factories import id_number, make_household

pytestmark = [pytest.mark.browser]

DESKTOP = {"width": 1280, "height": 900}
NEW_PASSWORD = "Xieli-2026-mima"


def filled_template(page, testid: str, rows: list[dict]) -> bytes:
    """The template the import page offers, its example row replaced by `rows` (header → value)."""
    with page.expect_download() as download:
        page.get_by_test_id(testid).click()
    assert download.value.suggested_filename.endswith(".xlsx")
    book = load_workbook(io.BytesIO(download.value.path().read_bytes()))
    sheet = book.worksheets[0]
    header_row = next(r for r in range(1, 6) if any(c.value for c in sheet[r]))
    headers = [str(c.value).strip().rstrip("*").strip() if c.value else "" for c in sheet[header_row]]
    sheet.delete_rows(header_row + 1, sheet.max_row - header_row)
    for row in rows:
        sheet.append([row.get(h, "") for h in headers])
    for cells in sheet.iter_rows(min_row=header_row + 1):
        for cell in cells:
            if isinstance(cell.value, str):
                cell.data_type = "s"
                cell.number_format = "@"
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def log_out(page):
    page.get_by_role("button", name="退出").click()
    # Sign-out first clears what the phone kept for offline visits (static/js/offline.js), then posts: wait for
    # the login page it lands on, not just for the current page.
    page.wait_for_url("**/accounts/login/**")


def test_admin_creates_a_caseworker_and_imports_a_roster_and_a_household(transactional_db, demo, browser_login,
                                                                         live_server):
    mine = [make_household(demo.village_b, head_name=name, residence_address=f"华阳路{n}弄{n}号")
            for n, name in ((11, "钱学林"), (12, "孙美华"))]
    others = [make_household(demo.village_a, head_name="周其他", residence_address="长宁路9号"),
              make_household(demo.village_c, head_name="吴外村", residence_address="江苏路9号")]

    # 三员分立: accounts are the security administrator's.
    page = browser_login("security")
    page.set_viewport_size(DESKTOP)
    # Home → 管理后台 → 工作人员 → 增加.
    page.get_by_role("link", name="管理后台").click()
    page.get_by_role("link", name="工作人员", exact=True).first.click()
    page.get_by_role("link", name="增加 工作人员").click()
    page.fill("#id_username", "xin_xieliyuan")
    page.fill("#id_password1", NEW_PASSWORD)
    page.fill("#id_password2", NEW_PASSWORD)
    page.fill("#id_full_name", "钱多多")
    page.select_option("#id_role", label="村社会救助协理员")
    page.locator(".field-jurisdiction .select2-selection").click()  # the autocomplete box
    page.locator(".select2-search__field").fill(demo.village_b.name)
    page.locator(".select2-results__option", has_text=demo.village_b.name).first.click()
    page.locator("input[name=_save]").click()
    expect(page.locator(".messagelist")).to_contain_text("成功")
    user = User.objects.get(username="xin_xieliyuan")
    assert (user.role, user.jurisdiction, user.is_staff) == ("caseworker", demo.village_b, False)
    page.locator("#logout-form button").click()
    page.wait_for_load_state()

    # The new caseworker logs in, sets a password of their own first, and sees exactly that village's households.
    page = browser_login("xin_xieliyuan", password=NEW_PASSWORD)
    expect(page).to_have_url(f"{live_server.url}/accounts/password/")
    page.fill("#id_old_password", NEW_PASSWORD)
    page.fill("#id_new_password1", "Ziji-2026-mima")
    page.fill("#id_new_password2", "Ziji-2026-mima")
    page.get_by_role("button", name="保存新密码").click()
    expect(page.get_by_test_id("home-role")).to_contain_text("村社会救助协理员")
    page.get_by_role("link", name="家庭台账").click()
    listing = page.locator("main")
    for household in mine:
        expect(listing).to_contain_text(household.residence_address)
    for household in others:
        expect(listing).not_to_contain_text(household.residence_address)
    log_out(page)

    # The admin imports a key-person roster (花名册) for those households through the import page.
    page = browser_login("admin")
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="数据导入").click()
    heads = [h.members.get(relation=hh.Relation.HEAD) for h in mine]
    content = filled_template(page, "template-roster", [
        {"户主身份证号": head.id_number, "对象类型": "救助预警", "关注原因": "独居老人", "走访频次": "每月"}
        for head in heads])
    page.select_option("#id_kind", value="roster")
    page.set_input_files("#id_file", files=[{"name": "华二居委会重点人群花名册.xlsx", "buffer": content,
                                             "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.get_by_role("button", name="上传并校验").click()
    # With REDIS_URL set the dry run may run in the worker: wait on the page, as a user would.
    expect(page.get_by_test_id("count-total")).to_have_text("2", timeout=60_000)
    expect(page.get_by_test_id("count-errors")).to_have_text("0")
    page.get_by_test_id("confirm").click()
    expect(page.get_by_test_id("batch-status")).to_contain_text("已导入", timeout=60_000)
    on_roster = hh.RosterEntry.objects.filter(household__in=mine, exited_on__isnull=True)
    assert on_roster.count() == 2

    # …and one household file through the Django admin's household import.
    page.get_by_role("link", name="数据导入").click()
    head_id, child_id = id_number(), id_number(sex="F")
    household_file = filled_template(page, "template-households", [
        {"村/社区": demo.village_b.name, "户主身份证号": head_id, "居住地址": "华阳路77弄7号", "姓名": "郑新户",
         "与户主关系": "户主", "身份证号": head_id},
        {"户主身份证号": head_id, "姓名": "郑小妹", "与户主关系": "子女", "身份证号": child_id}])
    page.get_by_role("link", name="管理后台").click()
    page.get_by_role("link", name="家庭", exact=True).first.click()
    page.locator("a.import_link").click()
    page.set_input_files("#id_import_file", files=[{"name": "郑新户.xlsx", "buffer": household_file,
                                                    "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    page.select_option("#id_format", label="xlsx")
    page.locator("input[type=submit]").click()
    page.locator("input[name=confirm], input[type=submit][value*='确认']").first.click()
    expect(page.locator(".messagelist")).to_be_visible(timeout=60_000)
    household = hh.Household.objects.get(residence_address="华阳路77弄7号")
    assert household.village == demo.village_b
    assert sorted(household.members.values_list("name", flat=True)) == ["郑小妹", "郑新户"]
