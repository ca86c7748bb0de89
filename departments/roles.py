"""Roles and scope: who may see and do what (DESIGN.md section 4).

Every view, API method, import and export asks these functions; none decides on its
own. ``scope_for(user)`` reads the user's memberships once per user object; the
``visible_to(user)`` queryset methods and the ``may_*`` functions build on it.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db import models


class Role(models.TextChoices):
    OFFICER = "officer", "Officer"
    HEAD = "head", "Head of service"
    SMT = "smt", "Strategic Management Team"
    PARTNER = "partner", "Partner contract manager"
    AUDITOR = "auditor", "Auditor"
    ADMIN = "admin", "Administrator"
    MEMBER = "member", "Elected member"


DEPARTMENT_ROLES = (Role.OFFICER, Role.HEAD)
COUNCIL_WIDE_ROLES = (Role.SMT, Role.AUDITOR, Role.ADMIN)
# Roles held for the whole council, with neither a department nor a partnership: the
# council-wide roles, and an elected member, who reads council-wide but signed-off
# figures only (``Scope.signed_off_only``).
UNSCOPED_ROLES = (*COUNCIL_WIDE_ROLES, Role.MEMBER)


@dataclass(frozen=True)
class Scope:
    """What one user's memberships hold."""

    roles: frozenset[str]
    department_ids: frozenset[int]
    head_department_ids: frozenset[int]
    partnership_ids: frozenset[int]

    @property
    def is_admin(self) -> bool:
        return Role.ADMIN in self.roles

    @property
    def is_smt(self) -> bool:
        return Role.SMT in self.roles

    @property
    def is_auditor(self) -> bool:
        return Role.AUDITOR in self.roles

    @property
    def council_wide(self) -> bool:
        """SMT, auditors and administrators see every department and partnership."""
        return bool(self.roles & set(COUNCIL_WIDE_ROLES))

    @property
    def is_member(self) -> bool:
        return Role.MEMBER in self.roles

    @property
    def signed_off_only(self) -> bool:
        """An elected member with no other role: reads the council-wide figures of
        signed-off months only (reporting.signed_off), and nothing of the officers' work
        (returns, referrals, SLA results, imports, tokens, the audit trail, admin). A
        member who also holds an officer's role is read as that role."""
        return self.roles == {Role.MEMBER}

    def signed_off_only_for(self, department_id: int | None) -> bool:
        """Whether this reader sees only signed-off months of the council's figures
        (``department_id`` None) or of that department: an elected member reading beyond
        what any other role of theirs opens (a member who is also Housing's officer reads
        Housing's figures as its officer, every other department's as a member)."""
        if not self.is_member or self.council_wide:
            return False
        return department_id is None or department_id not in self.department_ids

    @property
    def reads_council_figures(self) -> bool:
        """Council-wide readers and elected members read every department's, indicator's
        and partnership's figures (members for signed-off months only)."""
        return self.council_wide or self.is_member

    @property
    def sees_departments(self) -> bool:
        """Council-wide, or a member of at least one department: may see departments'
        coordination (a partner manager alone may not)."""
        return self.council_wide or bool(self.department_ids)

    @property
    def primary_role(self) -> str | None:
        for role in (
            Role.ADMIN,
            Role.SMT,
            Role.AUDITOR,
            Role.HEAD,
            Role.OFFICER,
            Role.PARTNER,
            Role.MEMBER,
        ):
            if role in self.roles:
                return role
        return None


NO_SCOPE = Scope(frozenset(), frozenset(), frozenset(), frozenset())
_CACHE_ATTRIBUTE = "_governance_scope"


