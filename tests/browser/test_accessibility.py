"""The sign-in page with a keyboard and a screen reader in mind: skip link, labels, errors."""

import re

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

#: Every form control a person fills, with how it is named for assistive technology. Buttons
#: drawn with <input> are named by their value; hidden inputs are not shown to anyone.
UNNAMED_CONTROLS = """
() => Array.from(document.querySelectorAll("input, select, textarea"))
  .filter((control) => control.type !== "hidden")
  .map((control) => {
    const label = control.id && document.querySelector(`label[for="${CSS.escape(control.id)}"]`);
    const named = ["submit", "button", "reset"].includes(control.type)
      ? control.value
      : (label && label.textContent) || control.getAttribute("aria-label") || "";
    return {id: control.id, html: control.outerHTML, named: named.trim() !== ""};
  })
"""


def test_first_tab_reaches_the_skip_link_which_moves_to_the_content(page):
    page.goto("/auth/sign-in")

    page.keyboard.press("Tab")

    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()


def test_every_form_control_has_a_label(page):
    page.goto("/auth/sign-in")

    controls = page.evaluate(UNNAMED_CONTROLS)

    assert {"email", "password", "language-select"} <= {control["id"] for control in controls}
    assert [control["html"] for control in controls if not control["named"]] == []


def test_empty_form_shows_the_error_summary_and_marks_the_fields(page):
    page.goto("/auth/sign-in")

    page.get_by_role("button", name="Sign in").click()

    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Please correct the following:")
    expect(summary).to_be_focused()
    for label in ("Email address", "Password"):
        field = page.get_by_label(label, exact=True)
        expect(field).to_have_attribute("aria-invalid", "true")
        expect(field).to_have_accessible_description(re.compile(r"\S"))
