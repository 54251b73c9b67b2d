"""The household list and the household page (一户一页): search, filters, masking, audit, query counts."""
import datetime as dt

import pytest
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from households import services
from households.models import AssistanceType, DibaoStandard, FocusReason, TargetKind
from relief.audit import AuditEvent

from .factories import id_number, make_household

pytestmark = pytest.mark.django_db


def _personal_data_views(household):
    return LogEntry.objects.filter(additional_data__event=AuditEvent.VIEW_PERSONAL_DATA, object_pk=str(household.pk))


def test_list_shows_households_in_jurisdiction_with_masked_id(client, demo):
    """The list shows only the user's villages, and ID numbers as first 6 + last 4."""
    mine = make_household(demo.village_a, head_name="王秀兰")
    make_household(demo.village_c, head_name="外村人")
    head = mine.members.get()
    client.force_login(demo.caseworker_a)
    response = client.get(reverse("households:list"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "王秀兰" in html and "外村人" not in html
    assert head.id_number not in html
    assert f"{head.id_number[:6]}********{head.id_number[-4:]}" in html


def test_detail_page_renders_everything(client, demo):
    household = make_household(demo.village_a, head_name="李桂英", members=2, per_capita_income=1500,
                               hukou_type="urban")
    DibaoStandard.objects.create(district=demo.district, monthly_amount=1330, effective_from=dt.date(2021, 7, 1),
                                 source="沪民规〔2021〕")
    services.assistance_add(actor=demo.caseworker_a, household=household, type=AssistanceType.TEMPORARY,
                            start_date=dt.date(2024, 1, 1), monthly_amount=800)
    services.roster_enter(actor=demo.caseworker_a, household=household, reasons=[FocusReason.DIBAO_EDGE],
                          target_kind=TargetKind.WARNING)
    client.force_login(demo.caseworker_a)
    response = client.post(reverse("households:detail", args=[household.pk]), {"reason": "verify_identity"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "李桂英" in html
    assert "低收入" in html and "1330" in html and "2021-07-01" in html
    assert "低保边缘" in html and "临时救助" in html
    assert household.members.first().id_number in html
    assert _personal_data_views(household).count() == 1


# ------------------------------------------------------------------------------------------ masking and audit
def test_district_official_sees_masked_ids_on_the_household_page_and_no_audit(client, demo):
    household = make_household(demo.village_a)
    number = household.members.get().id_number
    client.force_login(demo.district_official)
    html = client.get(reverse("households:detail", args=[household.pk])).content.decode()
    assert number not in html and f"{number[:6]}********{number[-4:]}" in html
    assert "身份证号已脱敏显示" in html
    assert not _personal_data_views(household).exists()
    # No birth date beside the masked number (it is the hidden middle): the age in full years instead.
    member = household.members.get()
    assert member.birth_date.isoformat() not in html and number[6:14] not in html
    assert f"{member.age_on(timezone.localdate())} 岁" in html


def test_a_role_that_sees_the_full_number_sees_the_birth_date(client, demo):
    household = make_household(demo.village_a)
    client.force_login(demo.caseworker_a)
    html = client.post(reverse("households:detail", args=[household.pk]), {"reason": "data_check"}).content.decode()
    assert household.members.get().birth_date.isoformat() in html


@pytest.mark.parametrize("who", ["caseworker_a", "township1", "admin"])
def test_roles_that_need_it_see_the_full_number_and_each_view_is_audited(client, demo, who):
    household = make_household(demo.village_a)
    number = household.members.get().id_number
    user = getattr(demo, who)
    client.force_login(user)
    for page in ("households:detail", "households:print"):
        masked = client.get(reverse(page, args=[household.pk])).content.decode()
        assert number not in masked and 'data-testid="reveal-form"' in masked  # masked by default, even to them
        assert number in client.post(reverse(page, args=[household.pk]),
                                     {"reason": "handle_assistance"}).content.decode()
    entries = _personal_data_views(household)
    assert entries.count() == 2
    assert {e.actor for e in entries} == {user}
    assert {e.additional_data["page"] for e in entries} == {"household_detail", "household_print"}
    assert {e.additional_data["reason"] for e in entries} == {"handle_assistance"}


def test_member_edit_form_shows_the_full_number_only_after_a_reason_and_audits_it(client, demo):
    household = make_household(demo.village_a)
    member = household.members.get()
    url = reverse("households:member_edit", args=[household.pk, member.pk])
    from auditlog.models import LogEntry
    views = LogEntry.objects.filter(additional_data__event=AuditEvent.VIEW_PERSONAL_DATA, object_pk=str(member.pk))
    client.force_login(demo.caseworker_a)
    html = client.get(url).content.decode()
    assert member.id_number not in html and member.masked_id_number in html and not views.exists()
    html = client.post(url, {"reveal": "1", "reason": "data_check"}).content.decode()
    assert member.id_number in html and views.get().additional_data["reason"] == "data_check"


# ------------------------------------------------------------------------------------------ jurisdiction
def test_caseworker_cannot_open_or_edit_another_villages_household(client, demo):
    other = make_household(demo.village_b)
    client.force_login(demo.caseworker_a)
    for name in ("households:detail", "households:print", "households:edit", "households:member_add",
                 "households:roster_enter", "households:observation_add", "households:assistance_add"):
        assert client.get(reverse(name, args=[other.pk])).status_code == 404, name
    response = client.post(reverse("households:edit", args=[other.pk]), {"residence_address": "x", "version": 1})
    assert response.status_code == 404


def test_district_official_may_read_but_not_edit(client, demo):
    household = make_household(demo.village_c)
    client.force_login(demo.district_official)
    assert client.get(reverse("households:detail", args=[household.pk])).status_code == 200
    assert client.get(reverse("households:edit", args=[household.pk])).status_code == 403
    assert client.get(reverse("households:create")).status_code == 403


def test_township_sees_its_villages_only(client, demo):
    make_household(demo.village_a, head_name="甲村户")
    make_household(demo.village_b, head_name="乙村户")
    make_household(demo.village_c, head_name="丙村户")
    client.force_login(demo.township1)
    html = client.get(reverse("households:list")).content.decode()
    assert "甲村户" in html and "乙村户" in html and "丙村户" not in html
    # Choosing a village outside the jurisdiction in the filter shows nothing from it.
    html = client.get(reverse("households:list"), {"village": demo.village_c.pk}).content.decode()
    assert "丙村户" not in html


# ------------------------------------------------------------------------------------------ search and filters
def test_search_by_id_number_name_and_address(client, demo):
    target = make_household(demo.village_a, head_name="欧阳秀英", residence_address="安化路200弄3号")
    make_household(demo.village_a, head_name="王建国", residence_address="武夷路18号")
    child = services.member_add(actor=None, household=target, name="欧阳明", relation="child",
                                id_number=id_number(born=dt.date(1987, 8, 9), sex="F"))
    number = child.id_number
    client.force_login(demo.caseworker_a)
    for q in (number, number.lower(), number[-6:], number[-4:], "欧阳", "安化路200"):
        html = client.get(reverse("households:list"), {"q": q}).content.decode()
        assert "欧阳秀英" in html and "王建国" not in html, q


def test_a_whole_id_number_is_looked_up_without_reading_addresses(client, demo):
    """An 18-character number is found by its keyed hash alone: the search reads no address, so it costs one
    index probe however many families the jurisdiction holds (the 1,000,000-household benchmark)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    target = make_household(demo.village_a, head_name="欧阳秀英")
    number = target.members.get().id_number
    client.force_login(demo.caseworker_a)
    with CaptureQueriesContext(connection) as queries:
        html = client.get(reverse("households:list"), {"q": number}).content.decode()
    assert "欧阳秀英" in html
    listing = [q["sql"] for q in queries.captured_queries if '"households_household"' in q["sql"]]
    assert listing and not any("residence_address" in sql and "LIKE" in sql for sql in listing)


def test_filters_by_category_roster_reason_target_kind_and_observation(client, demo):
    dibao = make_household(demo.village_a, head_name="低保户")
    services.assistance_add(actor=None, household=dibao, type=AssistanceType.DIBAO, start_date=dt.date(2022, 1, 1))
    roster = make_household(demo.village_a, head_name="花名册户")
    services.roster_enter(actor=None, household=roster, reasons=[FocusReason.DISABLED], target_kind=TargetKind.MISSING)
    observed = make_household(demo.village_a, head_name="观察户")
    services.observation_add(actor=None, household=observed, reason_not_eligible="收入略高",
                             decided_on=dt.date(2020, 1, 1), next_review_on=dt.date(2020, 4, 1))
    client.force_login(demo.caseworker_a)

    def names(**params):
        html = client.get(reverse("households:list"), params).content.decode()
        return {n for n in ("低保户", "花名册户", "观察户") if n in html}

    assert names(category="dibao") == {"低保户"}
    assert names(on_roster="1") == {"花名册户"}
    assert names(on_roster="0") == {"低保户", "观察户"}
    assert names(reason="disabled") == {"花名册户"}
    assert names(reason="elderly_alone") == set()
    assert names(target_kind="missing") == {"花名册户"}
    assert names(on_observation="1") == {"观察户"}
    assert names(review_due="on") == {"观察户"}
    assert names(sort="-income", on_roster="1") == {"花名册户"}


def test_home_cards_count_within_jurisdiction_and_link_to_the_filtered_list(client, demo):
    mine = make_household(demo.village_a)
    services.roster_enter(actor=None, household=mine, reasons=["disabled"], target_kind="warning")
    services.roster_enter(actor=None, household=make_household(demo.village_c), reasons=["disabled"],
                          target_kind="warning")
    from households.home import cards

    card = next(c for c in cards(demo.caseworker_a) if c.title == "花名册在册家庭")
    assert card.count == 1 and card.url.endswith("?on_roster=1")
    assert next(c for c in cards(demo.district_official) if c.title == "花名册在册家庭").count == 2


# ------------------------------------------------------------------------------------------ query counts
def _list_queries(client, django_assert_max_num_queries, user, limit, **params):
    client.force_login(user)
    with django_assert_max_num_queries(limit) as captured:
        response = client.get(reverse("households:list"), params)
    assert response.status_code == 200
    return len(captured)


def test_list_query_count_does_not_depend_on_page_size_or_members(client, demo, django_assert_max_num_queries):
    for i in range(3):
        household = make_household(demo.village_a, head_name=f"户{i}")
        services.roster_enter(actor=None, household=household, reasons=["disabled", "elderly_alone"],
                              target_kind="warning")
    # The first page a user opens also computes and stores the figures every page shows (relief/figure_cache.py).
    _list_queries(client, django_assert_max_num_queries, demo.township1, 20)
    small = _list_queries(client, django_assert_max_num_queries, demo.township1, 20)
    for i in range(25):
        household = make_household(demo.village_b, head_name=f"大户{i}", members=4)
        services.assistance_add(actor=None, household=household, type="dibao", start_date=dt.date(2022, 1, 1))
        services.roster_enter(actor=None, household=household, reasons=["disabled", "elderly_alone"],
                              target_kind="warning")
        services.observation_add(actor=None, household=household, reason_not_eligible="收入略高")
    large = _list_queries(client, django_assert_max_num_queries, demo.township1, 20, size=100)
    assert large == small


def test_household_page_query_count_does_not_depend_on_members(client, demo, django_assert_max_num_queries):
    def page_queries(household):
        client.force_login(demo.caseworker_a)
        # Other apps add sections to this page; the count must still not grow with the household.
        with django_assert_max_num_queries(60) as captured:
            assert client.get(reverse("households:detail", args=[household.pk])).status_code == 200
        return len(captured)

    small = make_household(demo.village_a, head_name="小户")
    big = make_household(demo.village_a, head_name="大户", members=6)
    for h in (small, big):
        services.roster_enter(actor=None, household=h, reasons=["refused_or_exited"], target_kind="warning",
                              cadence="monthly")
        services.roster_change(actor=None, entry=h.roster_entries.get(), reason="调整", cadence="quarterly",
                               caseworker=demo.caseworker_a)
        services.observation_add(actor=None, household=h, reason_not_eligible="收入略高")
    for member in big.members.all():
        services.assistance_add(actor=None, household=big, member=member, type="medical",
                                start_date=dt.date(2023, 1, 1))
    # The first page a user opens also computes and stores the figures every page shows (relief/figure_cache.py).
    page_queries(small)
    assert page_queries(big) == page_queries(small)


def test_choosing_a_township_narrows_the_village_list(client, demo):
    """The district's filter: villages are named with their township, and once a township is chosen the
    village list offers only its villages."""
    import re

    client.force_login(demo.district_official)

    def village_options(query):
        page = client.get(reverse("households:list"), query).content.decode()
        select = re.search(r'<select name="village"[^>]*>(.*?)</select>', page, re.S).group(1)
        return re.findall(r'<option value="(\d+)"[^>]*>([^<]*)</option>', select)

    everything = village_options({})
    assert {demo.village_a.pk, demo.village_c.pk} <= {int(pk) for pk, _ in everything}
    assert any(label.startswith(demo.village_a.parent.name) for pk, label in everything if int(pk) == demo.village_a.pk)
    narrowed = {int(pk) for pk, _ in village_options({"township": demo.village_a.parent_id})}
    assert demo.village_a.pk in narrowed and demo.village_c.pk not in narrowed


def test_a_standard_cited_with_a_web_address_shows_a_short_link():
    from relief.templatetags.relief_tags import cited

    html = cited("上海市民政局：标准提高到1330元（https://www.shine.cn/news/metro/2106241064/）")
    assert html == ('上海市民政局：标准提高到1330元 <a href="https://www.shine.cn/news/metro/2106241064/" '
                    'rel="noopener noreferrer">原文</a>')
    assert cited("沪民规〔2021〕5号 <b>") == "沪民规〔2021〕5号 &lt;b&gt;"
