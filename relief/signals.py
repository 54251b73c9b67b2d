from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .audit import AuditEvent, audit_record
from .models import User


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
