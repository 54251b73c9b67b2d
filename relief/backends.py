"""The login backend: Django's, loading the user with the jurisdictions above theirs.

Every page names the user's place (华阳路街道 · 长宁区) and the access rules climb to the user's district;
read with the user from the jurisdictions kept in each process (relief.selectors.attach_jurisdictions), they cost no
further query on any page.
"""
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from .selectors import attach_jurisdictions


class UserWithJurisdictionBackend(ModelBackend):
    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            from .signin import mark_password_login

            # The session this opens must still pass the second factor and any forced change (relief/signin.py).
            mark_password_login(request)
        return user

    def get_user(self, user_id):
        model = get_user_model()
        try:
            user = model._default_manager.get(pk=user_id)
        except model.DoesNotExist:
            return None
        attach_jurisdictions([user], "jurisdiction__parent__parent")
        return user if self.user_can_authenticate(user) else None
