"""A real OpenID Connect provider for the tests: oidc-provider-mock run as its own
process on a free loopback port, and the settings that point the product at it.

The provider signs RS256 ID tokens with a key of its own, publishes its discovery
document, JWKS and end_session_endpoint, and issues an authorisation code for whatever
subject its authorisation page is given; the claims of a subject (roles, names) are set
beforehand through its ``PUT /users/{sub}``.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from dataclasses import dataclass

import requests

CLIENT_ID = "governance-dashboard"
CLIENT_SECRET = "test-client-secret"


@dataclass
class RunningProvider:
    """The provider's address (its issuer) and how a test gives a subject its claims."""

    issuer: str

    def set_claims(self, subject: str, claims: dict) -> None:
        """The claims the provider puts in ``subject``'s ID token from now on."""
        response = requests.put(f"{self.issuer}/users/{subject}", json=claims, timeout=10)
        assert response.status_code == 204, response.text

    def authorize(self, authorization_url: str, subject: str) -> str:
        """Answer the authorisation page as ``subject`` would (its form posts the subject
        back to the same address); returns where the provider sends the browser next."""
        response = requests.post(
            authorization_url, data={"sub": subject}, allow_redirects=False, timeout=10
        )
        assert response.status_code == 302, response.text
        return response.headers["Location"]


def free_loopback_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_provider(timeout: float = 30.0) -> tuple[subprocess.Popen, RunningProvider]:
    """Start the provider and wait until its discovery document answers."""
    port = free_loopback_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    issuer = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The OpenID Connect provider stopped: {process.stderr.read()}")
        try:
            answer = requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
            if answer.ok and answer.json()["issuer"] == issuer:
                return process, RunningProvider(issuer)
        except requests.RequestException:
            pass
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"The OpenID Connect provider did not answer at {issuer} in {timeout} s")


def stop_provider(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def use_provider(settings, issuer: str, **more) -> None:
    """Point the product's single sign-on at ``issuer`` (the ``settings`` fixture undoes
    it after the test), with the Content-Security-Policy that production would have."""
    from config.settings import allow_sign_out_at
    from departments.single_sign_on.provider import forget_providers

    settings.OIDC_ISSUER = issuer
    settings.OIDC_ENABLED = True
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.CONTENT_SECURITY_POLICY = allow_sign_out_at(settings.CONTENT_SECURITY_POLICY, issuer)
    for name, value in more.items():
        setattr(settings, name, value)
    forget_providers()
