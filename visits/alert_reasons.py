"""The reasons of the overdue-visit and observation-review alerts (visits/selectors.py builds them in SQL for
visits/jobs.py), by name: registered with alerts.reasons from VisitsConfig.ready, so that pages word each in its
reader's language. One message per sentence: the text kept in Alert.reason is the same message in the site's."""
from django.utils.translation import gettext_lazy as _

ROSTER_NEVER_SEEN = "overdue_roster_never_seen"
ROSTER_SEEN = "overdue_roster_seen"
OBSERVATION_SEEN = "overdue_observation_seen"
OBSERVATION_NEVER_SEEN = "overdue_observation_never_seen"
OBSERVATION_REVIEW_DUE = "observation_review_due"

MESSAGES = {
    ROSTER_NEVER_SEEN: _("纳入花名册（%(since)s）后尚无见到本人的走访，已超过%(cadence)s走访一次的期限"),
    ROSTER_SEEN: _("上次见到本人的走访在 %(seen)s，已超过%(cadence)s走访一次的期限"),
    OBSERVATION_SEEN: _("观察对象上次见到本人的走访在 %(seen)s，已超过%(cadence)s走访一次的期限"),
    OBSERVATION_NEVER_SEEN: _("列入观察名单（%(since)s）后尚无见到本人的走访，复核日期 %(review)s 已过"),
    OBSERVATION_REVIEW_DUE: _("观察名单复核日期 %(review)s 已到：请复核该户是否继续列入观察名单"),
}


def register() -> None:
    from alerts.reasons import choice_reader, register_reasons
    from households.models import Cadence

    register_reasons(MESSAGES, {name: {"cadence": choice_reader(Cadence)} for name in MESSAGES})
