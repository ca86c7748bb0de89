"""Who a person is at the council's identity provider, and what the directory's roles mean
here: the two tables single sign-on reads (``departments.single_sign_on``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from simple_history.models import HistoricalRecords

from departments.models.organisation import role_scope_constraints
from departments.roles import Role


class SingleSignOnIdentity(models.Model):
    """The identity provider's stable subject of one account: the claim OIDC_SUBJECT_CLAIM
    names (Entra ID's ``oid``), which never changes when a person's name or email does.
    An account signs in with its council account only through this row, never by email."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="single_sign_on"
    )
    issuer = models.CharField(max_length=255)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField(auto_now_add=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = "single sign-on identity"
        verbose_name_plural = "single sign-on identities"
        constraints = [
            models.UniqueConstraint(
                fields=["issuer", "subject"], name="single_sign_on_subject_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} at {self.issuer}"


class DirectoryRoleMapping(models.Model):
    """One value of the directory's roles claim (an Entra ID app role's value, or a
    group's id) and the membership it gives: a role, with the department or partnership
    that role needs, as Membership's own constraint requires."""

    claim_value = models.CharField(
        max_length=255,
        help_text="An app role's value (Entra ID: the role's Value) or a group's object id.",
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    department = models.ForeignKey(
        "departments.Department",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text="For officers and heads of service only.",
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        help_text="For partner contract managers only.",
    )
    history = HistoricalRecords()

    class Meta:
        ordering = ["claim_value", "role"]
        verbose_name = "directory role mapping"
        constraints = role_scope_constraints(
            key="claim_value",
            prefix="directory_mapping",
            message=(
                "An officer or head of service needs a department (and no partnership), "
                "a partner contract manager a partnership (and no department), and a "
                "council-wide role neither."
            ),
        )

    def __str__(self) -> str:
        scope = self.department or self.partnership or "council"
        return f"{self.claim_value} → {self.get_role_display()} ({scope})"
