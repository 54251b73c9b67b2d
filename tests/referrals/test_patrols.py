"""Street patrols (街面巡查): recorded by township and village staff, leads raised from them, jurisdiction."""
import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from referrals import services
from referrals.models import LeadChannel, LeadStatus, Patrol

pytestmark = pytest.mark.django_db


def _patrol(demo, **kwargs):
    data = {"actor": demo.township1, "township": demo.village_a.parent, "area": "长宁路沿线",
            "staff": [demo.township1], "people_met": 2}
    data.update(kwargs)
    return services.patrol_record(**data)


def test_township_records_a_patrol_across_villages_and_raises_leads(demo):
    """Township staff record a patrol of the township and raise two leads from it, both of channel 街面巡查."""
    patrol = _patrol(demo, staff=[demo.township1, demo.caseworker_a], others="志愿者 王建国")
    assert patrol.village is None and patrol.township == demo.village_a.parent
    first = services.patrol_raise_lead(actor=demo.township1, patrol=patrol, village=demo.village_a,
                                       subject_address="地铁站2号口", description="老人露宿")
    second = services.patrol_raise_lead(actor=demo.township1, patrol=patrol, village=demo.village_b,
                                        subject_name="张三", description="无收入")
    assert {first.channel, second.channel} == {LeadChannel.PATROL}
    assert [link.lead for link in patrol.lead_links.order_by("pk")] == [first, second]
    assert first.patrol_link.patrol == patrol and first.status == LeadStatus.NEW


def test_patrol_refusals_in_chinese(demo):
    with pytest.raises(ValidationError) as exc:
        _patrol(demo, area=" ")
    assert exc.value.message_dict["area"] == ["请填写巡查区域或路线。"]
    with pytest.raises(ValidationError) as exc:
        _patrol(demo, staff=[], others="")
    assert "请选择或填写参加巡查的人员。" in exc.value.message_dict["staff"]
    with pytest.raises(ValidationError) as exc:
        _patrol(demo, staff=[demo.caseworker_c])
    assert "不是本乡镇" in exc.value.message_dict["staff"][0]
    with pytest.raises(ValidationError) as exc:
        _patrol(demo, patrolled_on=timezone.localdate() + dt.timedelta(days=1))
    assert exc.value.message_dict["patrolled_on"] == ["巡查日期不能晚于今天。"]
    with pytest.raises(ValidationError) as exc:
        services.patrol_raise_lead(actor=demo.township1, patrol=_patrol(demo), village=demo.village_a,
                                   description="无人")
    assert "至少填写困难群众姓名或住址" in exc.value.message_dict["subject_name"][0]
    assert Patrol.objects.count() == 1  # only the last one was accepted; the refused ones stored nothing


def test_caseworker_records_only_their_village(demo):
    """A caseworker's patrol is of their village; a patrol across villages or another village is refused."""
    patrol = services.patrol_record(actor=demo.caseworker_a, village=demo.village_a, area="菜场",
                                    staff=[demo.caseworker_a])
    assert patrol.township_id == demo.village_a.parent_id
    with pytest.raises(ValidationError):
        services.patrol_record(actor=demo.caseworker_a, township=demo.village_a.parent, area="全镇",
                               staff=[demo.caseworker_a])
    with pytest.raises(Http404):
        services.patrol_record(actor=demo.caseworker_a, village=demo.village_c, area="外村", others="某人")
    with pytest.raises(ValidationError) as exc:
        services.patrol_raise_lead(actor=demo.caseworker_a, patrol=patrol, village=demo.village_b,
                                   subject_name="李四", description="困难")
    assert "线索须落在该村" in exc.value.message_dict["village"][0]


def test_raising_a_lead_on_another_townships_patrol_is_404(demo):
    other = services.patrol_record(actor=demo.township2, village=demo.village_c, area="愚园路", others="网格员")
    with pytest.raises(Http404):
        services.patrol_raise_lead(actor=demo.township1, patrol=other, village=demo.village_c,
                                   subject_name="王五", description="困难")


def test_pages_record_a_patrol_and_raise_a_lead(client, demo):
    client.force_login(demo.township1)
    township = demo.village_a.parent
    page = client.get(reverse("referrals:patrol_create") + f"?township={township.pk}")
    assert page.status_code == 200 and "跨村巡查" in page.content.decode()
    bad = client.post(reverse("referrals:patrol_create"), {"patrolled_on": "", "area": "", "people_met": "-1"})
    body = bad.content.decode()
    assert "请填写巡查日期。" in body and "请填写巡查区域或路线。" in body and "遇到人数不能为负数。" in body
    response = client.post(reverse("referrals:patrol_create"), {
        "patrolled_on": timezone.localdate().isoformat(), "area": "长宁路", "staff": [demo.township1.pk],
        "people_met": "1", "others": "", "notes": "", "village": ""})
    patrol = Patrol.objects.get(area="长宁路")
    assert response.status_code == 302 and response.url == reverse("referrals:patrol_detail", args=[patrol.pk])
    detail = client.get(response.url).content.decode()
    assert "本次巡查未发现需要登记的线索。" in detail
    client.post(response.url, {"village": demo.village_b.pk, "subject_name": "赵六", "subject_address": "",
                               "description": "露宿街头", "urgency": "urgent"})
    detail = client.get(response.url).content.decode()
    assert "赵六" in detail and "新线索" in detail
    listing = client.get(reverse("referrals:patrol_list")).content.decode()
    assert listing.count('data-testid="patrol-row"') == 1


