"""Delegations, the users who belong to them, named groups, and access requests."""

import enum
import json
from functools import lru_cache
from pathlib import Path

import pycountry
from babel import Locale
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import validates

from portal.core.models import CreatedMixin, IdMixin
from portal.extensions import db

#: Names of States in the six languages where CLDR's territory name is not the name the
#: United Nations uses for the State (CLDR calls PSE "Palestinian Territories").
STATE_NAMES = json.loads(
    (Path(__file__).parent / "data" / "state_names.json").read_text(encoding="utf-8")
)


@lru_cache(maxsize=4096)
def state_name(iso3, language):
    """The name of the State `iso3` in `language`, or None for a code CLDR does not know."""
    if iso3 in STATE_NAMES:
        return STATE_NAMES[iso3].get(language) or STATE_NAMES[iso3]["en"]
    country = pycountry.countries.get(alpha_3=iso3)
    if country is None:
        return None
    return Locale.parse(language).territories.get(country.alpha_2)


class DelegationKind(enum.Enum):
    STATE_PARTY = "state_party"
    SIGNATORY = "signatory"
    OBSERVER_STATE = "observer_state"
    INTERNATIONAL_ORGANISATION = "international_organisation"
    REGIONAL_ORGANISATION = "regional_organisation"
    CIVIL_SOCIETY = "civil_society"
    INDUSTRY = "industry"
    SECRETARIAT = "secretariat"

    @property
    def label(self):
        return DELEGATION_KIND_LABELS[self]

    @property
    def is_state(self):
        return self in (self.STATE_PARTY, self.SIGNATORY, self.OBSERVER_STATE)


DELEGATION_KIND_LABELS = {
    DelegationKind.STATE_PARTY: _l("State Party"),
    DelegationKind.SIGNATORY: _l("Signatory State"),
    DelegationKind.OBSERVER_STATE: _l("Observer State"),
    DelegationKind.INTERNATIONAL_ORGANISATION: _l("International organisation"),
    DelegationKind.REGIONAL_ORGANISATION: _l("Regional organisation"),
    DelegationKind.CIVIL_SOCIETY: _l("Civil society"),
    DelegationKind.INDUSTRY: _l("Industry"),
    DelegationKind.SECRETARIAT: _l("ATT Secretariat"),
}


class RegionalGroup(enum.Enum):
    """The five UN regional groups."""

    AFRICAN = "african"
    ASIA_PACIFIC = "asia_pacific"
    EASTERN_EUROPEAN = "eastern_european"
    LATIN_AMERICAN_CARIBBEAN = "latin_american_caribbean"
    WEOG = "weog"

    @property
    def label(self):
        return REGIONAL_GROUP_LABELS[self]


REGIONAL_GROUP_LABELS = {
    RegionalGroup.AFRICAN: _l("African Group"),
    RegionalGroup.ASIA_PACIFIC: _l("Asia-Pacific Group"),
    RegionalGroup.EASTERN_EUROPEAN: _l("Eastern European Group"),
    RegionalGroup.LATIN_AMERICAN_CARIBBEAN: _l("Latin American and Caribbean Group"),
    RegionalGroup.WEOG: _l("Western European and Others Group"),
}


class Role(enum.Enum):
    MEMBER = "member"
    POINT_OF_CONTACT = "point_of_contact"

    @property
    def label(self):
        return {Role.MEMBER: _l("Member"), Role.POINT_OF_CONTACT: _l("National point of contact")}[
            self
        ]


class UserStatus(enum.Enum):
    PENDING = "pending"
    ACTIVE = "active"
    SUSPENDED = "suspended"

    @property
    def label(self):
        return {
            UserStatus.PENDING: _l("Pending"),
            UserStatus.ACTIVE: _l("Active"),
            UserStatus.SUSPENDED: _l("Suspended"),
        }[self]


def enum_values(enum_class):
    return [member.value for member in enum_class]


class Delegation(IdMixin, CreatedMixin, db.Model):
    __tablename__ = "delegations"

    #: English name; for States the page shows the CLDR name in the reader's language.
    name = db.Column(db.String(200), nullable=False, unique=True)
    short_name = db.Column(db.String(64), nullable=False)
    #: ISO 3166-1 alpha-3 code, for States only.
    iso3 = db.Column(db.String(3), unique=True)
    kind = db.Column(
        db.Enum(*enum_values(DelegationKind), name="delegation_kind", native_enum=False),
        nullable=False,
        index=True,
    )
    regional_group = db.Column(
        db.Enum(*enum_values(RegionalGroup), name="regional_group", native_enum=False)
    )
    #: The date the treaty entered into force for this State (States Parties only).
    entry_into_force = db.Column(db.Date)
    #: Loaded by `flask portal demo-data`; shown as such so nobody mistakes it for the record.
    is_demo = db.Column(db.Boolean, nullable=False, default=False)

    users = db.relationship("User", back_populates="delegation", lazy="dynamic")

    @property
    def kind_enum(self):
        return DelegationKind(self.kind)

    @property
    def regional_group_enum(self):
        return RegionalGroup(self.regional_group) if self.regional_group else None

    @property
    def display_name(self):
        """The delegation's name in the reader's language (CLDR names for States, unless the
        United Nations names the State otherwise)."""
        if not self.iso3:
            return self.name
        return state_name(self.iso3, str(get_locale() or "en")) or self.name

    def __repr__(self):
        return f"<Delegation {self.short_name}>"


