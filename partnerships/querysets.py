"""Scoped querysets for the partnership side (``visible_to(user)``)."""

from __future__ import annotations

from django.db import models

from departments.roles import scope_for


class _PartnershipOwnedQuerySet(models.QuerySet):
    """Rows that belong to one partnership through ``partnership_lookup``.

    SMT, auditors and admins see every partnership; a partner manager their own; an
    officer or head of service sees the services their department depends on and the
    SLAs and results of those (for dependency health), nothing else of the contract.
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


class ServiceQuerySet(_PartnershipOwnedQuerySet):
    served_departments_lookup = "departments"


class SlaQuerySet(_PartnershipOwnedQuerySet):
    partnership_lookup = "service__partnership"
    served_departments_lookup = "service__departments"


class SlaResultQuerySet(_PartnershipOwnedQuerySet):
    partnership_lookup = "sla__service__partnership"
    served_departments_lookup = "sla__service__departments"


class PartnershipRecordQuerySet(_PartnershipOwnedQuerySet):
    """Milestones, escalations and risks: the contract's own records."""


class PartnerQuerySet(models.QuerySet):
    def visible_to(self, user) -> PartnerQuerySet:
        scope = scope_for(user)
        if scope.council_wide:
            return self.all()
        return self.filter(partnerships__in=scope.partnership_ids).distinct()
