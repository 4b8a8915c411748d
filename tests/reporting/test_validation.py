"""Each rule of the validation of annual and initial reports, with the place it names."""

from types import SimpleNamespace

import pytest

from portal.reporting.validation import (
    has_errors,
    normalise_items,
    normalise_value,
    validate_annual,
    validate_initial,
)
from tests.reporting.builders import TODAY, annual, initial, line

FRANCE = SimpleNamespace(iso3="FRA")


def problems(content, today=TODAY):
    return [
        (p.severity, p.table, p.index, p.field) for p in validate_annual(content, FRANCE, today)
    ]


def messages(content):
    return [str(p.message) for p in validate_annual(content, FRANCE, TODAY)]


def test_a_correct_report_has_no_problem(app):
    content = annual(exports=[line(), line(category="IV", subcategory="IV.b", partner="USA")])
    assert validate_annual(content, FRANCE, TODAY) == []


@pytest.mark.parametrize(
    "changes, field, expected",
    [
        ({"category": "IX"}, "category", "Unknown category: IX."),
        ({"category": ""}, "category", "Choose a category."),
        ({"category": "IV", "subcategory": "V.a"}, "subcategory", "V.a is not a sub-category"),
        ({"partner": "XYZ"}, "partner", "XYZ is not the ISO code of a State."),
        ({"partner": ""}, "partner", "Choose the final importing State."),
        ({"partner": "FRA"}, "partner", "Your own State cannot be the partner"),
        ({"origin": "QQQ"}, "origin", "QQQ is not the ISO code"),
        ({"intermediate": "de"}, "intermediate", "de is not the ISO code"),
        ({"items": -3}, "items", "cannot be negative"),
        ({"items": "2.5"}, "items", "must be a whole number"),
        ({"items": True}, "items", "must be a whole number"),
        ({"items": None, "value": None, "currency": ""}, "items", "Give the number of items"),
        ({"value": "-5.00"}, "value", "The value cannot be negative."),
        ({"value": "12.345"}, "value", "at most two decimals"),
        ({"value": "lots"}, "value", "at most two decimals"),
        ({"currency": ""}, "currency", "Choose the currency of the value."),
        ({"currency": "XXY"}, "currency", "Unknown currency: XXY."),
        ({"value": None}, "currency", "A currency is given without a value"),
        ({"basis": "promised"}, "basis", "authorised or actual"),
        ({"description": "x" * 1001}, "description", "At most 1000 characters."),
    ],
)
def test_each_line_rule_names_the_line_and_field(app, changes, field, expected):
    content = annual(exports=[line(), line(**({"partner": "USA"} | changes))])
    found = validate_annual(content, FRANCE, TODAY)
    assert [(p.severity, p.table, p.index, p.field) for p in found] == [
        ("error", "exports", 1, field)
    ]
    assert expected in str(found[0].message)


def test_the_partner_of_an_import_is_the_exporting_state(app):
    content = annual(exports=[line()], imports=[line(partner="")])
    assert "Choose the exporting State." in messages(content)


def test_duplicate_lines_are_refused_at_the_later_line(app):
    content = annual(
        exports=[
            line(description="Model A"),
            line(description="model  a ", items=9),  # same transfer, other numbers
            line(description="Model B"),
            line(description="Model A", basis="authorised"),  # another basis: another line
        ]
    )
    assert problems(content) == [("error", "exports", 1, "description")]
    assert "repeats line 1" in messages(content)[0]


def test_lines_in_two_tables_are_not_duplicates(app):
    content = annual(exports=[line()], imports=[line()])
    assert problems(content) == []


@pytest.mark.parametrize(
    "year, expected",
    [(2026, "has not ended yet"), (2027, "has not ended yet"), (2013, "entered into force")],
)
def test_the_year_must_have_ended_and_follow_the_treaty(app, year, expected):
    found = validate_annual(annual(year=year), FRANCE, TODAY)
    assert [(p.table, p.field) for p in found] == [("report", "year")]
    assert expected in str(found[0].message)


def test_a_nil_table_with_lines_and_an_empty_table_without_nil_are_errors(app):
    content = annual()
    content["exports"]["nil"] = True
    content["imports"]["nil"] = False
    found = validate_annual(content, FRANCE, TODAY)
    assert [(p.table, p.field) for p in found] == [("exports", "nil"), ("imports", "lines")]
    assert "Add a line or declare a nil report." in str(found[1].message)


def test_a_nil_report_for_both_tables_is_valid(app):
    content = annual(exports=[])
    content["exports"]["nil"] = True
    assert validate_annual(content, FRANCE, TODAY) == []


def test_the_report_must_be_the_states_own(app):
    found = validate_annual(annual(state="DEU"), FRANCE, TODAY)
    assert [(p.table, p.field) for p in found] == [("report", "state")]


def test_large_figures_are_warnings_that_do_not_block(app):
    content = annual(exports=[line(items=2_000_000, value="20000000000.00")])
    found = validate_annual(content, FRANCE, TODAY)
    assert [(p.severity, p.field) for p in found] == [("warning", "items"), ("warning", "value")]
    assert not has_errors(found)


def test_malformed_content_is_reported_not_raised(app):
    assert has_errors(validate_annual(None, FRANCE, TODAY))
    content = annual()
    content["exports"] = {"nil": "no", "lines": ["not a line"]}
    content["withheld"] = "yes"
    found = problems(content)
    assert ("error", "exports", None, "nil") in found
    assert ("error", "exports", 0, "category") in found
    assert ("error", "report", None, "withheld") in found


def test_typed_numbers_are_kept_when_they_do_not_parse():
    assert normalise_items(" 12 ") == 12
    assert normalise_items("") is None
    assert normalise_items("twelve") == "twelve"
    assert normalise_value("1250000") == "1250000.00"
    assert normalise_value("3.5") == "3.50"
    assert normalise_value("3.555") == "3.555"
    assert normalise_value("1e3") == "1000.00"
    assert normalise_value("NaN") == "NaN"
    assert normalise_value(" ") is None


def test_initial_report_rules(app):
    answers = {
        "control_system.established": {"choice": "yes", "text": "Act of 2014"},
        "control_system.authorities": {"choice": "maybe", "text": ""},
        "control_list.established": {"choice": "perhaps", "text": ""},
        "unknown.question": {"choice": "yes", "text": ""},
    }
    found = validate_initial(initial(**answers), FRANCE)
    errors = {(p.field, str(p.message)) for p in found if p.severity == "error"}
    assert errors == {
        ("control_system.authorities", "This question is answered in words only."),
        ("control_list.established", "Answer yes, no or partly."),
        ("unknown.question", "Unknown question: unknown.question."),
    }
    warnings = {p.field for p in found if p.severity == "warning"}
    assert "control_system.established" not in warnings
    assert "record_keeping.records" in warnings  # unanswered: a warning only


def test_an_initial_report_of_another_state_is_refused(app):
    found = validate_initial(initial("DEU"), FRANCE)
    assert ("report", "state") in {(p.table, p.field) for p in found if p.severity == "error"}
