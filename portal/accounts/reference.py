"""Reference data of delegations, read from the CSV files in `data/`.

States come with their ISO code, treaty status, UN regional group and entry-into-force date;
their names in six languages come from CLDR (Babel), not from the file.
"""

import csv
from datetime import date
from pathlib import Path

import pycountry
from babel import Locale
from sqlalchemy import select

from portal.accounts.models import Delegation
from portal.extensions import db

DATA_DIR = Path(__file__).parent / "data"


def read_csv(name):
    with open(DATA_DIR / name, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def english_country_name(iso3):
    country = pycountry.countries.get(alpha_3=iso3)
    return Locale("en").territories.get(country.alpha_2, country.name)


def load_delegations():
    """Insert the States and organisations not yet present; returns how many were added."""
    present = {row.short_name for row in db.session.scalars(select(Delegation))}
    added = 0
    for row in read_csv("states.csv"):
        if row["iso3"] in present:
            continue
        db.session.add(
            Delegation(
                name=english_country_name(row["iso3"]),
                short_name=row["iso3"],
                iso3=row["iso3"],
                kind=row["status"],
                regional_group=row["regional_group"],
                entry_into_force=date.fromisoformat(row["entry_into_force"])
                if row["entry_into_force"]
                else None,
                is_demo=True,
            )
        )
        added += 1
    for row in read_csv("organisations.csv"):
        if row["short_name"] in present:
            continue
        db.session.add(
            Delegation(
                name=row["name"], short_name=row["short_name"], kind=row["kind"], is_demo=True
            )
        )
        added += 1
    return added
