"""Adviser posts (救助顾问点): kept by the township's staff, listed per township, printed on the policy sheets."""
import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse

from plans import services
from plans.models import AdviserPost, Policy

pytestmark = pytest.mark.django_db

CENTRE = {"kind": "centre", "name": "受理中心救助顾问点", "place": "长宁路1180号", "opening_hours": "工作日 9:00—17:00",
          "phone": "021-62510001", "is_active": True}
PEOPLE = [{"name": "陈慧敏", "phone": "13916000001", "role": "受理中心救助工作人员"}]


def _post(demo, actor=None, township=None, **data):
    return services.adviser_post_save(actor=actor or demo.township1, township=township or demo.village_a.parent,
                                      data={**CENTRE, **data}, people=PEOPLE)


def _policy(demo):
    policy = Policy.objects.create(code="t1", name="临时救助", summary="s", eligibility="e", benefits="b",
                                   how_to_apply="h", department="民政办", owner=demo.district)
    policy.areas.set([demo.district])
    return policy


def test_township_keeps_a_post_and_its_advisers(demo):
    post = _post(demo)
    assert [p.name for p in post.people.all()] == ["陈慧敏"]
    village_post = services.adviser_post_save(
        actor=demo.township1, township=demo.village_a.parent, village=demo.village_a,
        data={**CENTRE, "kind": "village", "name": "一居顾问点"},
        people=[{"name": "孙丽华", "phone": "139", "role": "村居救助工作人员"}, {"name": "", "phone": "", "role": ""}])
    assert village_post.village == demo.village_a and village_post.people.count() == 1
    edited = services.adviser_post_save(actor=demo.township1, post=post, township=post.township,
                                        data={**CENTRE, "opening_hours": "周一至周六"},
                                        people=[{"name": "刘文涛", "phone": "138", "role": "社工"}])
    assert edited.opening_hours == "周一至周六" and [p.name for p in edited.people.all()] == ["刘文涛"]


def test_refusals_in_chinese(demo):
    with pytest.raises(ValidationError) as exc:
        services.adviser_post_save(actor=demo.township1, township=demo.village_a.parent,
                                   data={**CENTRE, "name": "", "kind": "village"}, people=[])
    errors = exc.value.message_dict
    assert errors["name"] == ["请填写顾问点名称。"] and errors["village"] == ["村居救助顾问点须选择村/社区。"]
    assert errors["people"] == ["请至少填写一名救助顾问。"]
    with pytest.raises(ValidationError) as exc:
        services.adviser_post_save(actor=demo.township1, township=demo.village_a.parent, village=demo.village_c,
                                   data={**CENTRE, "kind": "village"}, people=[{"name": "王", "phone": "", "role": "x"}])
    assert "不属于" in exc.value.message_dict["village"][0]
    assert exc.value.message_dict["people"] == ["第1位救助顾问请填写联系电话。"]
    assert not AdviserPost.objects.exists()


def test_only_the_townships_staff_keep_its_posts(demo):
    with pytest.raises(Http404):
        _post(demo, township=demo.village_c.parent)
    with pytest.raises(ValidationError):
        _post(demo, actor=demo.district_official)
    with pytest.raises(Http404):
        _post(demo, actor=demo.caseworker_a)
    other = _post(demo, actor=demo.township2, township=demo.village_c.parent)
    with pytest.raises(Http404):
        services.adviser_post_save(actor=demo.township1, post=other, township=demo.village_a.parent,
                                   data=CENTRE, people=PEOPLE)


def test_pages(client, demo):
    client.force_login(demo.township1)
    bad = client.post(reverse("plans:adviser_create"), {
        "kind": "centre", "name": "", "place": "", "opening_hours": "h", "phone": "1",
        "people-TOTAL_FORMS": "2", "people-INITIAL_FORMS": "0", "people-0-name": "王", "people-0-phone": "",
        "people-0-role": ""}).content.decode()
    assert "请填写顾问点名称。" in bad and "请把这位救助顾问的姓名、联系电话和职责填写完整。" in bad
    response = client.post(reverse("plans:adviser_create"), {
        **{k: v for k, v in CENTRE.items() if k != "is_active"}, "is_active": "on",
        "people-TOTAL_FORMS": "2", "people-INITIAL_FORMS": "0", "people-0-name": "陈慧敏",
        "people-0-phone": "139", "people-0-role": "社工"})
    assert response.status_code == 302
    post = AdviserPost.objects.get()
    listing = client.get(reverse("plans:adviser_list")).content.decode()
    assert listing.count('data-testid="adviser-row"') == 1 and "陈慧敏" in listing
    edit = client.get(reverse("plans:adviser_edit", args=[post.pk])).content.decode()
    assert 'value="陈慧敏"' in edit
    client.force_login(demo.township2)
    assert client.get(reverse("plans:adviser_edit", args=[post.pk])).status_code == 404
    assert "陈慧敏" not in client.get(reverse("plans:adviser_list")).content.decode()


def test_policy_sheet_prints_the_viewers_or_the_familys_township_posts(client, demo):
    _post(demo)
    _post(demo, actor=demo.township2, township=demo.village_c.parent, name="江苏路顾问点")
    policy = _policy(demo)
    url = reverse("plans:policy_sheet", args=[policy.pk])
    client.force_login(demo.caseworker_a)
    sheet = client.get(url).content.decode()
    assert "受理中心救助顾问点" in sheet and "陈慧敏" in sheet and "江苏路顾问点" not in sheet
    client.force_login(demo.district_official)
    assert "sheet-advisers" not in client.get(url).content.decode()  # several townships: none until one is picked
    sheet = client.get(url, {"township": demo.village_c.parent_id}).content.decode()
    assert "江苏路顾问点" in sheet and "受理中心救助顾问点" not in sheet
    client.force_login(demo.township1)
    assert client.get(url, {"township": demo.village_c.parent_id}).status_code == 404


def test_an_edit_read_before_another_save_is_refused(client, demo):
    """Two staff open the same post; the second to save does not overwrite the first's change."""
    post = _post(demo)
    client.force_login(demo.township1)
    url = reverse("plans:adviser_edit", args=[post.pk])
    version = client.get(url).context["form"].initial["version"]
    fields = {**{k: v for k, v in CENTRE.items() if k != "is_active"}, "is_active": "on", "version": version,
              "people-TOTAL_FORMS": "1", "people-INITIAL_FORMS": "0", "people-0-name": "陈慧敏",
              "people-0-phone": "139", "people-0-role": "社工"}
    assert client.post(url, {**fields, "opening_hours": "周一至周六 8:30—17:30"}).status_code == 302
    stale = client.post(url, {**fields, "opening_hours": "工作日 9:00—12:00"})
    assert stale.status_code == 200 and "已被他人修改" in stale.content.decode()
    post.refresh_from_db()
    assert post.opening_hours == "周一至周六 8:30—17:30"
    with pytest.raises(ValidationError):
        services.adviser_post_save(actor=demo.township1, post=post, township=post.township, data=CENTRE,
                                   people=PEOPLE, version="")
