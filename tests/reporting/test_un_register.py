"""Annual reports in the UN Register's categories: each line mapped by hand-worked values,
unmapped lines listed with their reason, the download of one report for its delegation and the
Secretariat, and the Secretariat's file of a year with the reports whose States authorised
forwarding (their latest versions only)."""

import csv
import io

import pytest

from portal.extensions import db
from portal.reporting import services
from portal.reporting.un_register import COLUMNS, MAPPING, register_lines
from tests.forum import conftest as forum_fixtures
from tests.reporting.builders import TODAY, annual, line, reporting_state, submitted

signed_in = forum_fixtures.signed_in
errors_are_shown = forum_fixtures.errors_are_shown


def french_report(**values):
    return annual(
        "FRA",
        2025,
        exports=[
            line(category="II", partner="DEU", items=4, description="VBCI"),
            line(category="IV", subcategory="IV.b", partner="ITA", items=2, origin="USA"),
            line(category="IV", subcategory="", partner="BEL", items=1),
            line(category="VIII.SA", subcategory="SA.4", partner="SEN", items=250),
            line(category="I", partner="ESP", items=None, value="900000.00"),
        ],
        imports=[line(category="VIII.LW", subcategory="LW.6", partner="BEL", items=12)],
        **({"forward_to_un_register": True} | values),
    )


#: The hand-worked Register lines of `french_report`: (table, line, category, sub-category,
#: partner, items, origin, reason it does not map).
EXPECTED = [
    ("exports", 1, "II", "", "DEU", 4, "", ""),
    ("exports", 2, "IV", "b", "ITA", 2, "USA", ""),
    ("exports", 3, "", "", "BEL", 1, "", "no category"),
    ("exports", 4, "SALW", "Small arms 4", "SEN", 250, "", ""),
    ("exports", 5, "I", "", "ESP", None, "", "no items"),
    ("imports", 1, "SALW", "Light weapons 6", "BEL", 12, "", ""),
]


def reason_of(text):
    if not text:
        return ""
    return "no items" if "counts items" in text else "no category"


def test_each_line_maps_to_the_hand_worked_register_line(app):
    with app.test_request_context():
        lines = register_lines(french_report())
    assert [
        (
            item.table,
            item.line,
            item.register_category,
            item.register_subcategory,
            item.partner,
            item.items,
            item.origin,
            reason_of(item.not_mapped_because),
        )
        for item in lines
    ] == EXPECTED
    assert lines[0].description == "VBCI"
    assert [item.is_mapped for item in lines] == [True, True, False, True, False, True]


def test_the_mapping_covers_every_sub_category_the_portal_holds():
    from portal.reporting import categories

    for category in categories.CATEGORIES:
        for sub in category.subcategories:
            assert (category.code, sub.code) in MAPPING, sub.code
    registered = {register for register, _ in MAPPING.values()}
    assert registered == {"I", "II", "III", "IV", "V", "VI", "VII", "SALW"}


def read(response):
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_the_delegation_and_the_secretariat_download_a_forwarded_report(make, signed_in):
    france, contact, member = reporting_state(make)
    version = submitted(france, contact, french_report())
    url = f"/reporting/versions/{version.id}/un-register.csv"
    response = signed_in(member).get(url)
    assert response.status_code == 200
    assert "ATT-AR-2025-FRA-1-un-register.csv" in response.headers["Content-Disposition"]
    rows = read(response)
    assert rows[0] == list(COLUMNS)
    assert len(rows) == 1 + len(EXPECTED)
    assert rows[3][COLUMNS.index("not_mapped_because")].startswith("The UN Register has no")
    assert rows[4][:8] == ["FRA", "2025", "exports", "4", "SALW", "Small arms 4", "SEN", "250"]
    assert signed_in(make.secretariat()).get(url).status_code == 200
    other = reporting_state(make, iso3="DEU")[1]
    assert signed_in(other).get(url).status_code == 403


def test_a_report_not_authorised_for_forwarding_has_no_register_file(make, signed_in, client):
    france, contact, _ = reporting_state(make)
    version = submitted(france, contact, french_report(forward_to_un_register=False))
    url = f"/reporting/versions/{version.id}/un-register.csv"
    assert signed_in(contact).get(url).status_code == 404
    assert signed_in(make.secretariat()).get(url).status_code == 404
    assert client.get(url).status_code in (302, 404)  # anonymous: to the sign-in page


def test_the_secretariat_gets_every_forwarded_report_of_a_year(make, signed_in):
    france, french_contact, _ = reporting_state(make)
    germany, german_contact, _ = reporting_state(make, iso3="DEU")
    italy, italian_contact, _ = reporting_state(make, iso3="ITA")
    submitted(france, french_contact, french_report())
    german = annual(
        "DEU", 2025, exports=[line(partner="FRA", items=7)], forward_to_un_register=True
    )
    first = submitted(germany, german_contact, german)
    submitted(italy, italian_contact, annual("ITA", 2025, exports=[line(partner="FRA")]))
    # Germany's amendment withdraws the authorisation: its latest version decides.
    amendment = services.amend(first.report, german_contact)
    services.save_draft(amendment, german | {"forward_to_un_register": False}, german_contact)
    services.submit(amendment, german_contact, TODAY)
    db.session.commit()

    secretariat = signed_in(make.secretariat())
    rows = read(secretariat.get("/reporting/un-register/2025.csv"))
    assert [row[0] for row in rows[1:]] == ["FRA"] * len(EXPECTED)
    assert read(secretariat.get("/reporting/un-register/2024.csv")) == [list(COLUMNS)]
    assert secretariat.get("/reporting/un-register/1990.csv").status_code == 404
    assert signed_in(french_contact).get("/reporting/un-register/2025.csv").status_code == 403


@pytest.mark.parametrize("year", ["x", "-1"])
def test_a_year_that_is_not_a_number_is_not_found(make, signed_in, year):
    response = signed_in(make.secretariat()).get(f"/reporting/un-register/{year}.csv")
    assert response.status_code == 404
