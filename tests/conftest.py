"""Personas as fixtures (STYLE.md point 10): the people the product serves.

alice: officer of Housing; bob: officer of Finance; harriet: head of Housing;
sam: SMT member; pat: the partner's contract manager; audrey: an auditor; ada: admin.
"""

import pytest

from departments.roles import Role
from tests.factories import (
    CouncilFactory,
    DepartmentFactory,
    MembershipFactory,
    PartnershipFactory,
    UserFactory,
)

PASSWORD = "correct-horse-battery"


@pytest.fixture
def council(db):
    return CouncilFactory()


@pytest.fixture
def housing(council):
    return DepartmentFactory(council=council, name="Housing", code="housing")


@pytest.fixture
def finance(council):
    return DepartmentFactory(council=council, name="Finance", code="finance")


@pytest.fixture
def partnership(council):
    return PartnershipFactory(council=council, name="ICT Strategic Service Partnership")


def _member(username: str, role: str, **scope):
    user = UserFactory(username=username)
    MembershipFactory(user=user, role=role, **{"department": None, **scope})
    return user


@pytest.fixture
def alice(housing):
    return _member("alice", Role.OFFICER, department=housing)


@pytest.fixture
def bob(finance):
    return _member("bob", Role.OFFICER, department=finance)


@pytest.fixture
def harriet(housing):
    return _member("harriet", Role.HEAD, department=housing)


@pytest.fixture
def sam(council):
    return _member("sam", Role.SMT)


@pytest.fixture
def pat(partnership):
    return _member("pat", Role.PARTNER, partnership=partnership)


@pytest.fixture
def audrey(council):
    return _member("audrey", Role.AUDITOR)


@pytest.fixture
def ada(council):
    return _member("ada", Role.ADMIN)
