"""The authentication backend of the single sign-on callback (mozilla-django-oidc's,
with what it leaves to the client added).

mozilla-django-oidc checks the state (the callback view), sends the PKCE verifier and
checks the nonce, and verifies the ID token's signature and expiry; it does not check
the issuer or the audience, allows no clock skew, matches people by email and reads the
userinfo endpoint. Here the ID token is checked in full (RS256 with a key of the
provider's JWKS; issuer, audience, authorised party, expiry and issue time, with
OIDC_CLOCK_SKEW_SECONDS of leeway), people are found by their subject, and the claims
are the ID token's own (Entra ID's userinfo carries neither ``oid`` nor ``roles``).
"""

from __future__ import annotations

import enum
import logging

import jwt
import requests
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from departments.single_sign_on.accounts import account_for, create_account, update_names
from departments.single_sign_on.directory import apply_directory_roles, grants_for
from departments.single_sign_on.provider import ProviderUnavailable, provider

logger = logging.getLogger(__name__)

ALGORITHM = "RS256"
# Every ID token must carry these (OpenID Connect Core 2): a token without one is refused.
REQUIRED_CLAIMS = ["iss", "aud", "exp", "iat", "sub"]


class Refusal(enum.StrEnum):
    """Why a sign-in with the council account did not sign the person in."""

    NO_ACCOUNT = "no-account"
    NO_ROLE = "no-role"
    FAILED = "failed"
    UNAVAILABLE = "unavailable"


REFUSAL_ATTRIBUTE = "single_sign_on_refusal"


def refuse(request, refusal: Refusal) -> None:
    """Note on ``request`` why the sign-in is refused, for the callback's refusal page."""
    setattr(request, REFUSAL_ATTRIBUTE, refusal)


