"""Several first sign-ins of one subject at the same moment (tabs, a double click): each
finds no account and tries to make it; one does, the others read the winner's account
(departments.single_sign_on.accounts.create_account) rather than failing with a server
error. On PostgreSQL, in real threads with their own connections (tests/races.py)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction

from departments.models import SingleSignOnIdentity
from departments.single_sign_on.accounts import account_for, create_account
from tests.races import at_once, race_ready  # noqa: F401 (fixture)

ISSUER = "https://login.example.net/council/v2.0"
CLAIMS = {"preferred_username": "olive.okafor@council.example", "given_name": "Olive"}


def first_sign_in():
    # As the backend does: look the subject up, then make the account, in one transaction.
    with transaction.atomic():
        found = account_for(issuer=ISSUER, subject="olive")
        return found or create_account(issuer=ISSUER, subject="olive", claims=CLAIMS)


@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("race_ready")
def test_simultaneous_first_sign_ins_of_one_subject_share_one_account():
    results = at_once([first_sign_in] * 10)

    assert [type(result).__name__ for result in results] == ["User"] * 10
    assert len({result.pk for result in results}) == 1
    assert SingleSignOnIdentity.objects.filter(subject="olive").count() == 1
    assert get_user_model().objects.filter(first_name="Olive").count() == 1
