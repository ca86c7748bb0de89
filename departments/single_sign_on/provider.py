"""The identity provider's endpoints, read once from its discovery document."""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.conf import settings


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


def provider() -> Provider:
    """The provider OIDC_ISSUER names, from ``{issuer}/.well-known/openid-configuration``.

    The document's own ``issuer`` must be OIDC_ISSUER exactly (OpenID Connect Discovery
    4.3): ID tokens are then checked against it. ProviderUnavailable otherwise."""
    issuer = settings.OIDC_ISSUER
    if issuer not in _known:
        _known[issuer] = _discover(issuer)
    return _known[issuer]


def forget_providers() -> None:
    """Read the discovery document again at the next sign-in (tests; a changed issuer)."""
    _known.clear()


def _discover(issuer: str) -> Provider:
    url = f"{issuer}/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
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
