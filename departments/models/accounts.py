"""The history of people's accounts and of permission groups, for the audit trail.

``User`` and ``Group`` are Django's own models, changed mostly in Django admin: here
django-simple-history records each change to them (who, when, every field before and
after, group and permission memberships included), as it does for the product's own
models, in tables of this app.

Two things differ from a plain history: signing in, which writes only ``last_login``, is
not a change worth a row; and a new password is recorded as "Password changed", never
with its hash (the ``password`` field is not kept).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import models
from simple_history import register
from simple_history.models import HistoricalRecords

PASSWORD_CHANGED = "Password changed"
SIGNED_IN_ONLY = frozenset({"last_login"})


class AccountHistory(HistoricalRecords):
    """django-simple-history's recorder for accounts and groups (see the module)."""

    # The recorder of each registered model, for events that change no field.
    recorders: dict[type, AccountHistory] = {}

    def finalize(self, sender, **kwargs) -> None:
        super().finalize(sender, **kwargs)
        AccountHistory.recorders[sender] = self

    def post_save(self, instance, created, using=None, **kwargs) -> None:
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and set(update_fields) <= SIGNED_IN_ONLY:
            return
        super().post_save(instance, created, using=using, **kwargs)

    def get_change_reason_for_object(self, instance, history_type, using) -> str | None:
        reason = super().get_change_reason_for_object(instance, history_type, using)
        # set_password() keeps the new password in _password until the save completes;
        # an account created with a password is simply created.
        if not reason and history_type == "~" and getattr(instance, "_password", None):
            return PASSWORD_CHANGED
        return reason


def record_account_event(user, *, actor, reason: str) -> None:
    """A row in ``user``'s history saying what happened (``reason``) and who did it,
    for an event that changes none of the account's fields (signing out everywhere)."""
    user._history_user = actor
    user._change_reason = reason
    try:
        AccountHistory.recorders[user._meta.concrete_model].create_historical_record(user, "~")
    finally:
        del user._history_user, user._change_reason


class SignInTimes(models.Model):
    """When a person last signed in, and the time before that: their previous visit.

    Django overwrites ``last_login`` at sign-in, so by the time a page is drawn it says
    "now"; "what changed since your last visit" needs the sign-in before this one, kept
    here by ``departments.accounts.services.record_sign_in``. Times are UTC instants.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="sign_in_times",
    )
    latest = models.DateTimeField()
    previous = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "sign-in times"
        verbose_name_plural = "sign-in times"

    def __str__(self) -> str:
        return f"Sign-ins of {self.user}"


register(
    get_user_model(),
    app="departments",
    records_class=AccountHistory,
    excluded_fields=["password", "last_login"],
    m2m_fields=["groups", "user_permissions"],
)
register(Group, app="departments", records_class=AccountHistory, m2m_fields=["permissions"])
