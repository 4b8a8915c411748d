"""factory_boy factories for the portal's models, saved through the app's session."""

import factory
import pyotp
from factory.alchemy import SQLAlchemyModelFactory

from portal.accounts.models import (
    AccessRequest,
    Delegation,
    Group,
    GroupMembership,
    User,
)
from portal.auth.passwords import hash_password
from portal.extensions import db

PASSWORD = "orchid lantern quietly harbour"
_PASSWORD_HASH = None


def password_hash():
    """One Argon2 hash of the shared test password, computed once (hashing is slow by design)."""
    global _PASSWORD_HASH
    if _PASSWORD_HASH is None:
        _PASSWORD_HASH = hash_password(PASSWORD)
    return _PASSWORD_HASH


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class DelegationFactory(Base):
    class Meta:
        model = Delegation

    name = factory.Sequence(lambda n: f"Delegation {n}")
    short_name = factory.Sequence(lambda n: f"D{n}")
    kind = "state_party"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Sequence(lambda n: f"User {n}")
    function = "Delegate"
    delegation = factory.SubFactory(DelegationFactory)
    role = "member"
    status = "active"
    language = "en"
    password_hash = factory.LazyFunction(password_hash)

    class Params:
        with_totp = factory.Trait(totp_secret=factory.LazyFunction(pyotp.random_base32))


class AccessRequestFactory(Base):
    class Meta:
        model = AccessRequest

    name = factory.Sequence(lambda n: f"Applicant {n}")
    email = factory.Sequence(lambda n: f"applicant{n}@example.org")
    delegation = factory.SubFactory(DelegationFactory)
    function = "Desk officer"
    reason = "Preparing the working group meeting."
    language = "en"
    status = "pending"


class GroupFactory(Base):
    class Meta:
        model = Group

    name = factory.Sequence(lambda n: f"Group {n}")


def delegation(**kwargs):
    return DelegationFactory(**kwargs)


def secretariat(**kwargs):
    """A Secretariat account (with its second factor set up, as the portal requires)."""
    office = db.session.query(Delegation).filter_by(kind="secretariat").first()
    office = office or DelegationFactory(
        name="ATT Secretariat", short_name="ATTS", kind="secretariat"
    )
    return UserFactory(delegation=office, with_totp=True, **kwargs)


def user(**kwargs):
    return UserFactory(**kwargs)


def access_request(**kwargs):
    return AccessRequestFactory(**kwargs)


def group(members=(), **kwargs):
    created = GroupFactory(**kwargs)
    for member in members:
        db.session.add(GroupMembership(group=created, user=member))
    db.session.commit()
    return created
