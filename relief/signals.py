from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver

from . import figure_cache
from .access import ACCESS_TOPIC
from .audit import AuditEvent, audit_record
from .models import Jurisdiction, JurisdictionGroupObjectPermission, JurisdictionUserObjectPermission, User


@receiver(user_logged_in)
def audit_login(sender, request, user, **kwargs):
    audit_record(event=AuditEvent.LOGIN, actor=user, obj=user, request=request)


@receiver(user_logged_out)
def audit_logout(sender, request, user, **kwargs):
    if user is not None:
        audit_record(event=AuditEvent.LOGOUT, actor=user, obj=user, request=request)


@receiver(user_login_failed)
def audit_login_failed(sender, credentials, request=None, **kwargs):
    username = (credentials or {}).get("username", "")
    user = User.objects.filter(username=username).first()
    audit_record(
        event=AuditEvent.LOGIN_FAILED,
        obj=user,
        model=User,
        request=request,
        description=username,
        detail={"username": username},
    )


def access_changed(sender, **kwargs):
    """A grant, a group membership or a jurisdiction changed: every user's kept access (relief/access.py) is
    read afresh once this commits — a revoked grant holds for no request after it."""
    figure_cache.changed(ACCESS_TOPIC)


for _model in (JurisdictionUserObjectPermission, JurisdictionGroupObjectPermission, Jurisdiction):
    post_save.connect(access_changed, sender=_model, dispatch_uid=f"relief.access_changed.save.{_model.__name__}")
    post_delete.connect(access_changed, sender=_model,
                        dispatch_uid=f"relief.access_changed.delete.{_model.__name__}")
m2m_changed.connect(access_changed, sender=User.groups.through, dispatch_uid="relief.access_changed.groups")
