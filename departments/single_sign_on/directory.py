"""Roles and scope from the directory: the roles claim of the ID token, through the
mappings an administrator keeps (DirectoryRoleMapping in admin, and OIDC_ROLE_MAPPING),
becomes the person's memberships, made to match at every sign-in."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from departments.history import attribute
from departments.models import Department, DirectoryRoleMapping, Membership
from departments.roles import DEPARTMENT_ROLES, UNSCOPED_ROLES, Role, forget_scope

logger = logging.getLogger(__name__)

# The audit trail's reason on each membership single sign-on adds or removes.
GRANTED = "Given by the directory at sign-in ({claims})"
REMOVED = "Taken away by the directory at sign-in ({claims})"
NO_CLAIMS = "no mapped role"


@dataclass(frozen=True)
class Grant:
    """One membership the directory gives: a role and the scope it applies to."""

    role: str
    department_id: int | None = None
    partnership_id: int | None = None


@dataclass(frozen=True)
class SettingMapping:
    """One entry of OIDC_ROLE_MAPPING, read: a claim value, a role and its scope's key
    (a department's code, a partnership's id, or nothing for a council-wide role)."""

    claim_value: str
    role: str
    scope: str


def setting_mappings() -> list[SettingMapping]:
    """OIDC_ROLE_MAPPING read: ``claim value=role``, ``claim value=officer:department code``
    (or ``head:``), ``claim value=partner:partnership id``. ImproperlyConfigured, naming
    the entry, for one that cannot give a membership."""
    read = []
    for entry in settings.OIDC_ROLE_MAPPING:
        claim_value, _, target = (part.strip() for part in entry.partition("="))
        role, _, scope = (part.strip() for part in target.partition(":"))
        problem = _setting_problem(claim_value, role, scope)
        if problem:
            raise ImproperlyConfigured(f"OIDC_ROLE_MAPPING entry {entry!r}: {problem}")
        read.append(SettingMapping(claim_value, role, scope))
    return read


def _setting_problem(claim_value: str, role: str, scope: str) -> str:
    if not claim_value:
        return "the claim value before '=' is empty."
    if role not in Role.values:
        return f"the role must be one of {', '.join(Role.values)}."
    if role in DEPARTMENT_ROLES and not scope:
        return f"the role {role} needs a department code after ':'."
    if role == Role.PARTNER and not scope.isdigit():
        return "the role partner needs a partnership id (a number) after ':'."
    if role in UNSCOPED_ROLES and scope:
        return f"the role {role} is council-wide and takes no scope."
    return ""


def grants_for(claim_values: Iterable[str]) -> frozenset[Grant]:
    """The memberships the directory's claim values give, through both kinds of mapping.
    A setting naming no department (or partnership) here is logged and gives nothing."""
    values = set(claim_values)
    grants = {
        Grant(role, department_id, partnership_id)
        for role, department_id, partnership_id in DirectoryRoleMapping.objects.filter(
            claim_value__in=values
        ).values_list("role", "department_id", "partnership_id")
    }
    from_settings = [mapping for mapping in setting_mappings() if mapping.claim_value in values]
    codes = {mapping.scope for mapping in from_settings if mapping.role in DEPARTMENT_ROLES}
    departments = dict(Department.objects.filter(code__in=codes).values_list("code", "id"))
    wanted_partnerships = {int(m.scope) for m in from_settings if m.role == Role.PARTNER}
    # Through Membership's relation: this app does not import partnerships' models.
    partnership_model = Membership._meta.get_field("partnership").related_model
    partnerships = set(
        partnership_model.objects.filter(pk__in=wanted_partnerships).values_list("pk", flat=True)
    )
    for mapping in from_settings:
        if mapping.role in DEPARTMENT_ROLES and mapping.scope in departments:
            grants.add(Grant(mapping.role, department_id=departments[mapping.scope]))
        elif mapping.role == Role.PARTNER and int(mapping.scope) in partnerships:
            grants.add(Grant(mapping.role, partnership_id=int(mapping.scope)))
        elif mapping.role in UNSCOPED_ROLES:
            grants.add(Grant(mapping.role))
        else:
            # One stale entry must not stop everyone else signing in: said, and skipped.
            logger.error(
                "OIDC_ROLE_MAPPING entry %s=%s:%s names no %s here.",
                mapping.claim_value,
                mapping.role,
                mapping.scope,
                "partnership" if mapping.role == Role.PARTNER else "department",
            )
    return frozenset(grants)


@transaction.atomic
def apply_directory_roles(*, user, claim_values: Iterable[str]) -> frozenset[Grant]:
    """Make ``user``'s memberships those the directory's ``claim_values`` give: add what is
    missing, remove what the directory no longer gives, each recorded in the membership's
    history with the person signing in as the actor and the claims as the reason. Returns
    the grants (empty: the person has no role here)."""
    claim_values = set(claim_values)
    wanted = grants_for(claim_values)
    # The reason names the claim values that mapped (a groups claim can hold hundreds).
    mapped = claim_values & (
        set(
            DirectoryRoleMapping.objects.filter(claim_value__in=claim_values).values_list(
                "claim_value", flat=True
            )
        )
        | {mapping.claim_value for mapping in setting_mappings()}
    )
    reason_claims = ", ".join(sorted(mapped)) or NO_CLAIMS
    held = {
        Grant(membership.role, membership.department_id, membership.partnership_id): membership
        for membership in Membership.objects.select_for_update().filter(user=user)
    }
    for grant, membership in held.items():
        if grant not in wanted:
            attribute(membership, user, REMOVED.format(claims=reason_claims))
            membership.delete()
    for grant in wanted - held.keys():
        membership = Membership(
            user=user,
            role=grant.role,
            department_id=grant.department_id,
            partnership_id=grant.partnership_id,
        )
        attribute(membership, user, GRANTED.format(claims=reason_claims))
        membership.save()
    forget_scope(user)
    return wanted
