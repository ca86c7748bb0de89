"""Token authentication for the API: ``Authorization: Token <key>``, as the token's user.

The request then runs with exactly the user's scope and permissions; ``request.auth``
is the ApiToken, which the per-token throttle counts by.
"""

from __future__ import annotations

from rest_framework import authentication, exceptions

from departments.tokens.services import token_for_key


class ApiTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"

    def authenticate_credentials(self, key: str):
        token = token_for_key(key)
        if token is None:
            # One message for unknown, revoked and inactive alike: it tells an attacker
            # nothing about which keys exist.
            raise exceptions.AuthenticationFailed("Invalid, revoked or expired token.")
        return token.user, token
