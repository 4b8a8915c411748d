"""Delegations are named in the reader's language: CLDR's names for States, except where the
United Nations names the State otherwise, and the recorded name for everyone else."""

import pytest
from flask_babel import force_locale

from portal.accounts.models import STATE_NAMES


@pytest.mark.parametrize(
    "language, expected",
    [("en", "Ghana"), ("fr", "Ghana"), ("ru", "Гана"), ("zh", "加纳"), ("ar", "غانا")],
)
def test_a_state_is_named_by_cldr_in_the_readers_language(make, language, expected):
    ghana = make.delegation(name="Ghana", iso3="GHA")
    with force_locale(language):
        assert ghana.display_name == expected


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "State of Palestine"),
        ("fr", "État de Palestine"),
        ("es", "Estado de Palestina"),
        ("ru", "Государство Палестина"),
        ("ar", "دولة فلسطين"),
        ("zh", "巴勒斯坦国"),
    ],
)
def test_the_state_of_palestine_has_its_united_nations_name(make, language, expected):
    palestine = make.delegation(name="State of Palestine", iso3="PSE")
    with force_locale(language):
        assert palestine.display_name == expected


def test_every_name_override_covers_the_six_languages():
    assert all(set(names) == {"ar", "en", "es", "fr", "ru", "zh"} for names in STATE_NAMES.values())


def test_an_organisation_keeps_its_recorded_name(make):
    sipri = make.delegation(
        name="Stockholm International Peace Research Institute", kind="civil_society"
    )
    with force_locale("fr"):
        assert sipri.display_name == "Stockholm International Peace Research Institute"
