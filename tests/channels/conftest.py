"""Fixtures of the channel tests: two States that exchange in a bilateral channel, a third
State, an observer, a signatory and the Secretariat, with their points of contact."""

import pytest

from portal.channels import services
from portal.extensions import db


class World:
    """The people and delegations of a channel test, and ways to build channels between them."""

    def __init__(self, make):
        self.make = make
        self.state_a = make.delegation(kind="state_party", name="Republic A", short_name="RA")
        self.state_b = make.delegation(kind="signatory", name="Republic B", short_name="RB")
        self.state_c = make.delegation(kind="state_party", name="Republic C", short_name="RC")
        self.organisation = make.delegation(
            kind="international_organisation", name="Organisation O", short_name="OO"
        )
        self.contact_a = make.user(delegation=self.state_a, role="point_of_contact", name="Ana")
        self.member_a = make.user(delegation=self.state_a, name="Abel")
        self.bystander_a = make.user(delegation=self.state_a, name="Alma")
        self.contact_b = make.user(delegation=self.state_b, role="point_of_contact", name="Ben")
        self.member_b = make.user(delegation=self.state_b, name="Bo")
        self.contact_c = make.user(delegation=self.state_c, role="point_of_contact", name="Cy")
        self.member_c = make.user(delegation=self.state_c, name="Cleo")
        self.observer = make.user(delegation=self.organisation, role="point_of_contact")
        self.secretariat = make.secretariat(name="Sam")

    def proposed(self, admitted=False, kind="bilateral", invited=None, name="Route 7 case"):
        channel = services.propose_channel(
            self.contact_a,
            kind,
            name,
            "Exchange on the diversion detected at the border post.",
            [d.id for d in (invited or [self.state_b])],
            admitted,
        )
        db.session.commit()
        return channel

    def opened(self, admitted=False, **kwargs):
        """An open channel of A and B: A's point of contact and member, B's point of contact and
        member take part."""
        channel = self.proposed(admitted, **kwargs)
        services.approve_channel(channel, self.secretariat)
        services.respond(channel, self.contact_b, True)
        services.designate(channel, self.contact_a, self.member_a.id)
        services.designate(channel, self.contact_b, self.contact_b.id)
        services.designate(channel, self.contact_b, self.member_b.id)
        db.session.commit()
        assert channel.status == "open"
        return channel

    def other_channel(self):
        """An open channel of C and B only (C's people are members of another channel)."""
        channel = services.propose_channel(
            self.contact_c, "bilateral", "Other exchange", "", [self.state_b.id], False
        )
        services.approve_channel(channel, self.secretariat)
        services.respond(channel, self.contact_b, True)
        services.designate(channel, self.contact_c, self.member_c.id)
        db.session.commit()
        return channel

    def thread(self, channel, author=None, title="Seizure at the port", body="First **facts**."):
        thread, message = services.create_thread(channel, author or self.member_a, title, body)
        db.session.commit()
        return thread, message

    @property
    def members(self):
        return {
            "proposer": self.contact_a,
            "member": self.member_a,
            "invited contact": self.contact_b,
            "invited member": self.member_b,
        }

    @property
    def outsiders(self):
        """People who must get 404 on every content URL of a channel of A and B."""
        return {
            "same delegation, not designated": self.bystander_a,
            "member of another channel": self.member_c,
            "other State's contact": self.contact_c,
            "observer": self.observer,
            "secretariat not admitted": self.secretariat,
        }


@pytest.fixture
def world(make):
    return World(make)


@pytest.fixture
def as_user(app, sign_in):
    """A signed-in client of its own for `user`, the same one each time in a test (a second
    sign-in within 30 seconds could not reuse the time-based code of the Secretariat)."""
    clients = {}

    def client_of(user):
        if user.id not in clients:
            clients[user.id] = app.test_client()
            sign_in(user, http=clients[user.id])
        return clients[user.id]

    return client_of
