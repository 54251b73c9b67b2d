"""Referrals in any state, made through the services exactly as users make them."""
import datetime as dt

from django.utils import timezone

from referrals import services
from tests.households.factories import make_household


def today():
    return timezone.localdate()


def draft(demo, village=None, **kwargs):
    village = village or demo.village_a
    caseworker = {demo.village_a.pk: demo.caseworker_a, demo.village_b.pk: demo.caseworker_b,
                  demo.village_c.pk: demo.caseworker_c}[village.pk]
    household = kwargs.pop("household", None) or make_household(village)
    return services.referral_create(actor=caseworker, household=household,
                                    summary=kwargs.pop("summary", "老人独居，患慢性病，无固定收入"), **kwargs)


def caseworker_of(demo, referral):
    return {demo.village_a.pk: demo.caseworker_a, demo.village_b.pk: demo.caseworker_b,
            demo.village_c.pk: demo.caseworker_c}[referral.village_id]


def township_of(demo, referral):
    return demo.township2 if referral.village_id == demo.village_c.pk else demo.township1


def studied(demo, **kwargs):
    r = draft(demo, **kwargs)
    return services.referral_study(actor=caseworker_of(demo, r), referral=r, meeting_date=today(),
                                   participants="村两委成员5人", conclusion="同意报乡镇")


def submitted(demo, **kwargs):
    r = studied(demo, **kwargs)
    return services.referral_submit(actor=caseworker_of(demo, r), referral=r)


def assigned(demo, department="civil_affairs", deadline=None, **kwargs):
    r = submitted(demo, **kwargs)
    return services.referral_accept(actor=township_of(demo, r), referral=r, department=department,
                                    deadline=deadline or today() + dt.timedelta(days=10))


def reviewed(demo, **kwargs):
    r = assigned(demo, **kwargs)
    return services.referral_review(actor=township_of(demo, r), referral=r, review_date=today(),
                                    participants="民政办、社保所、村支书", conclusion="拟纳入低保，公示")


def in_notice(demo, start=None, end=None, **kwargs):
    r = reviewed(demo, **kwargs)
    start = start or today()
    return services.referral_notice_start(actor=township_of(demo, r), referral=r, start=start,
                                          end=end or start + dt.timedelta(days=7), place="村务公开栏")


def escalated(demo, **kwargs):
    r = assigned(demo, **kwargs)
    return services.referral_escalate(actor=township_of(demo, r), referral=r, reason="涉及跨区户籍，乡镇无法认定")


def township_approves(demo, *kinds, up_to=None):
    """Configure the demo district so the township approves these kinds itself (审批权限 is the district's
    data): for tests of what a township decision writes, apart from the approval path."""
    for kind in kinds:
        services.approval_rule_set(actor=demo.district_official, assistance_type=kind, level="township",
                                   township_up_to=up_to, days=10, effective_from=today(),
                                   note="测试：本区由乡镇审批")
