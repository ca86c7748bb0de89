"""Scoped querysets for the partnership side (``visible_to(user)``)."""

from __future__ import annotations

from django.db import models

from departments.roles import scope_for


class _PartnershipOwnedQuerySet(models.QuerySet):
    """Rows that belong to one partnership through ``partnership_lookup``.

    SMT, auditors and admins see every partnership; a partner manager their own; an
    officer or head of service sees the services their department depends on and their
    SLAs (what the department relies on, by name and level), nothing else of the
    contract. Dependency health reaches them as a figure on their department's dashboard
    (DESIGN.md section 3); the results it is built from are the partnership's records
    (section 4: records are seen by the partnership's own people and council-wide roles),
    so the SLA results page and the API answer 404 to an officer alike.
    """

    partnership_lookup = "partnership"
    # How the row reaches the departments a service serves; None where officers see nothing.
    served_departments_lookup: str | None = None

    def visible_to(self, user):
        scope = scope_for(user)
        if scope.council_wide:
            return self.all()
        rows = self.filter(**{f"{self.partnership_lookup}__in": scope.partnership_ids})
        if self.served_departments_lookup and scope.department_ids:
            served = self.filter(
                **{f"{self.served_departments_lookup}__in": scope.department_ids}
            ).values("pk")
            return self.filter(pk__in=rows.values("pk")) | self.filter(pk__in=served)
        return rows


class PartnershipQuerySet(_PartnershipOwnedQuerySet):
    """The contract itself (value, weights) is for SMT, auditors and the partner manager;
    departments see only the services they depend on."""

    partnership_lookup = "pk"

    def visible_to(self, user) -> PartnershipQuerySet:
        """An elected member reads every partnership's signed-off health as well (never
        its records: those querysets keep the rule above)."""
        if scope_for(user).is_member:
            return self.all()
        return super().visible_to(user)

    def records_visible_to(self, user) -> PartnershipQuerySet:
        """The partnerships whose records (SLA results, milestones, escalations, risks,
        the contract's KPIs and plans) the user may read: the rule of those records' own
        querysets, in which being an elected member gives nothing, whatever other role
        the member also holds."""
        return super().visible_to(user)


class ServiceQuerySet(_PartnershipOwnedQuerySet):
    served_departments_lookup = "departments"


class SlaQuerySet(_PartnershipOwnedQuerySet):
    partnership_lookup = "service__partnership"
    served_departments_lookup = "service__departments"


class SlaResultQuerySet(_PartnershipOwnedQuerySet):
    """The partnership's records: departments see none (see above)."""

    partnership_lookup = "sla__service__partnership"


class PartnershipRecordQuerySet(_PartnershipOwnedQuerySet):
    """Milestones, escalations and risks: the contract's own records."""


class PartnerQuerySet(models.QuerySet):
    def visible_to(self, user) -> PartnerQuerySet:
        scope = scope_for(user)
        if scope.council_wide:
            return self.all()
        return self.filter(partnerships__in=scope.partnership_ids).distinct()