class CouncilAccountBackend(OIDCAuthenticationBackend):
    """Signs a person in from the provider's callback (see the module)."""

    OIDC_RP_SIGN_ALGO = ALGORITHM
    OIDC_RP_IDP_SIGN_KEY = None
    OIDC_OP_USER_ENDPOINT = None

    def __init__(self, *args, **kwargs) -> None:
        # mozilla-django-oidc's reads every endpoint here; Django builds the backends for
        # every password sign-in too, which must never wait on the provider, so the
        # endpoints are read (properties below) only when a callback is handled.
        self.UserModel = get_user_model()

    @property
    def OIDC_RP_CLIENT_ID(self) -> str:  # noqa: N802 (mozilla-django-oidc's name)
        return settings.OIDC_RP_CLIENT_ID

    @property
    def OIDC_RP_CLIENT_SECRET(self) -> str:  # noqa: N802
        return settings.OIDC_RP_CLIENT_SECRET

    @property
    def OIDC_OP_TOKEN_ENDPOINT(self) -> str:  # noqa: N802
        return provider().token_endpoint

    @property
    def OIDC_OP_JWKS_ENDPOINT(self) -> str:  # noqa: N802
        return provider().jwks_uri

    def authenticate(self, request, nonce=None, code_verifier=None, **credentials):
        """The callback's sign-in (it alone passes a nonce); None for anything else, and
        when it is refused, with the reason noted on the request (``refuse``)."""
        if request is None or nonce is None or credentials or not settings.OIDC_ENABLED:
            return None
        try:
            return super().authenticate(request, nonce=nonce, code_verifier=code_verifier)
        except SuspiciousOperation as error:
            logger.warning("Sign-in with the council account refused: %s", error)
            refuse(request, Refusal.FAILED)
        except (requests.RequestException, ProviderUnavailable) as error:
            logger.error("Sign-in with the council account could not reach the provider: %s", error)
            refuse(request, Refusal.UNAVAILABLE)
        return None

    def get_user(self, user_id):
        """The signed-in account of a session this backend started, while it is active:
        an account deactivated in admin is signed out at its next request, as Django's
        own backend does (mozilla-django-oidc's does not check)."""
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None

    def verify_token(self, token, **kwargs) -> dict:
        """The ID token's claims once it is verified in full (see the module), or
        SuspiciousOperation saying what failed. ``nonce`` must be the one sent."""
        try:
            if jwt.get_unverified_header(token).get("alg") != ALGORITHM:
                raise SuspiciousOperation(f"The ID token is not signed with {ALGORITHM}.")
            key = self.retrieve_matching_jwk(token)
            claims = jwt.decode(
                token,
                key,
                algorithms=[ALGORITHM],
                audience=settings.OIDC_RP_CLIENT_ID,
                issuer=provider().issuer,
                leeway=settings.OIDC_CLOCK_SKEW_SECONDS,
                options={"require": REQUIRED_CLAIMS},
            )
        except (jwt.PyJWTError, KeyError, TypeError) as error:
            raise SuspiciousOperation(f"The ID token is refused: {error!r}") from error
        # The authorised party, when named, must be this product, whatever the audiences
        # (a token issued to another application is never a sign-in here); with several
        # audiences it must be named (OpenID Connect Core 3.1.3.7).
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if "azp" in claims and claims["azp"] != settings.OIDC_RP_CLIENT_ID:
            raise SuspiciousOperation("The ID token's azp is another application.")
        if len(audiences) > 1 and "azp" not in claims:
            raise SuspiciousOperation("The ID token names other audiences without azp.")
        if claims.get("nonce") != kwargs.get("nonce"):
            raise SuspiciousOperation("The ID token's nonce is not the one sent.")
        return claims

    def retrieve_matching_jwk(self, token) -> jwt.PyJWK:
        """The provider's RS256 signing key for ``token``, from its JWKS: the key with the
        token's ``kid``; a token without one only when the provider has one signing key
        (mozilla-django-oidc's own lookup fails on a token without ``kid``)."""
        response = requests.get(self.OIDC_OP_JWKS_ENDPOINT, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        kid = jwt.get_unverified_header(token).get("kid")
        keys = [
            key
            for key in response.json().get("keys", [])
            if key.get("kty") == "RSA"
            and key.get("use", "sig") == "sig"
            and key.get("alg", ALGORITHM) == ALGORITHM
            and (kid is None or key.get("kid") == kid)
        ]
        if len(keys) != 1:
            raise SuspiciousOperation(
                f"The provider's JWKS has {len(keys)} RS256 signing keys for kid {kid!r}, not one."
            )
        return jwt.PyJWK(keys[0], algorithm=ALGORITHM)

    def get_userinfo(self, access_token, id_token, payload) -> dict:
        """The verified ID token's claims: what the directory says is in them."""
        return payload

    def get_or_create_user(self, access_token, id_token, payload):
        """The account of the ID token's subject with its memberships made to match the
        directory's roles; None (refused, with the reason noted) when it has no account
        and none may be made, or when its roles map to none here. A new account is made
        only for someone the directory gives a role here, with its memberships, in one
        transaction: a refused newcomer leaves no account behind."""
        claim = settings.OIDC_SUBJECT_CLAIM
        subject = payload.get(claim)
        if not isinstance(subject, str) or not subject:
            refuse(self.request, Refusal.FAILED)
            raise SuspiciousOperation(f"The ID token has no {claim} claim.")
        issuer = provider().issuer
        claim_values = _claim_values(payload)
        with transaction.atomic():
            user = account_for(issuer=issuer, subject=subject)
            if user is None:
                if not settings.OIDC_CREATE_USERS:
                    refuse(self.request, Refusal.NO_ACCOUNT)
                    return None
                if not grants_for(claim_values):
                    refuse(self.request, Refusal.NO_ROLE)
                    return None
                user = create_account(issuer=issuer, subject=subject, claims=payload)
            if not user.is_active:
                refuse(self.request, Refusal.NO_ACCOUNT)
                return None
            update_names(user=user, claims=payload)
            if not apply_directory_roles(user=user, claim_values=claim_values):
                refuse(self.request, Refusal.NO_ROLE)
                return None
        return user


def _claim_values(payload: dict) -> list[str]:
    """The roles claim's values: a list of strings (one string is taken as a list)."""
    values = payload.get(settings.OIDC_ROLES_CLAIM) or []
    if isinstance(values, str):
        values = [values]
    return [value for value in values if isinstance(value, str)]