def test_list_filters_by_month_and_village(client, demo):
    today = timezone.localdate()
    _patrol(demo, area="本月跨村")
    services.patrol_record(actor=demo.caseworker_a, village=demo.village_a, area="本月A村", staff=[demo.caseworker_a])
    services.patrol_record(actor=demo.caseworker_a, village=demo.village_a, area="去年A村",
                           patrolled_on=today - dt.timedelta(days=400), staff=[demo.caseworker_a])
    client.force_login(demo.township1)
    url = reverse("referrals:patrol_list")
    month = today.strftime("%Y-%m")
    body = client.get(url, {"month": month}).content.decode()
    assert "本月跨村" in body and "本月A村" in body and "去年A村" not in body
    body = client.get(url, {"village": demo.village_a.pk}).content.decode()
    assert "本月A村" in body and "去年A村" in body and "本月跨村" not in body
    assert "月份格式" in client.get(url, {"month": "2026-13"}).content.decode()
    # The caseworker sees their village's patrols, not the township-wide one.
    client.force_login(demo.caseworker_a)
    body = client.get(url).content.decode()
    assert "本月A村" in body and "本月跨村" not in body


def test_outside_jurisdiction_patrol_and_township_are_404(client, demo):
    other = services.patrol_record(actor=demo.township2, village=demo.village_c, area="愚园路", others="网格员")
    client.force_login(demo.township1)
    assert client.get(reverse("referrals:patrol_detail", args=[other.pk])).status_code == 404
    assert client.post(reverse("referrals:patrol_detail", args=[other.pk]), {}).status_code == 404
    assert client.get(reverse("referrals:patrol_list"), {"township": demo.village_c.parent_id}).status_code == 404
    client.force_login(demo.district_official)
    assert client.get(reverse("referrals:patrol_detail", args=[other.pk])).status_code == 200


def test_a_patrol_is_corrected_and_a_stale_form_does_not_overwrite(client, demo):
    """Township staff correct a patrol on its page; a form read before someone else's save is refused."""
    patrol = _patrol(demo, staff=[demo.township1, demo.caseworker_a])
    client.force_login(demo.township1)
    detail = reverse("referrals:patrol_detail", args=[patrol.pk])
    edit = reverse("referrals:patrol_edit", args=[patrol.pk])
    assert edit in client.get(detail).content.decode()
    page = client.get(edit)
    form = page.context["form"]
    assert form.initial["area"] == "长宁路沿线" and "village" not in form.fields
    stale = {"version": form.initial["version"], "patrolled_on": patrol.patrolled_on.isoformat(),
             "area": "长宁路—东风路", "staff": [demo.township1.pk], "others": "网格员 李四", "people_met": "5",
             "notes": "遇到流浪人员一名"}
    response = client.post(edit, stale)
    assert response.status_code == 302 and response["Location"] == detail
    patrol.refresh_from_db()
    assert (patrol.area, patrol.people_met, patrol.others) == ("长宁路—东风路", 5, "网格员 李四")
    assert list(patrol.staff.all()) == [demo.township1]
    # The same form sent again (a second tab, a double submit) was read before that save: refused.
    response = client.post(edit, {**stale, "area": "旧的内容"})
    assert response.status_code == 200
    assert "已被他人修改" in response.content.decode()
    patrol.refresh_from_db()
    assert patrol.area == "长宁路—东风路"


def test_editing_a_patrol_checks_its_fields_and_its_place(client, demo):
    patrol = _patrol(demo)
    version = services.patrol_version(patrol)
    with pytest.raises(ValidationError) as exc:
        services.patrol_update(actor=demo.township1, patrol=patrol, version=version, area=" ",
                               patrolled_on=patrol.patrolled_on, staff=[demo.township1])
    assert exc.value.message_dict["area"] == ["请填写巡查区域或路线。"]
    with pytest.raises(Http404):
        services.patrol_update(actor=demo.township2, patrol=patrol, version=version, area="改",
                               patrolled_on=patrol.patrolled_on, staff=[demo.township1])
    village_patrol = services.patrol_record(actor=demo.caseworker_a, village=demo.village_a, area="菜场",
                                            staff=[demo.caseworker_a])
    client.force_login(demo.caseworker_b)
    assert client.get(reverse("referrals:patrol_edit", args=[village_patrol.pk])).status_code == 404
    client.force_login(demo.caseworker_a)
    assert client.get(reverse("referrals:patrol_edit", args=[village_patrol.pk])).status_code == 200
    assert client.get(reverse("referrals:patrol_edit", args=[patrol.pk])).status_code == 404


def test_a_caseworker_reads_a_township_patrol_she_went_on(client, demo):
    """A township-wide patrol names a village caseworker among its staff: she reads its record, not others'."""
    hers = _patrol(demo, staff=[demo.township1, demo.caseworker_a])
    other = _patrol(demo, staff=[demo.township1], area="另一条路线")
    client.force_login(demo.caseworker_a)
    assert client.get(reverse("referrals:patrol_detail", args=[hers.pk])).status_code == 200
    assert client.get(reverse("referrals:patrol_detail", args=[other.pk])).status_code == 404
    listing = client.get(reverse("referrals:patrol_list")).content.decode()
    assert reverse("referrals:patrol_detail", args=[hers.pk]) in listing
    assert reverse("referrals:patrol_detail", args=[other.pk]) not in listing
    assert client.get(reverse("referrals:patrol_edit", args=[hers.pk])).status_code == 404