def scope_for(user) -> Scope:
    """The user's scope, read once per user object (one query) and kept on it."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, _CACHE_ATTRIBUTE, None)
    if cached is not None:
        return cached
    roles: set[str] = set()
    departments: set[int] = set()
    heads: set[int] = set()
    partnerships: set[int] = set()
    # Through the user's reverse relation, not the Membership model: the models import
    # this module for Role, so this module does not import them back.
    rows = user.memberships.values_list("role", "department_id", "partnership_id")
    for role, department_id, partnership_id in rows:
        roles.add(role)
        if department_id:
            departments.add(department_id)
            if role == Role.HEAD:
                heads.add(department_id)
        if partnership_id:
            partnerships.add(partnership_id)
    if user.is_superuser:
        roles.add(Role.ADMIN)
    scope = Scope(
        frozenset(roles), frozenset(departments), frozenset(heads), frozenset(partnerships)
    )
    setattr(user, _CACHE_ATTRIBUTE, scope)
    return scope


def forget_scope(user) -> None:
    """Drop the cached scope, after memberships change."""
    if hasattr(user, _CACHE_ATTRIBUTE):
        delattr(user, _CACHE_ATTRIBUTE)


# --- seeing -------------------------------------------------------------------------------


def may_see_department(user, department_id: int) -> bool:
    scope = scope_for(user)
    return scope.council_wide or department_id in scope.department_ids


def may_see_partnership(user, partnership_id: int) -> bool:
    scope = scope_for(user)
    return scope.council_wide or partnership_id in scope.partnership_ids


def may_see_department_figures(user, department_id: int) -> bool:
    """A department's dashboard figures: those who see the department, and elected
    members (for signed-off months only: reporting.signed_off decides which)."""
    return scope_for(user).is_member or may_see_department(user, department_id)


def may_see_partnership_figures(user, partnership_id: int) -> bool:
    """A partnership's health page and metrics: those who see the partnership, and
    elected members (for signed-off months only)."""
    return scope_for(user).is_member or may_see_partnership(user, partnership_id)


def may_see_combined(user) -> bool:
    """The combined view (partner health beside departments' coordination): those who see
    departments, and elected members (for signed-off months only); not a partner manager
    alone, whose scope holds no department's coordination."""
    scope = scope_for(user)
    return scope.sees_departments or scope.is_member


def may_download_reports(user) -> bool:
    """Everyone with a role downloads reports; each report is cut to their scope."""
    return has_a_role(user)


def may_see_every_report_run(user) -> bool:
    """Auditors and administrators see everyone's report runs (their scope is the whole
    council, so every run is within it); everyone else sees the runs they asked for."""
    scope = scope_for(user)
    return scope.is_auditor or scope.is_admin


# --- returns ------------------------------------------------------------------------------


def may_edit_returns(user, department_id: int) -> bool:
    """Officers and heads edit and submit their own department's returns; admins any."""
    scope = scope_for(user)
    return scope.is_admin or department_id in scope.department_ids


def may_approve_return(user, *, department_id: int, submitted_by_id: int | None) -> bool:
    """Heads approve their own department's returns, SMT and admins any; never one's own."""
    if submitted_by_id is not None and submitted_by_id == user.pk:
        return False
    scope = scope_for(user)
    return scope.is_admin or scope.is_smt or department_id in scope.head_department_ids


def may_sign_off(user) -> bool:
    """Signing off and reopening periods and returns is SMT's (and an admin's)."""
    scope = scope_for(user)
    return scope.is_smt or scope.is_admin


# --- referrals ----------------------------------------------------------------------------


def may_raise_referral(user, from_department_id: int) -> bool:
    scope = scope_for(user)
    return scope.is_admin or from_department_id in scope.department_ids


def may_handle_referral(user, to_department_id: int) -> bool:
    """Acknowledging and resolving belongs to the receiving department."""
    scope = scope_for(user)
    return scope.is_admin or to_department_id in scope.department_ids


# --- imports ------------------------------------------------------------------------------


def may_import(user) -> bool:
    """Whether the user may import anything: the union, by scope, of the import kinds'
    own ``may_import`` rules (returns and referrals for one's own departments, SLA
    results for one's own partnership, benchmarks for administrators). The navigation
    asks this one, which reads no rows; the import page asks the kinds, which also leave
    out inactive departments (tests/departments/test_navigation.py holds the two alike)."""
    scope = scope_for(user)
    return (
        scope.is_admin
        or bool(scope.department_ids)
        or (Role.PARTNER in scope.roles and bool(scope.partnership_ids))
    )


# --- partnership --------------------------------------------------------------------------


def may_enter_sla_results(user, partnership_id: int) -> bool:
    """SLA results and milestone progress: the partner manager of that partnership, or admin."""
    scope = scope_for(user)
    return scope.is_admin or (
        Role.PARTNER in scope.roles and partnership_id in scope.partnership_ids
    )


def may_verify_sla_results(user) -> bool:
    scope = scope_for(user)
    return scope.is_smt or scope.is_admin


def may_manage_escalations(user, partnership_id: int) -> bool:
    """Escalations and risks: SMT, admins, and the partner manager of that partnership."""
    scope = scope_for(user)
    return (
        scope.is_smt
        or scope.is_admin
        or (Role.PARTNER in scope.roles and partnership_id in scope.partnership_ids)
    )


def may_assess_contract(user) -> bool:
    """Contract performance assessments (Procurement Act 2023, section 71): the SMT
    proposes, rates, approves and reopens them; administrators too."""
    scope = scope_for(user)
    return scope.is_smt or scope.is_admin


# --- scrutiny (issue 20) -------------------------------------------------------------------


def may_use_scrutiny(user) -> bool:
    """The scrutiny pages: elected members, who ask; the council-wide roles and the
    departments' officers and heads, who read the items and answer them. A partner
    manager alone has no items to read (the SMT answers those about the partnership)."""
    scope = scope_for(user)
    return scope.is_member or scope.council_wide or bool(scope.department_ids)


def may_ask_scrutiny(user) -> bool:
    """Elected members ask questions and make comments for their committee."""
    return scope_for(user).is_member


def may_answer_scrutiny(user, *, department_id: int | None) -> bool:
    """The owning department's heads of service answer an item about an indicator or a
    department's month; the SMT one about the partnership (``department_id`` None);
    administrators any."""
    scope = scope_for(user)
    if scope.is_admin:
        return True
    if department_id is None:
        return scope.is_smt
    return department_id in scope.head_department_ids


def may_close_scrutiny(user, *, asked_by_id: int) -> bool:
    """Only the member who asked closes their item, once satisfied with the answer."""
    return bool(user and user.is_authenticated) and user.pk == asked_by_id


def may_manage_agenda(user) -> bool:
    """The SMT (and administrators) put months and indicators to a committee."""
    scope = scope_for(user)
    return scope.is_smt or scope.is_admin


# --- elected members -----------------------------------------------------------------------

MEMBER_MESSAGE = (
    "Elected members see signed-off performance and the scrutiny pages only: this page is "
    "for the council's officers."
)
# The only pages (URL names) an elected member opens: the figures pages, their own
# account, and the scrutiny app's pages. The figures pages show signed-off months only
# (reporting.signed_off). Anything else (returns, referrals, SLA results, imports, tokens,
# reports, the audit trail, the admin site) answers 403 with MEMBER_MESSAGE.
MEMBER_PAGES = frozenset(
    {
        "home",
        "login",
        "logout",
        "departments:account",
        "departments:sign-out-everywhere",
        "reporting:overview",
        "reporting:department",
        "reporting:indicator",
        "reporting:partnership",
        "reporting:combined",
        "api-schema",
        "api-docs",
        # The public portal and its open data, open to anyone signed in or not.
        "publication:portal",
        "publication:indicator",
        "publication:open-data",
        "publication:council-csv",
        "publication:council-json",
        "publication:indicator-csv",
        "publication:indicator-json",
    }
)
MEMBER_PAGE_NAMESPACES = frozenset({"scrutiny"})
# The API endpoints (router basename, and the actions of it; None for all) an elected
# member calls, on their session (a member makes no API tokens): the signed-off metrics,
# their home and scrutiny. An indicator's benchmark is left out: it sets the council's own
# figures, signed off or not, beside the comparators'.
MEMBER_ENDPOINTS: dict[str, frozenset[str] | None] = {
    "metrics-overview": None,
    "metrics-department": None,
    "metrics-indicator": frozenset({"retrieve"}),
    "metrics-partnership": None,
    "metrics-combined": None,
    "home": None,
    "scrutiny-item": None,
    "scrutiny-committee": None,
}


def member_may_open_page(user, view_name: str | None) -> bool:
    """Whether ``user`` may open the page named ``view_name`` (``namespace:name``) as
    far as the member rule goes: True for everyone who is not only an elected member."""
    if not scope_for(user).signed_off_only:
        return True
    if view_name is None:
        return False
    return view_name in MEMBER_PAGES or view_name.partition(":")[0] in MEMBER_PAGE_NAMESPACES


def member_may_call(user, basename: str | None, action: str | None = None) -> bool:
    """Whether ``user`` may call the API endpoint registered as ``basename`` (its
    ``action``) as far as the member rule goes (the API root, with no basename, lists the
    endpoints)."""
    if not scope_for(user).signed_off_only or basename is None:
        return True
    if basename not in MEMBER_ENDPOINTS:
        return False
    actions = MEMBER_ENDPOINTS[basename]
    return actions is None or action in actions


NO_ROLE_MESSAGE = "Your account has no role yet: ask an administrator to give you one."


def has_a_role(user) -> bool:
    """Whether the user holds any role. Without one the dashboard has nothing to show:
    every API endpoint and every page but the home page answers 403 with NO_ROLE_MESSAGE."""
    return bool(scope_for(user).roles)


def role_required(view):
    """A page's guard for has_a_role: a signed-in user with no role gets 403 with
    NO_ROLE_MESSAGE (for pages that would otherwise show them an empty list)."""

    @functools.wraps(view)
    def guarded(request, *args, **kwargs):
        if not has_a_role(request.user):
            raise PermissionDenied(NO_ROLE_MESSAGE)
        return view(request, *args, **kwargs)

    return guarded


def may_see_early_warnings(user) -> bool:
    """Everyone with a role sees the early warnings within their scope."""
    return has_a_role(user)


def may_acknowledge_warnings(user) -> bool:
    scope = scope_for(user)
    return scope.is_smt or scope.is_admin


def may_change_reference_data(user) -> bool:
    """Indicators, targets, SLAs, weights and users are the administrator's."""
    return scope_for(user).is_admin


# --- API tokens ---------------------------------------------------------------------------


def may_revoke_token(user, owner_id: int) -> bool:
    """People revoke their own API tokens; administrators revoke anyone's."""
    return bool(user and user.is_authenticated) and (
        owner_id == user.pk or scope_for(user).is_admin
    )
