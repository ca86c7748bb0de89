"""Reads that combine both apps: the departments a reader's figures cover, and the one
department or partnership whose figures a page and its API show. The role homes' to-do
lists are in ``reporting.todo``."""

from __future__ import annotations

from departments import roles
from departments.models import Department
from partnerships.models import Partnership


def readable_departments(user, *, active_only: bool = True) -> list[Department]:
    """The departments whose own figures and records ``user`` may read, by name: every one
    for the council-wide roles, their own for a head or officer. A partner manager's scope
    names the departments their services serve (``visible_to``) but opens none of them
    (``roles.may_see_department``). Inactive ones too when ``active_only`` is False."""
    departments = Department.objects.visible_to(user).order_by("name")
    if active_only:
        departments = departments.filter(is_active=True)
    return [d for d in departments if roles.may_see_department_figures(user, d.pk)]


def department_with_figures(user, pk: int | str) -> Department | None:
    """The department ``pk`` when ``user`` may read its dashboard figures, else None (the
    page and the API answer 404 alike). A partner manager's scope names the departments
    their services serve, for the partnership's pages; their figures stay with the
    council (``roles.may_see_department_figures``)."""
    department = Department.objects.visible_to(user).filter(pk=pk).first()
    if department is None or not roles.may_see_department_figures(user, department.pk):
        return None
    return department


def partnership_with_figures(user, pk: int | str) -> Partnership | None:
    """The partnership ``pk``, with its partner, when ``user`` may read its health page
    and metrics, else None (the page and the API answer 404 alike): SMT, auditors and
    administrators every one, a partner manager their own, elected members every one for
    signed-off months (``roles.may_see_partnership_figures``)."""
    partnership = (
        Partnership.objects.visible_to(user).select_related("partner").filter(pk=pk).first()
    )
    if partnership is None or not roles.may_see_partnership_figures(user, partnership.pk):
        return None
    return partnership
