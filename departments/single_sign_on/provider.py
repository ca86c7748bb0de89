"""The identity provider's endpoints, read once from its discovery document."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import requests
from django.conf import settings
from django.core.cache import cache


class ProviderUnavailable(Exception):
    """The discovery document could not be read, or does not describe OIDC_ISSUER."""


@dataclass(frozen=True)
class Provider:
    """What this product needs of an OpenID Connect provider's discovery document."""

    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str | None


# By issuer: read at the first sign-in of the process, not at start-up, so a provider
# that is away stops single sign-on only, never the product.
_known: dict[str, Provider] = {}

# A discovery that failed is remembered (in the cache every web process shares) for this
# long, in seconds: while the provider is down, each request to start a sign-in answers at
# once instead of holding one of the site's few workers for the whole timeout.
FAILURE_REMEMBERED_SECONDS = 60


def provider() -> Provider:
    """The provider OIDC_ISSUER names, from its discovery document
    (``{issuer}/.well-known/openid-configuration``).

    The document's own ``issuer`` must be OIDC_ISSUER exactly (OpenID Connect Discovery
    4.3): ID tokens are then checked against it. ProviderUnavailable otherwise, and for
    FAILURE_REMEMBERED_SECONDS after a failed read without asking again."""
    issuer = settings.OIDC_ISSUER
    if issuer not in _known:
        failure = cache.get(_failure_key(issuer))
        if failure is not None:
            raise ProviderUnavailable(failure)
        try:
            _known[issuer] = _discover(issuer)
        except ProviderUnavailable as error:
            cache.set(_failure_key(issuer), str(error), FAILURE_REMEMBERED_SECONDS)
            raise
    return _known[issuer]


def forget_providers() -> None:
    """Read the discovery document again at the next sign-in, even after a failure (tests;
    a changed issuer)."""
    _known.clear()
    cache.delete(_failure_key(settings.OIDC_ISSUER))


def _failure_key(issuer: str) -> str:
    return "single-sign-on:discovery-failed:" + hashlib.sha256(issuer.encode()).hexdigest()


def _discover(issuer: str) -> Provider:
    # OpenID Connect Discovery 4.1: the issuer's trailing "/" is left out of the address
    # only; the document's issuer is still compared with OIDC_ISSUER exactly.
    url = f"{issuer.removesuffix('/')}/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_DISCOVERY_TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(
            f"The discovery document at {url} could not be read: {error}"
        ) from error
    if document.get("issuer") != issuer:
        raise ProviderUnavailable(
            f"The discovery document at {url} names the issuer {document.get('issuer')!r}, "
            f"not OIDC_ISSUER {issuer!r}."
        )
    missing = [
        name
        for name in ("authorization_endpoint", "token_endpoint", "jwks_uri")
        if not document.get(name)
    ]
    if missing:
        raise ProviderUnavailable(f"The discovery document at {url} lacks {', '.join(missing)}.")
    return Provider(
        issuer=issuer,
        authorization_endpoint=document["authorization_endpoint"],
        token_endpoint=document["token_endpoint"],
        jwks_uri=document["jwks_uri"],
        end_session_endpoint=document.get("end_session_endpoint") or None,
    )
