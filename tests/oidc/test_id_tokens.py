"""The ID token check, against tokens signed here with a key the test holds: a small
provider of discovery document and JWKS on a loopback port serves its public half, as
a real provider does. The real provider's flow is in test_council_sign_in.py."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.exceptions import SuspiciousOperation

from departments.single_sign_on.backend import CouncilAccountBackend
from tests.oidc_provider import CLIENT_ID, use_provider

KID = "test-key-1"
NONCE = "nonce-sent-with-the-request"


def _private_key():
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


KEY = _private_key()
OTHER_KEY = _private_key()


@pytest.fixture(scope="module")
def key_server():
    """Serves a discovery document and a JWKS holding KEY's public half."""
    public = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(KEY.public_key()))
    documents = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            body = json.dumps(documents[self.path]).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    issuer = f"http://127.0.0.1:{server.server_address[1]}"
    documents["/.well-known/openid-configuration"] = {
        "issuer": issuer,
        "authorization_endpoint": f"{issuer}/authorize",
        "token_endpoint": f"{issuer}/token",
        "jwks_uri": f"{issuer}/jwks",
    }
    documents["/jwks"] = {"keys": [{**public, "kid": KID, "use": "sig", "alg": "RS256"}]}
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield issuer
    server.shutdown()


@pytest.fixture
def issuer(settings, key_server):
    use_provider(settings, key_server, OIDC_CLOCK_SKEW_SECONDS=60)
    return key_server


def token(issuer: str, *, key=KEY, headers=None, algorithm="RS256", **changes) -> str:
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": CLIENT_ID,
        "sub": "officer-1",
        "iat": now,
        "exp": now + 300,
        "nonce": NONCE,
        "roles": ["Governance.Housing.Officer"],
    }
    claims.update(changes)
    claims = {name: value for name, value in claims.items() if value is not None}
    return jwt.encode(claims, key, algorithm=algorithm, headers=headers or {"kid": KID})


def verify(id_token: str, nonce: str = NONCE) -> dict:
    return CouncilAccountBackend().verify_token(id_token, nonce=nonce)


def test_a_token_signed_by_the_provider_for_this_product_is_accepted(issuer):
    claims = verify(token(issuer))
    assert (claims["sub"], claims["roles"]) == ("officer-1", ["Governance.Housing.Officer"])


def test_a_tampered_token_is_refused(issuer):
    header, payload, signature = token(issuer).split(".")
    forged = jwt.utils.base64url_encode(
        json.dumps(
            {
                **jwt.decode(token(issuer), options={"verify_signature": False}),
                "roles": ["Governance.SMT"],
            }
        ).encode()
    ).decode()
    with pytest.raises(SuspiciousOperation, match="InvalidSignatureError"):
        verify(f"{header}.{forged}.{signature}")


def test_a_token_signed_with_another_key_under_the_providers_key_id_is_refused(issuer):
    with pytest.raises(SuspiciousOperation, match="InvalidSignatureError"):
        verify(token(issuer, key=OTHER_KEY))


def test_an_expired_token_is_refused_beyond_the_allowed_clock_skew(issuer):
    now = int(time.time())
    with pytest.raises(SuspiciousOperation, match="ExpiredSignatureError"):
        verify(token(issuer, iat=now - 600, exp=now - 61))


def test_a_token_just_expired_within_the_allowed_clock_skew_is_accepted(issuer):
    now = int(time.time())
    assert verify(token(issuer, iat=now - 600, exp=now - 30))["sub"] == "officer-1"


def test_a_token_issued_in_the_future_is_refused(issuer):
    now = int(time.time())
    with pytest.raises(SuspiciousOperation, match="ImmatureSignatureError"):
        verify(token(issuer, iat=now + 600, exp=now + 900))


def test_a_token_from_another_issuer_is_refused(issuer):
    with pytest.raises(SuspiciousOperation, match="InvalidIssuerError"):
        verify(token(issuer, iss="https://login.example.net/other-tenant/v2.0"))


def test_a_token_for_another_application_is_refused(issuer):
    with pytest.raises(SuspiciousOperation, match="InvalidAudienceError"):
        verify(token(issuer, aud="another-application"))


def test_a_token_for_several_audiences_needs_this_product_as_authorised_party(issuer):
    with pytest.raises(SuspiciousOperation, match="without azp"):
        verify(token(issuer, aud=[CLIENT_ID, "another-application"]))
    both = token(issuer, aud=[CLIENT_ID, "another-application"], azp=CLIENT_ID)
    assert verify(both)["azp"] == CLIENT_ID


def test_a_token_authorised_for_another_application_is_refused_even_for_this_audience(issuer):
    with pytest.raises(SuspiciousOperation, match="azp is another application"):
        verify(token(issuer, azp="another-application"))
    with pytest.raises(SuspiciousOperation, match="azp is another application"):
        verify(token(issuer, aud=[CLIENT_ID, "another-application"], azp="another-application"))
    assert verify(token(issuer, azp=CLIENT_ID))["azp"] == CLIENT_ID


def test_a_token_without_an_expiry_is_refused(issuer):
    with pytest.raises(SuspiciousOperation, match="MissingRequiredClaimError"):
        verify(token(issuer, exp=None))


def test_a_token_with_another_nonce_is_refused(issuer):
    with pytest.raises(SuspiciousOperation, match="nonce"):
        verify(token(issuer), nonce="another-request")


def test_a_token_signed_with_the_client_secret_is_refused(issuer):
    # The classic confusion: HS256 "signed" with a key the client knows.
    forged = jwt.encode(
        jwt.decode(token(issuer), options={"verify_signature": False}),
        "test-client-secret-of-thirty-two-bytes!",
        algorithm="HS256",
        headers={"kid": KID},
    )
    with pytest.raises(SuspiciousOperation, match="not signed with RS256"):
        verify(forged)


def test_a_token_naming_a_key_the_provider_does_not_have_is_refused(issuer):
    with pytest.raises(SuspiciousOperation, match="0 RS256 signing keys"):
        verify(token(issuer, headers={"kid": "rotated-away"}))


def test_the_issuer_is_compared_exactly_as_the_discovery_document_gives_it(settings, key_server):
    from departments.single_sign_on.provider import ProviderUnavailable, forget_providers, provider

    # The document's issuer has no trailing "/": one configured with it is another issuer.
    use_provider(settings, f"{key_server}/")
    with pytest.raises(ProviderUnavailable) as refused:
        provider()
    assert str(refused.value) == (
        f"The discovery document at {key_server}/.well-known/openid-configuration names "
        f"the issuer {key_server!r}, not OIDC_ISSUER {key_server + '/'!r}."
    )
    forget_providers()
