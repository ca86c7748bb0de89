"""Signing in with the council's account: OpenID Connect through mozilla-django-oidc.

``provider`` reads the issuer's discovery document, ``backend`` verifies the ID token and
finds the account by its subject, ``directory`` turns the roles claim into memberships,
``views`` are the sign-in, callback, refusal and sign-out pages, ``passwords`` decides who
may still sign in with a password. Off unless OIDC_ISSUER is set (config/settings.py).
"""
