"""Demo channels, read from `data/demo_channels.json`, loaded by `flask portal demo-data` after
the demo accounts (portal/cli.py DEMO_ACCOUNTS).

Among the demo accounts only Mexico is a State Party with a point of contact: Thailand is a
signatory and has no point of contact who could accept an invitation or designate its delegate.
So the demo channel is a regional one, which may open with one member delegation: Mexico's point
of contact proposes it, the Secretariat approves it (it opens), Mexico's point of contact
designates its delegate and invites one more State Party of the region, which has no demo user
and so leaves the invitation waiting; the Secretariat is not admitted to the content. Everything
is written through the services, as the pages would, so that the acl, the audit log, the events
and the search index jobs are those of real use.
"""

import json
from pathlib import Path

from sqlalchemy import select

from portal.accounts.models import Delegation, User
from portal.channels import services
from portal.channels.models import Channel
from portal.extensions import db

DEMO_CHANNELS_FILE = Path(__file__).parent / "data" / "demo_channels.json"
#: The Secretariat's demo account, which approves the proposals.
SECRETARIAT_EMAIL = "secretariat@demo.att-portal.invalid"


def account(email):
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        raise LookupError(f"The demo account {email} is missing: load the demo accounts first.")
    return user


def load_demo_channels():
    """Create the demo channels not yet present (by name); returns how many were created."""
    entries = json.loads(DEMO_CHANNELS_FILE.read_text(encoding="utf-8"))
    officer = account(SECRETARIAT_EMAIL)
    created = 0
    for entry in entries:
        if db.session.scalar(select(Channel.id).where(Channel.name == entry["name"])):
            continue
        contact = account(entry["proposed_by"])
        channel = services.propose_channel(
            contact,
            entry["kind"],
            entry["name"],
            entry["purpose"],
            [],
            entry["secretariat_admitted"],
        )
        services.approve_channel(channel, officer)
        for email in entry["participants"]:
            services.designate(channel, contact, account(email).id)
        invited = db.session.scalars(
            select(Delegation.id).where(Delegation.short_name.in_(entry["invite"]))
        ).all()
        services.invite_delegations(channel, contact, invited)
        messages = entry["thread"]["messages"]
        thread, _first = services.create_thread(
            channel,
            account(messages[0]["author"]),
            entry["thread"]["title"],
            messages[0]["body"],
        )
        for message in messages[1:]:
            services.post_message(thread, account(message["author"]), message["body"])
        created += 1
    db.session.flush()
    return created
