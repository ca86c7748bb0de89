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
    if scope.council_wide or scope.department_ids:
        items.append(("Returns", reverse("departments:my-returns")))
    if scope.department_ids or scope.is_admin:
        items.append(("Import", reverse("departments:import-start")))
    if scope.is_admin or user.is_staff:
        items.append(("Administration", reverse("admin:index")))
    items.append(("API", reverse("api-docs")))
    return {"nav_items": items, "user_scope": scope}
