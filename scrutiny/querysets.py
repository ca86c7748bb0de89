"""Scoped querysets of the scrutiny app (``visible_to(user)``)."""

from __future__ import annotations

from datetime import date

from django.db import models
from django.db.models import Q

from departments.roles import scope_for


def _committees_of(user, queryset: models.QuerySet, members: str) -> models.QuerySet:
    """The one rule of who sees a committee (and its agenda): council-wide roles and heads
    of service (who answer its items) every one; an elected member those they sit on
    (``members``: the lookup of the committee's members from ``queryset``'s rows)."""
    scope = scope_for(user)
    if scope.council_wide or scope.head_department_ids:
        return queryset.all()
    if scope.is_member:
        return queryset.filter(**{members: user}).distinct()
    return queryset.none()


class CommitteeQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _committees_of(user, self, "members")


class AgendaItemQuerySet(models.QuerySet):
    def visible_to(self, user):
        return _committees_of(user, self, "committee__members")


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
