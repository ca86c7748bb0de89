"""Scoped querysets of the scrutiny app (``visible_to(user)``)."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q

from departments.roles import scope_for


class CommitteeQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Council-wide roles see every committee; a member the committees they sit on;
        heads of service see them too (they answer their items)."""
        scope = scope_for(user)
        if scope.council_wide or scope.head_department_ids:
            return self.all()
        if scope.is_member:
            return self.filter(members=user)
        return self.none()


class AgendaItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        from scrutiny.models import ScrutinyCommittee

        return self.filter(committee__in=ScrutinyCommittee.objects.visible_to(user).values("pk"))


class ScrutinyItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        """Council-wide roles and elected members see every item (members' scrutiny is
        public to the council); departments see the items routed to them."""
        scope = scope_for(user)
        if scope.council_wide or scope.is_member:
            return self.all()
        if scope.department_ids:
            return self.filter(department__in=scope.department_ids)
        return self.none()

    def open(self):
        return self.filter(state="open")

    def overdue(self, today: date):
        """Open past their due date on ``today``, a London date: the one "overdue" rule."""
        return self.filter(Q(state="open") & Q(due_on__lt=today))
