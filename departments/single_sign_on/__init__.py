"""Signing in with the council's account: OpenID Connect through mozilla-django-oidc.

``provider`` reads the issuer's discovery document, ``backend`` verifies the ID token and
finds the account by its subject, ``directory`` turns the roles claim into memberships,
``views`` are the sign-in, callback, refusal and sign-out pages. Off unless OIDC_ISSUER
is set (config/settings.py).
"""
