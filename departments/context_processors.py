"""Navigation by role for the base layout."""

from __future__ import annotations

from django.urls import reverse

from departments.roles import scope_for


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_scope": None}
    scope = scope_for(user)
    items = [("Home", reverse("home"))]
    if scope.reads_council_figures:
        items.append(("Overview", reverse("reporting:overview")))
    if scope.department_ids:
        items.append(
            ("Department", reverse("reporting:department", args=[min(scope.department_ids)]))
        )
    if scope.sees_departments:
        items.append(("Returns", reverse("departments:my-returns")))
    if scope.sees_departments:
        items.append(("Referrals", reverse("departments:referrals")))
        items.append(("Coordination", reverse("reporting:coordination")))
        items.append(("Combined view", reverse("reporting:combined")))
        items.append(("Early warnings", reverse("reporting:early-warnings")))
        items.append(("Benchmarking", reverse("reporting:benchmarking")))
    if scope.department_ids or scope.is_admin or scope.partnership_ids:
        items.append(("Import", reverse("departments:import-start")))
    if scope.is_member:
        items.append(("Combined view", reverse("reporting:combined")))
    if scope.is_member or scope.council_wide or scope.department_ids:
        items.append(("Scrutiny", reverse("scrutiny:items")))
    if scope.roles and not scope.signed_off_only:
        # Every role downloads reports, each cut to its scope (departments.roles).
        items.append(("Reports", reverse("reporting:reports")))
    partnership_id = _first_partnership_id(user, scope)
    if partnership_id:
        items.append(("Partnership", reverse("reporting:partnership", args=[partnership_id])))
    if scope.is_smt or scope.is_admin:
        # What residents see on the public portal (publication/): SMT's to choose.
        items.append(("Publication", reverse("publication:manage")))
    if scope.is_admin or user.is_staff:
        items.append(("Administration", reverse("admin:index")))
    items.append(("API", reverse("api-docs")))
    return {"nav_items": items, "user_scope": scope}


def _first_partnership_id(user, scope) -> int | None:
    """The partnership page link: the partner manager's own, or the first for the council."""
    if scope.partnership_ids:
        return min(scope.partnership_ids)
    if not scope.reads_council_figures:
        return None
    from django.apps import apps  # the base app does not import partnerships

    partnership = apps.get_model("partnerships", "Partnership")
    return partnership.objects.order_by("pk").values_list("pk", flat=True).first()
