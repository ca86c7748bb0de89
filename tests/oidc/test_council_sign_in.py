"""Signing in with the council account, against a real OpenID Connect provider
(oidc-provider-mock in its own process, tests/oidc_provider.py), through the test client:
the authorisation request, the provider's answer and the callback each travel over HTTP."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from departments.models import DirectoryRoleMapping, Membership, SingleSignOnIdentity
from departments.roles import Role
from departments.single_sign_on.directory import GRANTED, REMOVED

START = "/accounts/council/authenticate/"


def sign_in(client: Client, provider, subject: str, *, next_url: str = ""):
    """The whole flow: the product sends the browser to the provider, the person says
    who they are there, the provider sends the browser back to the callback."""
    start = client.get(START, {"next": next_url} if next_url else {})
    assert start.status_code == 302, start.content
    callback = provider.authorize(start["Location"], subject)
    assert callback.startswith("http://testserver/accounts/council/callback/?")
    return client.get(callback.removeprefix("http://testserver"))


def signed_in_user_id(client: Client):
    return client.session.get("_auth_user_id")


def memberships_of(user) -> set[tuple]:
    return set(Membership.objects.filter(user=user).values_list("role", "department__code"))


@pytest.fixture
def housing_officers(housing):
    return DirectoryRoleMapping.objects.create(
        claim_value="Governance.Housing.Officer", role=Role.OFFICER, department=housing
    )


@pytest.fixture
def accounts_created(settings):
    settings.OIDC_CREATE_USERS = True


@pytest.mark.django_db(transaction=True)
def test_a_new_officer_signs_in_with_their_department_from_the_directory(
    client, council_sign_on, housing_officers, accounts_created
):
    council_sign_on.set_claims(
        "entra-oid-olive",
        {
            "roles": ["Governance.Housing.Officer", "Something.Else"],
            "given_name": "Olive",
            "family_name": "Okafor",
            "preferred_username": "olive.okafor@council.example",
            "email": "olive.okafor@council.example",
        },
    )

    response = sign_in(client, council_sign_on, "entra-oid-olive", next_url="/returns/")

    assert response.status_code == 302
    assert response["Location"] == "/returns/"
    olive = get_user_model().objects.get(single_sign_on__subject="entra-oid-olive")
    assert signed_in_user_id(client) == str(olive.pk)
    assert (olive.username, olive.get_full_name()) == (
        "olive.okafor@council.example",
        "Olive Okafor",
    )
    assert not olive.has_usable_password()
    assert olive.single_sign_on.issuer == council_sign_on.issuer
    assert memberships_of(olive) == {(Role.OFFICER, "housing")}
    # The audit trail says who and why: the person signing in, from the directory.
    history = Membership.history.get(user=olive)
    assert (history.history_type, history.history_user, history.history_change_reason) == (
        "+",
        olive,
        GRANTED.format(claims="Governance.Housing.Officer"),
    )
    assert "You are signed in as <strong>Officer</strong> for Housing." in (
        client.get("/").content.decode()
    )


@pytest.mark.django_db(transaction=True)
def test_the_authorisation_request_carries_state_nonce_and_a_pkce_challenge(
    client, council_sign_on
):
    start = client.get(START)

    sent = urlsplit(start["Location"])
    query = parse_qs(sent.query)
    assert (
        f"{sent.scheme}://{sent.netloc}{sent.path}" == f"{council_sign_on.issuer}/oauth2/authorize"
    )
    assert query["response_type"] == ["code"]
    assert query["client_id"] == ["governance-dashboard"]
    assert query["code_challenge_method"] == ["S256"]
    assert len(query["code_challenge"][0]) == 43  # base64url of a SHA-256 digest
    assert query["redirect_uri"] == ["http://testserver/accounts/council/callback/"]
    kept = client.session["oidc_states"][query["state"][0]]
    assert kept["nonce"] == query["nonce"][0]
    assert len(kept["code_verifier"]) >= 43


@pytest.mark.django_db(transaction=True)
def test_an_answer_with_a_state_this_browser_never_sent_is_refused(
    client, council_sign_on, housing_officers, alice
):
    SingleSignOnIdentity.objects.create(user=alice, issuer=council_sign_on.issuer, subject="a-1")
    council_sign_on.set_claims("a-1", {"roles": ["Governance.Housing.Officer"]})
    callback = council_sign_on.authorize(client.get(START)["Location"], "a-1")

    other_browser = Client()
    other_browser.get(START)  # a session of its own, with its own state
    replayed = other_browser.get(callback.removeprefix("http://testserver"))

    assert replayed.status_code == 403
    assert signed_in_user_id(other_browser) is None


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "answer",
    [{"error": "access_denied"}, {"code": "x", "state": "y"}, {"error": "x", "state": "y"}],
)
def test_an_answer_to_no_sign_in_of_this_browser_leaves_whoever_is_signed_in(
    client, council_sign_on, alice, answer
):
    client.force_login(alice)
    client.get(START)  # a sign-in under way, with a state of its own

    response = client.get("/accounts/council/callback/", answer)

    assert response.status_code == 403
    assert "Signing in with your council account did not work" in response.content.decode()
    assert signed_in_user_id(client) == str(alice.pk)
    assert len(client.session["oidc_states"]) == 1


@pytest.mark.django_db(transaction=True)
def test_roles_follow_the_directory_at_every_sign_in(
    client, settings, council_sign_on, housing_officers, alice
):
    settings.OIDC_ROLE_MAPPING = ["Governance.SMT=smt"]
    SingleSignOnIdentity.objects.create(
        user=alice, issuer=council_sign_on.issuer, subject="alice-oid"
    )
    council_sign_on.set_claims("alice-oid", {"roles": ["Governance.SMT"]})

    assert sign_in(client, council_sign_on, "alice-oid").status_code == 302

    assert memberships_of(alice) == {(Role.SMT, None)}
    removed = Membership.history.get(user=alice, role=Role.OFFICER, history_type="-")
    assert (removed.history_user, removed.history_change_reason) == (
        alice,
        REMOVED.format(claims="Governance.SMT"),
    )
    assert Membership.history.get(user=alice, role=Role.SMT).history_change_reason == (
        GRANTED.format(claims="Governance.SMT")
    )


@pytest.mark.django_db(transaction=True)
def test_a_person_whose_roles_map_to_nothing_is_refused_and_loses_their_access(
    client, settings, council_sign_on, housing_officers, alice
):
    settings.OIDC_NO_ACCESS_CONTACT = "the Performance Team (performance@council.example)"
    SingleSignOnIdentity.objects.create(
        user=alice, issuer=council_sign_on.issuer, subject="alice-oid"
    )
    client.force_login(alice)  # signed in already, in this browser
    council_sign_on.set_claims("alice-oid", {"roles": ["Unmapped.Role"]})

    response = sign_in(client, council_sign_on, "alice-oid")

    html = response.content.decode()
    assert response.status_code == 403
    assert "<h1>You have no access to the performance dashboard</h1>" in html
    assert "Ask the Performance Team (performance@council.example) to give you one." in html
    assert signed_in_user_id(client) is None
    assert memberships_of(alice) == set()
    assert client.get("/").status_code == 302  # to the sign-in page


@pytest.mark.django_db(transaction=True)
def test_an_account_deactivated_in_admin_is_signed_out_at_its_next_request(
    client, council_sign_on, housing_officers, alice
):
    SingleSignOnIdentity.objects.create(user=alice, issuer=council_sign_on.issuer, subject="a-5")
    council_sign_on.set_claims("a-5", {"roles": ["Governance.Housing.Officer"]})
    assert sign_in(client, council_sign_on, "a-5").status_code == 302
    assert client.get("/").status_code == 200

    alice.is_active = False
    alice.save()

    assert client.get("/")["Location"].startswith("/accounts/login/")
    assert not client.get("/accounts/login/").wsgi_request.user.is_authenticated


@pytest.mark.django_db(transaction=True)
def test_someone_unknown_is_refused_when_accounts_are_not_created_at_sign_in(
    client, council_sign_on, housing_officers
):
    council_sign_on.set_claims("stranger", {"roles": ["Governance.Housing.Officer"]})
    users_before = get_user_model().objects.count()

    response = sign_in(client, council_sign_on, "stranger")

    assert response.status_code == 403
    assert "You have no account on the performance dashboard" in response.content.decode()
    assert get_user_model().objects.count() == users_before
    assert signed_in_user_id(client) is None


@pytest.mark.django_db(transaction=True)
def test_no_account_is_made_for_a_newcomer_the_directory_gives_no_role(
    client, council_sign_on, housing_officers, accounts_created
):
    council_sign_on.set_claims(
        "newcomer", {"roles": ["Unmapped.Role"], "preferred_username": "newcomer@council"}
    )
    users_before = get_user_model().objects.count()

    response = sign_in(client, council_sign_on, "newcomer")

    assert response.status_code == 403
    assert "You have no access to the performance dashboard" in response.content.decode()
    assert get_user_model().objects.count() == users_before
    assert not SingleSignOnIdentity.objects.filter(subject="newcomer").exists()


@pytest.mark.django_db(transaction=True)
def test_a_first_sign_in_that_loses_the_race_to_make_the_account_uses_the_winners(
    client, council_sign_on, housing_officers, accounts_created, alice, monkeypatch
):
    from departments.single_sign_on import backend

    # The other sign-in of the same subject made the account between this one's look-up
    # and its insert: this one's look-up found nothing.
    SingleSignOnIdentity.objects.create(user=alice, issuer=council_sign_on.issuer, subject="twin")
    monkeypatch.setattr(backend, "account_for", lambda **_: None)
    council_sign_on.set_claims("twin", {"roles": ["Governance.Housing.Officer"]})
    users_before = get_user_model().objects.count()

    response = sign_in(client, council_sign_on, "twin")

    assert response.status_code == 302
    assert signed_in_user_id(client) == str(alice.pk)
    assert get_user_model().objects.count() == users_before


@pytest.mark.django_db(transaction=True)
def test_an_account_is_never_taken_over_by_an_email_address(
    client, council_sign_on, housing_officers, accounts_created, alice
):
    alice.email = "alice@council.example"
    alice.save()
    council_sign_on.set_claims(
        "someone-else",
        {"roles": ["Governance.Housing.Officer"], "email": "alice@council.example"},
    )

    sign_in(client, council_sign_on, "someone-else")

    newcomer = get_user_model().objects.get(single_sign_on__subject="someone-else")
    assert newcomer != alice
    assert signed_in_user_id(client) == str(newcomer.pk)
    assert not SingleSignOnIdentity.objects.filter(user=alice).exists()


@pytest.mark.django_db(transaction=True)
def test_the_subject_claim_can_be_entras_object_id(
    client, settings, council_sign_on, housing_officers, harriet
):
    settings.OIDC_SUBJECT_CLAIM = "oid"
    SingleSignOnIdentity.objects.create(
        user=harriet, issuer=council_sign_on.issuer, subject="9f1c-object-id"
    )
    council_sign_on.set_claims(
        "pairwise-sub-1", {"oid": "9f1c-object-id", "roles": ["Governance.Housing.Officer"]}
    )

    assert sign_in(client, council_sign_on, "pairwise-sub-1").status_code == 302

    assert signed_in_user_id(client) == str(harriet.pk)
    assert memberships_of(harriet) == {(Role.OFFICER, "housing")}


@pytest.mark.django_db(transaction=True)
def test_signing_out_ends_the_session_and_the_providers(
    client, council_sign_on, housing_officers, alice
):
    SingleSignOnIdentity.objects.create(user=alice, issuer=council_sign_on.issuer, subject="a-2")
    council_sign_on.set_claims("a-2", {"roles": ["Governance.Housing.Officer"]})
    sign_in(client, council_sign_on, "a-2")
    id_token = client.session["oidc_id_token"]

    response = client.post("/accounts/logout/")

    sent = urlsplit(response["Location"])
    assert f"{sent.scheme}://{sent.netloc}{sent.path}" == (
        f"{council_sign_on.issuer}/oauth2/end_session"
    )
    assert parse_qs(sent.query) == {
        "id_token_hint": [id_token],
        "post_logout_redirect_uri": ["http://testserver/accounts/login/"],
        "client_id": ["governance-dashboard"],
    }
    assert signed_in_user_id(client) is None


@pytest.mark.django_db(transaction=True)
def test_refused_sign_ins_do_not_lock_colleagues_out(
    client, council_sign_on, housing_officers, alice
):
    SingleSignOnIdentity.objects.create(user=alice, issuer=council_sign_on.issuer, subject="a-3")
    council_sign_on.set_claims("a-3", {"roles": ["Governance.Housing.Officer"]})
    council_sign_on.set_claims("nobody", {"roles": []})
    for _ in range(6):  # beyond django-axes's five failures from one address
        assert sign_in(Client(), council_sign_on, "nobody").status_code == 403

    assert sign_in(client, council_sign_on, "a-3").status_code == 302
    assert signed_in_user_id(client) == str(alice.pk)


# --- the sign-in page and the local form ------------------------------------------------


@pytest.mark.django_db
def test_without_single_sign_on_nothing_changes(client, alice):
    page = client.get("/accounts/login/").content.decode()
    assert "Sign in with your council account" not in page
    assert client.get(START).status_code == 404
    assert client.get("/accounts/council/callback/?code=x&state=y").status_code == 404
    client.force_login(alice)
    assert client.post("/accounts/logout/")["Location"] == "/accounts/login/"


@pytest.mark.django_db
def test_the_sign_in_page_offers_the_council_account_beside_the_form(client, settings):
    settings.OIDC_ENABLED = True
    page = client.get("/accounts/login/?next=/returns/").content.decode()
    assert (
        '<a class="button" href="/accounts/council/authenticate/?next=/returns/">'
        "Sign in with your council account</a>"
    ) in page
    assert 'name="password"' in page


@pytest.mark.django_db
def test_local_sign_in_can_be_kept_for_named_accounts(client, settings, alice, audrey):
    from core.signin import LOCAL_SIGN_IN_REFUSED
    from tests.conftest import PASSWORD

    settings.OIDC_ENABLED = True
    settings.LOCAL_SIGN_IN_USERNAMES = ["audrey"]

    refused = client.post("/accounts/login/", {"username": "alice", "password": PASSWORD})
    assert refused.status_code == 200
    assert LOCAL_SIGN_IN_REFUSED.replace('"', "&quot;") in refused.content.decode()
    assert signed_in_user_id(client) is None

    allowed = client.post("/accounts/login/", {"username": "audrey", "password": PASSWORD})
    assert allowed.status_code == 302
    assert signed_in_user_id(client) == str(audrey.pk)


@pytest.mark.django_db
def test_the_local_form_is_still_throttled_with_single_sign_on_on(client, settings, audrey):
    settings.OIDC_ENABLED = True
    for _ in range(5):
        client.post("/accounts/login/", {"username": "audrey", "password": "wrong"})
    locked = client.post("/accounts/login/", {"username": "audrey", "password": "wrong"})
    assert "Too many sign-in attempts" in locked.content.decode()


@pytest.mark.django_db
def test_an_api_token_still_works_with_single_sign_on_on(client, settings, audrey):
    from departments.tokens.services import create_token

    settings.OIDC_ENABLED = True
    settings.LOCAL_SIGN_IN_USERNAMES = ["ada"]
    key = create_token(user=audrey, name="reports").key
    response = client.get("/api/v1/departments/", HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200


@pytest.mark.django_db
def test_a_mapping_needs_the_scope_its_role_needs(housing):
    from tests.constraints import refused

    def mapping(**fields):
        return lambda: DirectoryRoleMapping.objects.create(claim_value="X", **fields)

    refused(mapping(role=Role.OFFICER), "directory_mapping_scope_matches_role")
    refused(mapping(role=Role.SMT, department=housing), "directory_mapping_scope_matches_role")
    DirectoryRoleMapping.objects.create(claim_value="X", role=Role.SMT)
    refused(mapping(role=Role.SMT), "directory_mapping_council_unique")


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ("Governance.SMT", "the role must be one of"),
        ("X=officer", "the role officer needs a department code"),
        ("X=partner:north", "the role partner needs a partnership id"),
        ("X=smt:housing", "the role smt is council-wide"),
        ("=smt", "the claim value before '=' is empty"),
    ],
)
def test_a_mapping_setting_that_cannot_give_a_membership_is_named(settings, entry, problem):
    from django.core.exceptions import ImproperlyConfigured

    from departments.single_sign_on.directory import setting_mappings

    settings.OIDC_ROLE_MAPPING = ["Good=auditor", entry]
    with pytest.raises(ImproperlyConfigured, match=f"OIDC_ROLE_MAPPING entry '{entry}': {problem}"):
        setting_mappings()


@pytest.mark.django_db(transaction=True)
def test_the_audit_trail_shows_the_membership_the_directory_gave(
    client, council_sign_on, housing_officers, alice, sam
):
    SingleSignOnIdentity.objects.create(user=alice, issuer=council_sign_on.issuer, subject="a-4")
    council_sign_on.set_claims("a-4", {"roles": ["Governance.Housing.Officer", "Governance.Head"]})
    DirectoryRoleMapping.objects.create(
        claim_value="Governance.Head", role=Role.HEAD, department=housing_officers.department
    )
    sign_in(client, council_sign_on, "a-4")

    auditor = Client()
    auditor.force_login(sam)
    html = auditor.get("/audit-trail/", {"type": "membership"}).content.decode()

    reason = GRANTED.format(claims="Governance.Head, Governance.Housing.Officer")
    assert f"<td>{reason}</td>" in html
    assert "Head of service of Housing" in html


@pytest.mark.django_db(transaction=True)
def test_a_person_who_declines_at_the_provider_is_not_signed_in(client, council_sign_on):
    start = client.get(START)
    import requests

    declined = requests.post(
        start["Location"], data={"action": "deny"}, allow_redirects=False, timeout=10
    )
    callback = declined.headers["Location"]
    assert "error=access_denied" in callback

    response = client.get(callback.removeprefix("http://testserver"))

    assert response.status_code == 403
    assert "Signing in with your council account did not work" in response.content.decode()
    assert signed_in_user_id(client) is None


UNREACHABLE = "<h1>The council&#x27;s sign-in service cannot be reached</h1>"


@pytest.mark.django_db
def test_a_provider_that_refuses_connections_is_said_so_and_not_asked_again(
    client, settings, monkeypatch
):
    import requests

    from departments.single_sign_on import provider as provider_module
    from tests.oidc_provider import free_loopback_port, use_provider

    use_provider(settings, f"http://127.0.0.1:{free_loopback_port()}")
    asked = []
    real_get = requests.get
    monkeypatch.setattr(
        provider_module.requests, "get", lambda url, **kw: asked.append(url) or real_get(url, **kw)
    )

    answers = [client.get(START) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [503, 503, 503]
    assert all(UNREACHABLE in answer.content.decode() for answer in answers)
    assert len(asked) == 1  # the failure is remembered for the next requests


@pytest.mark.django_db
def test_a_provider_that_hangs_holds_a_request_only_for_the_discovery_timeout(client, settings):
    import socket
    import time

    from tests.oidc_provider import use_provider

    # Accepts connections (the kernel's backlog) and never answers.
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(8)
        use_provider(
            settings,
            f"http://127.0.0.1:{hung.getsockname()[1]}",
            OIDC_TIMEOUT=30,
            OIDC_DISCOVERY_TIMEOUT=1,
        )
        timings = []
        for _ in range(2):
            started = time.monotonic()
            answer = client.get(START)
            timings.append(time.monotonic() - started)
            assert answer.status_code == 503
            assert UNREACHABLE in answer.content.decode()

    assert 1 <= timings[0] < 10  # the discovery timeout (and a first request), not 30 s
    assert timings[1] < 0.5  # the failure remembered: no second wait


@pytest.mark.django_db
def test_mapping_settings_give_department_partnership_and_council_wide_roles(
    settings, housing, partnership, caplog
):
    from departments.single_sign_on.directory import Grant, grants_for

    settings.OIDC_ROLE_MAPPING = [
        "Housing.Head=head:housing",
        f"Partner.Manager=partner:{partnership.pk}",
        "Council.Auditor=auditor",
        "Gone.Officer=officer:abolished-department",
        f"Gone.Partner=partner:{partnership.pk + 1000}",
    ]

    grants = grants_for(
        ["Housing.Head", "Partner.Manager", "Council.Auditor", "Gone.Officer", "Gone.Partner"]
    )

    assert grants == {
        Grant(Role.HEAD, department_id=housing.pk),
        Grant(Role.PARTNER, partnership_id=partnership.pk),
        Grant(Role.AUDITOR),
    }
    assert "Gone.Officer=officer:abolished-department names no department here" in caplog.text
    assert f"Gone.Partner=partner:{partnership.pk + 1000} names no partnership" in caplog.text
