"""The Excel workbook carries each field's guidance and the annual report's FAQ as cell
comments, in the language of the person who downloads it, and the form's page shows the same
guidance."""

import io

import openpyxl
import pytest
from flask_babel import force_locale, gettext

from portal.extensions import db
from portal.reporting.formats import xlsx
from portal.reporting.formats.fields import LINE_KEYS
from portal.reporting.guidance import FAQ, LINE_GUIDANCE, REPORT_GUIDANCE
from tests.forum import conftest as forum_fixtures
from tests.reporting.builders import reporting_state

signed_in = forum_fixtures.signed_in
errors_are_shown = forum_fixtures.errors_are_shown

LANGUAGES = ("en", "ar", "es", "fr", "ru", "zh")


def workbook(language):
    with force_locale(language):
        return openpyxl.load_workbook(io.BytesIO(xlsx.template("FRA", 2025)))


def faq(question_start):
    return next(entry for entry in FAQ if entry.source_question.startswith(question_start))


def setting_label(book, field):
    sheet = book["Report"]
    row = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == field)
    return row[1]


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_column_of_the_tables_has_its_guidance_and_answers_in_the_language(app, language):
    book = workbook(language)
    with app.test_request_context(), force_locale(language):
        partner = {
            "exports": str(LINE_GUIDANCE["partner_exports"]),
            "imports": str(LINE_GUIDANCE["partner_imports"]),
        }
        basis_answer = faq("Should we report").answer
        partner_question = faq("Which State is the partner").question
        category_guidance = str(LINE_GUIDANCE["category"])
    for table in ("exports", "imports"):
        header = book[xlsx.SHEETS[table]][1]
        comments = {key: item.comment for key, item in zip(LINE_KEYS, header)}
        assert all(comments.values()), [key for key, note in comments.items() if not note]
        assert comments["category"].text.startswith(category_guidance)
        assert basis_answer in comments["basis"].text
        assert comments["partner"].text.startswith(partner[table])
        assert partner_question in comments["partner"].text


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_settings_carry_their_guidance_and_answers_in_the_language(app, language):
    book = workbook(language)
    with app.test_request_context(), force_locale(language):
        expected = {
            "year": faq("When is the annual report due").answer,
            "exports_nil": str(REPORT_GUIDANCE["nil"]),
            "imports_nil": faq("What if our State had no").question,
            "withheld": str(REPORT_GUIDANCE["withheld"]),
            "public": str(REPORT_GUIDANCE["audience"]),
            "forward_to_un_register": faq("Who reads our report").answer,
            "national_definitions": str(REPORT_GUIDANCE["national_definitions"]),
        }
    for field, text in expected.items():
        comment = setting_label(book, field).comment
        assert comment is not None, field
        assert text in comment.text, field
    # Fields the portal fills need no explanation.
    assert setting_label(book, "format").comment is None


@pytest.mark.parametrize("language", ("ar", "es", "fr", "ru", "zh"))
def test_the_comments_are_translated(app, language):
    english = workbook("en")["Exports"]["A1"].comment.text
    translated = workbook(language)["Exports"]["A1"].comment.text
    assert translated != english
    with app.test_request_context(), force_locale(language):
        question = gettext("Under which category is a transfer reported?")
    assert question != "Under which category is a transfer reported?"
    assert question in translated


def test_the_downloaded_template_speaks_the_readers_language(make, signed_in):
    france, contact, _ = reporting_state(make)
    contact.language = "fr"
    db.session.commit()
    response = signed_in(contact).get("/reporting/annual/template.xlsx?year=2024")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.data))
    comment = book["Imports"]["G1"].comment
    assert "L'État exportateur." in comment.text
    assert "Quel État est le partenaire d'un transfert ?" in comment.text
    assert comment.author == "Secrétariat du TCA"
