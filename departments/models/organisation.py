"""The council, its departments, and who holds which role where."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from departments.querysets import (
    DepartmentQuerySet,
    MembershipQuerySet,
)
from departments.roles import DEPARTMENT_ROLES, UNSCOPED_ROLES, Role

# A GSS code: a letter and eight digits (E08000009); the kind of area is its first three.
# The council's and the benchmarking areas' (departments.models.benchmarks) alike.
validate_area_code = RegexValidator(
    r"^[A-Z][0-9]{8}$", "An ONS area code is a capital letter and 8 digits, like E08000009."
)


def role_scope_constraints(
    *, key: str, prefix: str, message: str | None = None
) -> list[models.BaseConstraint]:
    """The one rule of which scope a role needs (DESIGN.md section 4), as the constraints
    of a table of (``key``, role, department, partnership) rows: officers and heads of
    service a department and no partnership, a partner contract manager a partnership and
    no department, a council-wide role neither; and each ``key`` holds a role in one scope
    once. Membership and the directory's role mappings both carry it; ``prefix`` names
    the constraints, ``message`` is the check's error."""
    return [
        models.CheckConstraint(
            name=f"{prefix}_scope_matches_role",
            condition=(
                Q(role__in=DEPARTMENT_ROLES, department__isnull=False, partnership__isnull=True)
                | Q(role=Role.PARTNER, department__isnull=True, partnership__isnull=False)
                | Q(
                    role__in=UNSCOPED_ROLES,
                    department__isnull=True,
                    partnership__isnull=True,
                )
            ),
            violation_error_message=message,
        ),
        models.UniqueConstraint(
            fields=[key, "role", "department"],
            condition=Q(department__isnull=False),
            name=f"{prefix}_department_unique",
        ),
        models.UniqueConstraint(
            fields=[key, "role", "partnership"],
            condition=Q(partnership__isnull=False),
            name=f"{prefix}_partnership_unique",
        ),
        models.UniqueConstraint(
            fields=[key, "role"],
            condition=Q(department__isnull=True, partnership__isnull=True),
            name=f"{prefix}_council_unique",
        ),
    ]


class Council(models.Model):
    """The one local authority a deployment serves, with its coordination weights."""

    name = models.CharField(max_length=200, unique=True)
    area_code = models.CharField(
        max_length=9,
        blank=True,
        help_text="The council's ONS area code (E08000009): its row in benchmarking data.",
        validators=[validate_area_code],
    )
    # Coordination index weights (DESIGN.md section 3), kept beside contract health's.
    weight_on_time = models.PositiveSmallIntegerField(default=50)
    weight_digital_share = models.PositiveSmallIntegerField(default=25)
    weight_reach = models.PositiveSmallIntegerField(default=25)
    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(weight_on_time__gt=0)
                | Q(weight_digital_share__gt=0)
                | Q(weight_reach__gt=0),
                name="council_coordination_weights_not_all_zero",
            )
        ]

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    council = models.ForeignKey(Council, on_delete=models.PROTECT, related_name="departments")
    name = models.CharField(max_length=120)
    code = models.SlugField(max_length=40, help_text="Short identifier used in imports and URLs.")
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    objects = DepartmentQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["council", "code"], name="department_code_unique"),
            models.UniqueConstraint(fields=["council", "name"], name="department_name_unique"),
        ]

    def __str__(self) -> str:
        return self.name


class Membership(models.Model):
    """A user's role and the scope it applies to.

    Officers and heads of service belong to a department; a partner manager to a
    partnership; SMT members, auditors and administrators have council-wide scope.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices)
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="memberships"
    )
    partnership = models.ForeignKey(
        "partnerships.Partnership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="memberships",
    )
    history = HistoricalRecords()

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["user__username", "role"]
        constraints = role_scope_constraints(key="user", prefix="membership")

    def __str__(self) -> str:
        scope = self.department or self.partnership or "council"
        return f"{self.user} – {self.get_role_display()} ({scope})"

    def clean(self) -> None:
        if self.role in DEPARTMENT_ROLES and (not self.department_id or self.partnership_id):
            raise ValidationError(
                {"department": "Officers and heads of service belong to one department only."}
            )
        if self.role == Role.PARTNER and (not self.partnership_id or self.department_id):
            raise ValidationError({"partnership": "A partner manager needs a partnership."})
        if self.role in UNSCOPED_ROLES and (self.department_id or self.partnership_id):
            raise ValidationError(
                "SMT members, auditors, administrators and elected members have "
                "council-wide scope: "
                "leave department and partnership empty."
            )
