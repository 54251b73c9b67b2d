"""Objects in village C (township 2) for the 404 checks of tests/test_urls.py."""
from tests.households.factories import make_household

from .helpers import draft


def _lead(demo):
    from referrals import services

    return services.lead_create(actor=demo.caseworker_c, channel="visit", village=demo.village_c,
                                subject_name="外村群众", description="外村线索")


def _work_order(demo):
    from referrals import services

    lead = services.lead_create(actor=demo.township2, channel="hotline", village=demo.village_c,
                                subject_name="外村群众", description="外村热线来电")
    return services.work_order_register(actor=demo.township2, lead=lead, number="OUTSIDE-1")
def _patrol(demo):
    from referrals import services

    return services.patrol_record(actor=demo.township2, village=demo.village_c, area="外村巡查", others="网格员")


def _case(demo):
    """A multi-department case (综合评估) in village C, assessed by township 2."""
    import datetime as dt

    from django.utils import timezone

    from referrals import services

    from .helpers import submitted

    referral = submitted(demo, village=demo.village_c)
    deadline = timezone.localdate() + dt.timedelta(days=10)
    return services.assessment_create(actor=demo.township2, referral=referral, needs="外村家庭需求", opinion="外村意见",
                                      items=[{"department": "social_security", "measure": "低保", "deadline": deadline},
                                             {"department": "housing", "measure": "危房修缮", "deadline": deadline}])


OUTSIDE_OBJECT_KWARGS = {
    "referrals:assess": lambda demo: {"pk": draft(demo, demo.village_c).pk},
    "referrals:assessment": lambda demo: {"pk": _case(demo).referral_id},
    "referrals:department_item": lambda demo: {"pk": _case(demo).items.first().pk},
    "referrals:patrol_detail": lambda demo: {"pk": _patrol(demo).pk},
    "referrals:detail": lambda demo: {"pk": draft(demo, demo.village_c).pk},
    "referrals:step": lambda demo: {"pk": draft(demo, demo.village_c).pk, "action": "study"},
    "referrals:create": lambda demo: {"household_pk": make_household(demo.village_c).pk},
    "referrals:lead_detail": lambda demo: {"pk": _lead(demo).pk},
    "referrals:lead_action": lambda demo: {"pk": _lead(demo).pk, "action": "start"},
    "referrals:work_order_register": lambda demo: {"pk": _lead(demo).pk},
    "referrals:work_order_action": lambda demo: {"pk": _work_order(demo).pk, "action": "respond"},
}
