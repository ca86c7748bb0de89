"""A new council account's sign-in name never clashes with an existing account's."""

from __future__ import annotations

import pytest

from departments.single_sign_on.accounts import _free_username
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_a_name_taken_twice_over_gets_a_number_as_well():
    claims = {"preferred_username": "olive@council.example"}
    assert _free_username(claims, "subject-1") == "olive@council.example"

    UserFactory(username="olive@council.example")
    assert _free_username(claims, "subject-1") == "olive@council.example-subject-1"

    UserFactory(username="olive@council.example-subject-1")
    assert _free_username(claims, "subject-1") == "olive@council.example-subject-1-2"
