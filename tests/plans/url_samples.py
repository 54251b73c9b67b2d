"""Objects outside the test users' jurisdiction for every plans URL with arguments (tests/test_urls.py)."""
import datetime as dt

from relief.models import Jurisdiction, JurisdictionLevel


def _other_district():
    """Another district (静安区): its library is not readable from 长宁区."""
    return Jurisdiction.objects.get_or_create(code="310106000000",
                                              defaults={"name": "静安区", "level": JurisdictionLevel.DISTRICT})[0]


def _policy(owner):
    from plans.models import Policy

    p = Policy.objects.create(code=f"p{owner.pk}-{Policy.objects.count()}", name="外区政策", summary="s",
                              eligibility="e", benefits="b", how_to_apply="h", department="d", owner=owner)
    p.areas.set([owner])
    return p


def _resource(owner, village):
    from plans.models import Resource

    r = Resource.objects.create(name="外区资源", kind="charity", service_kind="material", offer="o", capacity=1,
                                owner=owner, contact_person="王", contact_phone="13900000000")
    r.villages.set([village])
    return r


def _project(owner, village):
    from plans.models import Project

    p = Project.objects.create(name="外区项目", kind="care", description="d", target="t", owner=owner, place="p",
                               start_date=dt.date.today(), end_date=dt.date.today(), capacity=1,
                               contact_person="王", contact_phone="13900000000")
    p.villages.set([village])
    return p


def _household(demo):
    from tests.plans import factories

    return factories.household(demo.village_c, income="100")


def _item(demo):
    from plans.models import Need, PlanItem

    h = _household(demo)
    need = Need.objects.create(household=h, kind="care", description="需要照料")
    resource = _resource(demo.townships[1], demo.village_c)
    return PlanItem.objects.create(household=h, need=need, resource=resource, action="上门照料",
                                   owner=demo.caseworker_c, due_date=dt.date.today())


def _team_member(demo):
    from plans.models import TeamMember

    return TeamMember.objects.create(township=demo.townships[1], role="volunteer", name="外乡志愿者",
                                     phone="13900000001")


def _service(demo, kind="referral"):
    """A 转介 case (with a goal) of a village-C household, decided by township 2."""
    from plans import service_kinds
    from plans.models import ServiceGoal

    h = _household(demo)
    record = service_kinds.service_start(actor=demo.township2, household=h, kind=kind,
                                         started_on=dt.date.today(), reason="外乡镇个案", current_id=None,
                                         version=None, case_worker=demo.caseworker_c)
    ServiceGoal.objects.create(record=record, text="外乡镇目标", target_on=dt.date.today())
    return record
def _adviser_post(demo):
    from plans import services

    return services.adviser_post_save(actor=demo.township2, township=demo.village_c.parent, data={
        "kind": "centre", "name": "外镇顾问点", "place": "p", "opening_hours": "h", "phone": "1"},
        people=[{"name": "王一", "phone": "1", "role": "社工"}])


def _campaign(demo):
    """A running 集中排查 of township 2 (village C's 低保边缘 family)."""
    from households import services as hh
    from plans import services

    h = _household(demo)
    hh.roster_enter(actor=None, household=h, reasons=["dibao_edge"], target_kind="warning")
    return services.campaign_start(actor=demo.township2, township=demo.village_c.parent, data={
        "name": "外乡镇排查", "starts_on": dt.date.today(), "ends_on": dt.date.today() + dt.timedelta(days=7),
        "target_kind": "dibao_edge"})


OUTSIDE_OBJECT_KWARGS = {
    "plans:campaign_detail": lambda demo: {"pk": _campaign(demo).pk},
    "plans:campaign_targets": lambda demo: {"pk": _campaign(demo).pk},
    "plans:campaign_end": lambda demo: {"pk": _campaign(demo).pk},
    "plans:adviser_edit": lambda demo: {"pk": _adviser_post(demo).pk},
    "plans:policy_detail": lambda demo: {"pk": _policy(_other_district()).pk},
    "plans:policy_sheet": lambda demo: {"pk": _policy(_other_district()).pk},
    # Editing: a township-2 policy is readable by township 1 but not theirs to edit.
    "plans:policy_edit": lambda demo: {"pk": _policy(demo.townships[1]).pk},
    "plans:resource_edit": lambda demo: {"pk": _resource(demo.townships[1], demo.village_c).pk},
    "plans:project_edit": lambda demo: {"pk": _project(demo.townships[1], demo.village_c).pk},
    "plans:team_edit": lambda demo: {"pk": _team_member(demo).pk},
    "plans:household_plan": lambda demo: {"household_pk": _household(demo).pk},
    "plans:plan_print": lambda demo: {"household_pk": _household(demo).pk},
    "plans:need_add": lambda demo: {"household_pk": _household(demo).pk},
    "plans:item_add": lambda demo: {"household_pk": _household(demo).pk},
    "plans:item_progress": lambda demo: {"pk": _item(demo).pk},
    "plans:item_refer": lambda demo: {"pk": _item(demo).pk},
    "plans:service_start": lambda demo: {"household_pk": _household(demo).pk},
    "plans:service_review": lambda demo: {"pk": _service(demo).pk},
    "plans:service_end": lambda demo: {"pk": _service(demo).pk},
    "plans:service_goal_add": lambda demo: {"pk": _service(demo).pk},
    "plans:service_goal_update": lambda demo: {"pk": _service(demo).goals.get().pk},
    "plans:service_note_add": lambda demo: {"pk": _service(demo).pk},
    "plans:service_contact_add": lambda demo: {"pk": _service(demo).pk},
}
