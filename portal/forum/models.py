"""Working groups: the spaces in which delegations discuss between meetings."""

from flask_babel import get_locale

from portal.access import AccessLevel, acl_for
from portal.core.models import CreatedMixin, IdMixin
from portal.extensions import db


class WorkingGroup(IdMixin, CreatedMixin, db.Model):
    """A working group, sub-workstream or other standing space (reference data)."""

    __tablename__ = "working_groups"

    #: Short code used in document symbols and filters, for example `WGTR`.
    code = db.Column(db.String(32), nullable=False, unique=True)
    #: The name in each of the six languages: {"en": ..., "fr": ...}.
    names = db.Column(db.JSON, nullable=False)
    parent_id = db.Column(db.Integer, db.ForeignKey("working_groups.id"), index=True)
    position = db.Column(db.Integer, nullable=False, default=0)
    access_level = db.Column(
        db.Enum(*[level.value for level in AccessLevel], name="access_level", native_enum=False),
        nullable=False,
        default=AccessLevel.USERS.value,
    )
    #: The member group of a closed space (access level `group`).
    group_id = db.Column(db.Integer, db.ForeignKey("groups.id"))
    #: The principal a reader needs, derived from the access level (see portal.access).
    acl = db.Column(db.String(64), nullable=False, index=True)

    parent = db.relationship("WorkingGroup", remote_side="WorkingGroup.id", backref="children")

    def derive_acl(self):
        self.acl = acl_for(self.access_level, self.group_id)

    @property
    def display_name(self):
        language = str(get_locale() or "en")
        return self.names.get(language) or self.names["en"]
