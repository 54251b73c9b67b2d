"""Home cards: what awaits this user in leads and referrals, counted within their jurisdiction."""
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from relief import access
from relief.access import Action
from relief.home import HomeCard
from relief.models import Role

from .models import Lead, LeadStatus, Referral, ReferralStatus as S, referral_overdue_q


def cards(user) -> list[HomeCard]:
    if user.role not in (Role.CASEWORKER, Role.TOWNSHIP, Role.DISTRICT) and not user.is_superuser:
        return []
    today = timezone.localdate()
    leads = access.scope(Lead.objects.filter(status__in=[LeadStatus.NEW, LeadStatus.LOOKING_INTO]), user,
                         Action.VIEW).count()
    counts = access.scope(Referral.objects.all(), user, Action.VIEW).aggregate(
        village=Count("pk", filter=Q(status__in=[S.DRAFT, S.STUDIED])),
        submitted=Count("pk", filter=Q(status=S.SUBMITTED)),
        overdue=Count("pk", filter=referral_overdue_q()),
        escalated=Count("pk", filter=Q(status=S.ESCALATED)),
        paperwork=Count("pk", filter=Q(paperwork_due__lt=today, paperwork_done_on__isnull=True,
                                       help_first_on__isnull=False)),
    )
    base = reverse("referrals:list")
    result = [HomeCard(_("待处理线索"), leads, reverse("referrals:lead_list") + "?status=new", urgent=False)]
    if user.role == Role.CASEWORKER:
        result.append(HomeCard(_("村级待报送转办"), counts["village"], base + "?status=studied"))
    elif user.role == Role.TOWNSHIP:
        result.append(HomeCard(_("待受理转办"), counts["submitted"], base + "?status=submitted",
                               urgent=counts["submitted"] > 0))
        result.append(HomeCard(_("先行救助待补手续"), counts["paperwork"], base, urgent=counts["paperwork"] > 0))
    if user.role == Role.DISTRICT or user.is_superuser:
        result.append(HomeCard(_("待区县决定"), counts["escalated"], reverse("referrals:escalations"),
                               urgent=counts["escalated"] > 0))
    result.append(HomeCard(_("超期转办"), counts["overdue"], base + "?overdue=on", urgent=counts["overdue"] > 0))
    return result
