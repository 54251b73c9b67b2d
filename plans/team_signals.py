"""Which villages have a social-assistance assistant (the home card 村/社区缺社会救助协理员) is kept between
requests under TEAM_TOPIC (relief/figure_cache.py): any save or delete of a team member, of the villages it
covers, or of a user account (a caseworker account counts as the village's assistant) makes it stale once
it commits, whether it came through the services or the Django admin."""
from django.db.models.signals import m2m_changed, post_delete, post_save

from relief import data_version, figure_cache

TEAM_TOPIC = data_version.topic("team")


def team_changed(sender, **kwargs):
    figure_cache.changed(TEAM_TOPIC)


def connect_team_changes() -> None:
    from relief.models import User

    from .models import TeamMember

    for model in (TeamMember, User):
        post_save.connect(team_changed, sender=model, dispatch_uid=f"plans.team_changed.save.{model.__name__}")
        post_delete.connect(team_changed, sender=model, dispatch_uid=f"plans.team_changed.delete.{model.__name__}")
    m2m_changed.connect(team_changed, sender=TeamMember.villages.through, dispatch_uid="plans.team_changed.villages")
