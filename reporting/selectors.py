"""Reads that combine both apps: the departments a reader's figures cover. The role homes'
to-do lists are in ``reporting.todo``."""

from __future__ import annotations

from departments import roles
from departments.models import Department


def readable_departments(user, *, active_only: bool = True) -> list[Department]:
    """The departments whose own figures and records ``user`` may read, by name: every one
    for the council-wide roles, their own for a head or officer. A partner manager's scope
    names the departments their services serve (``visible_to``) but opens none of them
    (``roles.may_see_department``). Inactive ones too when ``active_only`` is False."""
    departments = Department.objects.visible_to(user).order_by("name")
    if active_only:
        departments = departments.filter(is_active=True)
    return [d for d in departments if roles.may_see_department_figures(user, d.pk)]