class User(UserMixin, IdMixin, CreatedMixin, db.Model):
    __tablename__ = "users"

    #: Stored in lower case, so that uniqueness ignores case.
    email = db.Column(db.String(254), nullable=False, unique=True)
    name = db.Column(db.String(200), nullable=False)
    #: The person's function in their delegation, as they gave it.
    function = db.Column(db.String(200), nullable=False, default="")
    delegation_id = db.Column(
        db.Integer, db.ForeignKey("delegations.id"), nullable=False, index=True
    )
    role = db.Column(
        db.Enum(*enum_values(Role), name="user_role", native_enum=False),
        nullable=False,
        default=Role.MEMBER.value,
    )
    language = db.Column(db.String(8), nullable=False, default="en")
    status = db.Column(
        db.Enum(*enum_values(UserStatus), name="user_status", native_enum=False),
        nullable=False,
        default=UserStatus.PENDING.value,
        index=True,
    )
    #: Argon2id hash; empty until the person sets a password from their approval email.
    password_hash = db.Column(db.String(255))
    password_changed_at = db.Column(db.DateTime)
    #: Base32 TOTP secret; set only once the person has confirmed a code from it.
    totp_secret = db.Column(db.String(64))
    #: The last TOTP time step accepted, so that a code cannot be used twice.
    totp_last_step = db.Column(db.BigInteger)
    #: When the person first signed in without a second factor while holding a role that needs
    #: one (a channel, a reporting role); their grace period to set one up runs from then.
    second_factor_asked_at = db.Column(db.DateTime)
    last_sign_in_at = db.Column(db.DateTime)

    delegation = db.relationship("Delegation", back_populates="users", lazy="joined")
    group_memberships = db.relationship(
        "GroupMembership", back_populates="user", cascade="all, delete-orphan"
    )

    @validates("email")
    def normalise_email(self, key, value):
        """Emails are unique ignoring case: they are stored in lower case, whoever writes them."""
        return value.strip().lower()

    @property
    def is_active(self):
        return self.status == UserStatus.ACTIVE.value

    @property
    def is_suspended(self):
        return self.status == UserStatus.SUSPENDED.value

    @property
    def has_second_factor(self):
        return self.totp_secret is not None

    @property
    def is_point_of_contact(self):
        return self.role == Role.POINT_OF_CONTACT.value

    @property
    def is_secretariat(self):
        return self.delegation.kind == DelegationKind.SECRETARIAT.value

    @property
    def role_enum(self):
        return Role(self.role)

    @property
    def status_enum(self):
        return UserStatus(self.status)

    def __repr__(self):
        return f"<User {self.email}>"


class Group(IdMixin, CreatedMixin, db.Model):
    """A named group of users; an item at the group access level is read by its members only."""

    __tablename__ = "groups"

    name = db.Column(db.String(200), nullable=False, unique=True)
    description = db.Column(db.Text, nullable=False, default="")

    memberships = db.relationship(
        "GroupMembership", back_populates="group", cascade="all, delete-orphan"
    )


class GroupMembership(CreatedMixin, db.Model):
    __tablename__ = "group_memberships"

    group_id = db.Column(db.Integer, db.ForeignKey("groups.id"), primary_key=True)
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"), primary_key=True)

    group = db.relationship("Group", back_populates="memberships")
    user = db.relationship("User", back_populates="group_memberships")


class RequestStatus(enum.Enum):
    UNCONFIRMED = "unconfirmed"
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"

    @property
    def label(self):
        return {
            RequestStatus.UNCONFIRMED: _l("Email not yet confirmed"),
            RequestStatus.PENDING: _l("Awaiting decision"),
            RequestStatus.APPROVED: _l("Approved"),
            RequestStatus.REJECTED: _l("Rejected"),
        }[self]


class AccessRequest(IdMixin, CreatedMixin, db.Model):
    """A person's request for an account, decided by the Secretariat or their point of contact."""

    __tablename__ = "access_requests"

    name = db.Column(db.String(200), nullable=False)
    email = db.Column(db.String(254), nullable=False, index=True)
    delegation_id = db.Column(
        db.Integer, db.ForeignKey("delegations.id"), nullable=False, index=True
    )
    function = db.Column(db.String(200), nullable=False)
    reason = db.Column(db.Text, nullable=False)
    #: The language the person used; their emails are written in it.
    language = db.Column(db.String(8), nullable=False, default="en")
    status = db.Column(
        db.Enum(*enum_values(RequestStatus), name="request_status", native_enum=False),
        nullable=False,
        default=RequestStatus.UNCONFIRMED.value,
        index=True,
    )
    confirmed_at = db.Column(db.DateTime)
    decided_at = db.Column(db.DateTime)
    decided_by_id = db.Column(db.Integer, db.ForeignKey("users.id"))
    #: Given by the decider; sent to the person on rejection.
    decision_reason = db.Column(db.Text, nullable=False, default="")
    #: The account created on approval.
    user_id = db.Column(db.Integer, db.ForeignKey("users.id"))

    delegation = db.relationship("Delegation", lazy="joined")
    decided_by = db.relationship("User", foreign_keys=[decided_by_id])
    user = db.relationship("User", foreign_keys=[user_id])

    @property
    def status_enum(self):
        return RequestStatus(self.status)

    @property
    def is_pending(self):
        return self.status == RequestStatus.PENDING.value
