"""Navigation by role for the base layout.

Each link is shown exactly when its page would open for the user: it asks the same
``roles`` function (or ``Scope`` property) the page asks, and the elected members' rule
(``roles.member_may_open_page``) that the member-pages middleware applies before any view.
"""

from __future__ import annotations

from django.urls import reverse

from departments import roles


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": [], "user_scope": None}
    scope = roles.scope_for(user)
    partnership_id = _first_partnership_id(scope)
    # (label, URL name, its arguments, whether the page opens for the user), in order.
    links = [
        ("Home", "home", (), True),
        ("Overview", "reporting:overview", (), scope.reads_council_figures),
        (
            "Department",
            "reporting:department",
            (min(scope.department_ids, default=0),),
            bool(scope.department_ids),
        ),
        ("Returns", "departments:my-returns", (), scope.sees_departments),
        ("Referrals", "departments:referrals", (), scope.sees_departments),
        ("Coordination", "reporting:coordination", (), scope.sees_departments),
        ("Combined view", "reporting:combined", (), roles.may_see_combined(user)),
        ("Early warnings", "reporting:early-warnings", (), roles.may_see_early_warnings(user)),
        ("Benchmarking", "reporting:benchmarking", (), scope.sees_departments),
        ("Import", "departments:import-start", (), roles.may_import(user)),
        ("Scrutiny", "scrutiny:items", (), roles.may_use_scrutiny(user)),
        # Every role downloads reports, each cut to its scope (departments.roles).
        ("Reports", "reporting:reports", (), roles.may_download_reports(user)),
        ("Partnership", "reporting:partnership", (partnership_id,), partnership_id is not None),
        # What residents see on the public portal (publication/): SMT's to choose.
        ("Publication", "publication:manage", (), roles.may_sign_off(user)),
        # The admin site lets in staff only (AdminSite.has_permission): an administrator's
        # role without staff status would meet its sign-in page.
        ("Administration", "admin:index", (), user.is_staff),
        ("API", "api-docs", (), True),
    ]
    items = [
        (label, reverse(name, args=args))
        for label, name, args, opens in links
        if opens and roles.member_may_open_page(user, name)
    ]
    return {"nav_items": items, "user_scope": scope}


def _first_partnership_id(scope: roles.Scope) -> int | None:
    """The partnership page link: the partner manager's own, or the first for the council."""
    if scope.partnership_ids:
        return min(scope.partnership_ids)
    if not scope.reads_council_figures:
        return None
    # By its label in the app registry, not imported: departments is the base app, which
    # imports no other (DESIGN.md section 2, held by tests/test_import_cycles.py), and
    # Membership's own foreign key names the model the same way.
    from django.apps import apps

    partnership = apps.get_model("partnerships", "Partnership")
    return partnership.objects.order_by("pk").values_list("pk", flat=True).first()
