"""Changes made in Django admin to people's accounts, their roles and scope, permission
groups and API tokens reach the audit trail: who, when, each value before and after.

Accounts and groups are Django's own models, recorded by ``departments.models.accounts``;
memberships and tokens by their own history. The trail is read as an auditor reads it
(``reporting.audit.selectors.AuditTrail``) and, once, through the page.
"""

from contextlib import contextmanager

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.utils import timezone

from departments.models import ApiToken, Membership
from departments.models.accounts import PASSWORD_CHANGED
from departments.tokens import services as token_services
from reporting.audit.selectors import AuditTrail
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

User = get_user_model()


class Window:
    """When the admin's requests were made: entries written then are the admin's."""

    start = end = None

    def holds(self, entry) -> bool:
        return self.start <= entry.when <= self.end


@contextmanager
def admin_at_work():
    window = Window()
    window.start = timezone.now()
    yield window
    window.end = timezone.now()


@pytest.fixture
def root(db):
    return UserFactory(
        username="root", first_name="Rita", last_name="Root", is_staff=True, is_superuser=True
    )


@pytest.fixture
def approvers(db):
    group = Group.objects.create(name="Return approvers")
    group.permissions.add(Permission.objects.get(codename="change_kpireturn"))
    return group


def _trail(reader, kind: str) -> list:
    return list(AuditTrail(user=reader, object_type=kind))


def _changes(entry) -> dict[str, tuple]:
    return {change.label: (change.before, change.after) for change in entry.changes}


def _user_form(user, **changed) -> dict:
    """The admin's change form for ``user`` as it stands, with ``changed`` applied."""
    form = {
        "username": user.username,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "email": user.email,
        "date_joined_0": "2025-10-01",
        "date_joined_1": "09:00:00",
        "groups": [group.pk for group in user.groups.all()],
        "user_permissions": [],
    }
    for flag in ("is_active", "is_staff", "is_superuser"):
        if getattr(user, flag):
            form[flag] = "on"
    form.update(changed)
    return {key: value for key, value in form.items() if value is not False}


def test_an_admin_making_an_officer_staff_and_an_approver_is_in_the_trail(
    client, root, alice, audrey, approvers
):
    client.force_login(root)
    with admin_at_work() as window:
        response = client.post(
            f"/admin/auth/user/{alice.pk}/change/",
            _user_form(alice, is_staff="on", email="alice@council.example", groups=[approvers.pk]),
        )
    assert response.status_code == 302, response.content.decode()[:2000]

    changed = [e for e in _trail(audrey, "account") if window.holds(e)]
    assert {e.who for e in changed} == {"Rita Root"}
    assert {e.object_type for e in changed} == {"User account"}
    assert {e.record for e in changed} == {f"{alice.first_name} {alice.last_name} (alice)"}
    together = {}
    for entry in changed:
        together.update(_changes(entry))
    assert together["Staff status"] == ("No", "Yes")
    assert together["Email address"] == ("–", "alice@council.example")
    assert together["Groups"] == ("–", "Return approvers")
    assert "Superuser status" not in together  # unchanged, so not listed


def test_an_admin_changing_a_role_and_its_scope_is_in_the_trail(
    client, root, alice, finance, audrey
):
    membership = Membership.objects.get(user=alice)
    client.force_login(root)
    with admin_at_work() as window:
        response = client.post(
            f"/admin/departments/membership/{membership.pk}/change/",
            {"user": alice.pk, "role": "head", "department": finance.pk, "partnership": ""},
        )
    assert response.status_code == 302, response.content.decode()[:2000]

    (entry,) = [e for e in _trail(audrey, "membership") if window.holds(e)]
    assert (entry.who, entry.action) == ("Rita Root", "Changed")
    assert _changes(entry) == {
        "Role": ("Officer", "Head of service"),
        "Department": ("Housing", "Finance"),
    }


