"""The audit list's search finds what the page shows (issue 18): a word of the sentence an entry reads as
(导出, 新增了, 完整个人信息), its 事件 label (查看完整个人信息), the actor, the kind of record the sentence names and
the record's own words; in the language the page is read in; within the auditor's jurisdiction."""
import pytest
from auditlog.context import set_actor
from django.urls import reverse
from django.utils import translation

from households.models import Household
from relief.audit import AuditEvent, audit_record, describe_entries
from relief.models import Jurisdiction, JurisdictionLevel, Role
from relief.selectors import audit_entries_filtered, audit_entries_for
from tests.households.factories import make_household

pytestmark = pytest.mark.django_db


def _entries(demo, make_staff):
    with set_actor(demo.caseworker_a):
        household = make_household(demo.village_a, actor=demo.caseworker_a, head_name="钱桂芳")
    audit_record(event=AuditEvent.VIEW_PERSONAL_DATA, actor=demo.township1, obj=household,
                 detail={"reason": "核对身份"})
    audit_record(event=AuditEvent.EXPORT, actor=demo.district_official, model=Household,
                 description="下载救助台账（月报）：长宁区")
    audit_record(event=AuditEvent.IMPORT, actor=demo.township1, model=Household, description="名单.xlsx",
                 detail={"what": "uploaded"})
    audit_record(event=AuditEvent.IMPORT, actor=demo.township1, model=Household, description="名单2.xlsx",
                 detail={"what": "imported"})
    audit_record(event=AuditEvent.LOGIN, actor=demo.caseworker_b, obj=demo.caseworker_b)
    audit_record(event=AuditEvent.BULK_WRITE, actor=None, model=Household, description="generate_households: 3")
    audit_record(event="an_event_of_another_kind", actor=demo.township1, model=Household, description="别的事")
    elsewhere = Jurisdiction.objects.create(level=JurisdictionLevel.DISTRICT, code="310106000000", name="静安区")
    stranger = make_staff(Role.DISTRICT, elsewhere)
    audit_record(event=AuditEvent.EXPORT, actor=stranger, model=Household, description="静安区的台账")
    return household, make_staff(Role.AUDITOR, elsewhere)


def _shown(entry) -> str:
    return f"{entry.event_label} {entry.sentence}".casefold()


TERMS = ["导出", "查看完整个人信息", "完整个人信息", "的完整个人信息", "新增了", "上传", "待校验", "导入了", "登录",
         "批量写入", "访问了", "系统", "家庭", "钱桂芳", "李秀英", "周建国", "下载救助台账", "长宁区", "静安区", "修改"]


def test_every_word_the_page_shows_finds_exactly_the_entries_showing_it(demo, make_staff):
    """Rendered on the page (describe_entries) and searched in the database (audit_entries_filtered), the same
    entries, for words of every part of the sentence."""
    _entries(demo, make_staff)
    everything = list(audit_entries_for(demo.auditor))
    describe_entries(everything)
    assert len(everything) < 200
    for term in TERMS:
        shown = {e.pk for e in everything if term.casefold() in _shown(e)}
        found = set(audit_entries_filtered(demo.auditor, q=term).values_list("pk", flat=True))
        assert shown <= found, (term, shown - found)
        # Beyond those, only the records of the people a name names (households.selectors.audit_search_q).
        assert {e.content_type.model for e in everything if e.pk in found - shown} <= {"member", "household"}, term


def test_the_page_finds_the_export_and_the_view_of_personal_data_by_their_words(client, demo, make_staff):
    household, outsider = _entries(demo, make_staff)
    client.force_login(demo.auditor)

    def sentences(term):
        page = client.get(reverse("audit_log"), {"q": term}).context["page"]
        return [e.sentence for e in page.object_list]

    assert sentences("导出") == ["周建国 导出：下载救助台账（月报）：长宁区"]
    assert sentences("查看完整个人信息") == [f"李秀英 查看了家庭“{household}”的完整个人信息"]
    assert sentences("上传") == ["李秀英 上传了家庭“名单.xlsx”（待校验，尚未导入）"]
    # 静安区's export is outside this auditor's district, and its own auditor sees only it.
    assert "静安区的台账" not in " ".join(sentences("导出"))
    client.force_login(outsider)
    assert [s.endswith("静安区的台账") for s in sentences("导出")] == [True]


def test_in_english_the_search_reads_the_english_sentence(client, demo, make_staff):
    _entries(demo, make_staff)
    everything = list(audit_entries_for(demo.auditor))
    with translation.override("en"):
        describe_entries(everything)
        for term in ["export", "full personal information", "uploaded", "system", "household"]:
            shown = {e.pk for e in everything if term.casefold() in _shown(e)}
            assert shown, term
            assert set(audit_entries_filtered(demo.auditor, q=term).values_list("pk", flat=True)) == shown, term
    client.cookies["django_language"] = "en"
    client.force_login(demo.auditor)
    page = client.get(reverse("audit_log"), {"q": "export"}).context["page"]
    assert [e.event_label for e in page.object_list] == ["Export"]


def test_the_search_costs_the_same_queries_for_1_or_6_matches(client, demo, make_staff,
                                                              django_assert_max_num_queries):
    _entries(demo, make_staff)
    client.force_login(demo.auditor)
    client.get(reverse("audit_log"), {"q": "家庭"})
    with django_assert_max_num_queries(20) as few:
        assert len(client.get(reverse("audit_log"), {"q": "导出"}).context["page"].object_list) == 1
    for i in range(5):
        audit_record(event=AuditEvent.EXPORT, actor=demo.township1, model=Household, description=f"台账{i}")
    with django_assert_max_num_queries(len(few)):
        assert len(client.get(reverse("audit_log"), {"q": "导出"}).context["page"].object_list) == 6
