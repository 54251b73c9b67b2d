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


def _outside_letter(demo):
    import datetime as dt

    from django.utils import timezone

    from referrals import services

    household = make_household(demo.village_c, hukou_division_code="500229221000",
                               hukou_division_name="重庆市城口县河鱼乡")
    referral = services.referral_create(actor=demo.caseworker_c, household=household, summary="外村人户分离家庭")
    today = timezone.localdate()
    return services.letter_send(actor=demo.township2, referral=referral, kind="inquiry", sent_to="城口县民政局",
                                content="请协查", sent_on=today, reply_due=today + dt.timedelta(days=30))


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


def _feed_record(demo):
    from imports.models import FeedMatch, FeedRecord, ImportBatch, ImportKind, ImportStatus

    batch = ImportBatch.objects.create(kind=ImportKind.FEED, status=ImportStatus.DONE, jurisdiction=demo.village_c.parent,
                                       created_by=demo.township2, file_name="名单.xlsx", sha256="1" * 64,
                                       feed_kind="medical_self_pay", source_department="医保办", unmatched_count=1)
    return FeedRecord.objects.create(batch=batch, row_number=2, name="王五", id_number="310105198001010013",
                                     village=demo.village_c, match=FeedMatch.UNMATCHED)


OUTSIDE_OBJECT_KWARGS = {
    "referrals:letter_detail": lambda demo: {"pk": _outside_letter(demo).pk},
    "referrals:letter_create": lambda demo: {"referral_pk": _outside_letter(demo).referral_id},
    "referrals:feed_row_lead": lambda demo: {"pk": _feed_record(demo).pk},
    "referrals:feed_batch_leads": lambda demo: {"pk": _feed_record(demo).batch_id},
    "referrals:assess": lambda demo: {"pk": draft(demo, demo.village_c).pk},
    "referrals:assessment": lambda demo: {"pk": _case(demo).referral_id},
    "referrals:department_item": lambda demo: {"pk": _case(demo).items.first().pk},
    "referrals:patrol_detail": lambda demo: {"pk": _patrol(demo).pk},
    "referrals:patrol_edit": lambda demo: {"pk": _patrol(demo).pk},
    "referrals:detail": lambda demo: {"pk": draft(demo, demo.village_c).pk},
    "referrals:step": lambda demo: {"pk": draft(demo, demo.village_c).pk, "action": "study"},
    "referrals:create": lambda demo: {"household_pk": make_household(demo.village_c).pk},
    "referrals:lead_detail": lambda demo: {"pk": _lead(demo).pk},
    "referrals:lead_action": lambda demo: {"pk": _lead(demo).pk, "action": "start"},
    "referrals:work_order_register": lambda demo: {"pk": _lead(demo).pk},
    "referrals:work_order_action": lambda demo: {"pk": _work_order(demo).pk, "action": "respond"},
}


def _approval(demo):
    """A submission for approval from village C (township 2), its 公示 over."""
    import datetime as dt

    from referrals import services
    from referrals.models import Referral

    from .helpers import in_notice, today

    r = in_notice(demo, village=demo.village_c)
    Referral.objects.filter(pk=r.pk).update(notice_start=today() - dt.timedelta(days=8),
                                            notice_end=today() - dt.timedelta(days=1))
    return services.approval_submit(actor=demo.township2, referral=r.pk, assistance_type="dibao", amount=900,
                                    start_date=today(), materials=["income_check", "home_visit", "notice"])


OUTSIDE_OBJECT_KWARGS.update({
    "referrals:objection_create": lambda demo: {"pk": draft(demo, demo.village_c).pk},
    "referrals:approval_submit": lambda demo: {"pk": draft(demo, demo.village_c).pk},
    "referrals:approval_detail": lambda demo: {"pk": _approval(demo).pk},
    "referrals:notice_board": lambda demo: {"village_pk": demo.village_c.pk},
})