def test_an_admin_creating_and_changing_a_permission_group_is_in_the_trail(client, root, audrey):
    change_return = Permission.objects.get(codename="change_kpireturn")
    view_return = Permission.objects.get(codename="view_kpireturn")
    client.force_login(root)
    with admin_at_work() as window:
        client.post("/admin/auth/group/add/", {"name": "Readers", "permissions": [view_return.pk]})
        group = Group.objects.get(name="Readers")
        client.post(
            f"/admin/auth/group/{group.pk}/change/",
            {"name": "Readers", "permissions": [view_return.pk, change_return.pk]},
        )

    entries = [e for e in _trail(audrey, "group") if window.holds(e)]
    assert {e.record for e in entries} == {"Readers"}
    assert {e.who for e in entries} == {"Rita Root"}
    assert {e.object_type for e in entries} == {"Permission group"}
    created = [e for e in entries if e.action == "Created"]
    assert [_changes(e) for e in created] == [{"Name": (None, "Readers")}]
    # The last change gave the group a second permission: before and after, by name.
    latest = _changes(entries[0])
    assert latest["Permissions"] == (
        str(view_return),
        ", ".join(sorted(map(str, [view_return, change_return]))),
    )


def test_an_admin_revoking_and_deleting_tokens_is_in_the_trail(client, root, alice, audrey):
    kept = token_services.create_token(user=alice, name="Nightly import").token
    gone = token_services.create_token(user=alice, name="Old laptop").token
    client.force_login(root)
    with admin_at_work() as window:
        client.post(
            "/admin/departments/apitoken/",
            {"action": "revoke", "_selected_action": [kept.pk], "index": 0},
        )
        client.post(f"/admin/departments/apitoken/{gone.pk}/delete/", {"post": "yes"})
    assert not ApiToken.objects.filter(pk=gone.pk).exists()

    entries = [e for e in _trail(audrey, "api_token") if window.holds(e)]
    by_action = {(e.record.split(" (")[0], e.action): e for e in entries}
    revoked = by_action[("Nightly import", "Changed")]
    assert (revoked.who, revoked.reason) == ("Rita Root", "Revoked")
    assert _changes(revoked)["Revoked by"] == ("–", "Rita Root")
    assert by_action[("Old laptop", "Deleted")].who == "Rita Root"


def test_a_password_change_is_recorded_by_name_and_never_its_hash(client, root, alice, audrey):
    client.force_login(root)
    with admin_at_work() as window:
        response = client.post(
            f"/admin/auth/user/{alice.pk}/password/",
            {"password1": "a-new-long-passphrase-9", "password2": "a-new-long-passphrase-9"},
        )
    assert response.status_code == 302, response.content.decode()[:2000]

    (entry,) = [e for e in _trail(audrey, "account") if window.holds(e)]
    assert (entry.who, entry.reason, entry.changes) == ("Rita Root", PASSWORD_CHANGED, ())
    history_fields = {field.name for field in User.history.model._meta.fields}
    assert "password" not in history_fields and "last_login" not in history_fields


def test_signing_in_is_not_an_account_change(client, alice):
    before = alice.history.count()
    response = client.post(
        "/accounts/login/", {"username": "alice", "password": "correct-horse-battery"}
    )
    assert response.status_code == 302 and client.get("/returns/").status_code == 200
    assert alice.history.count() == before


def test_people_outside_the_council_wide_roles_see_only_their_own_account(
    root, alice, bob, approvers, audrey
):
    assert {e.record_id for e in _trail(alice, "account")} == {alice.pk}
    assert _trail(alice, "group") == []
    assert {alice.pk, bob.pk, root.pk} <= {e.record_id for e in _trail(audrey, "account")}
    assert [e.record for e in _trail(audrey, "group")] == ["Return approvers"] * 2


def test_the_audit_trail_page_lists_account_changes(client, root, alice, audrey):
    alice.is_active = False
    alice._history_user = root
    alice.save()
    client.force_login(audrey)
    page = client.get("/audit-trail/", {"object_type": "account"}).content.decode()
    assert "User account" in page
    row = next(r for r in page.split("<tr>") if "<li>Active: Yes → No</li>" in r)
    assert "<td>Rita Root</td><td>User account</td>" in row
    assert f"{alice.first_name} {alice.last_name} (alice)" in row
