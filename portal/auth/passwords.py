"""Password hashing (Argon2id) and strength checking (zxcvbn), with reasons a person can read.

Length is the only fixed rule (12 characters by default, no composition rules, as ASVS 5.0
asks); beyond that zxcvbn estimates how guessable the password is, also from the person's own
name and email, and its warning is shown in the person's language.
"""

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app
from flask_babel import lazy_gettext as _l
from zxcvbn import zxcvbn

MAX_LENGTH = 128
#: zxcvbn score (0-4) a password must reach.
MIN_SCORE = 3

hasher = PasswordHasher()

#: zxcvbn's English warnings, translated through the portal's catalogs.
ZXCVBN_WARNINGS = {
    "Straight rows of keys are easy to guess.": _l("Straight rows of keys are easy to guess."),
    "Short keyboard patterns are easy to guess.": _l("Short keyboard patterns are easy to guess."),
    'Repeats like "aaa" are easy to guess.': _l(
        "Repeated characters such as “aaa” are easy to guess."
    ),
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': _l(
        "Repeated groups such as “abcabcabc” are hardly harder to guess than “abc”."
    ),
    'Sequences like "abc" or "6543" are easy to guess.': _l(
        "Sequences such as “abc” or “6543” are easy to guess."
    ),
    "Recent years are easy to guess.": _l("Recent years are easy to guess."),
    "Dates are often easy to guess.": _l("Dates are often easy to guess."),
    "This is a top-10 common password.": _l("This is one of the ten most common passwords."),
    "This is a top-100 common password.": _l("This is one of the hundred most common passwords."),
    "This is a very common password.": _l("This is a very common password."),
    "This is similar to a commonly used password.": _l(
        "This is similar to a commonly used password."
    ),
    "A word by itself is easy to guess.": _l("A single word is easy to guess."),
    "Names and surnames by themselves are easy to guess.": _l(
        "Names and surnames on their own are easy to guess."
    ),
    "Common names and surnames are easy to guess.": _l(
        "Common names and surnames are easy to guess."
    ),
}


def hash_password(password):
    return hasher.hash(password)


def verify_password(password_hash, password):
    """Whether `password` matches; a missing or malformed hash never matches."""
    if not password_hash:
        hasher_dummy_verify()
        return False
    try:
        return hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = None


def hasher_dummy_verify():
    """Spend the time of a real verification, so that timing does not reveal unknown accounts."""
    global _DUMMY_HASH
    if _DUMMY_HASH is None:
        _DUMMY_HASH = hasher.hash("portal-dummy-password")
    try:
        hasher.verify(_DUMMY_HASH, "not-the-password")
    except VerificationError:
        pass


def password_problem(password, user_inputs=()):
    """Why `password` is refused (a translated string), or None when it is acceptable."""
    minimum = current_app.config["PORTAL_PASSWORD_MIN_LENGTH"]
    if len(password) < minimum:
        return _l("Use at least %(count)d characters.", count=minimum)
    if len(password) > MAX_LENGTH:
        return _l("Use at most %(count)d characters.", count=MAX_LENGTH)
    inputs = [
        part for value in user_inputs if value for part in str(value).replace("@", " ").split()
    ]
    result = zxcvbn(password[:100], user_inputs=inputs)
    if result["score"] >= MIN_SCORE:
        return None
    warning = ZXCVBN_WARNINGS.get(result["feedback"]["warning"])
    if warning:
        return _l("This password is too easy to guess: %(reason)s", reason=warning)
    return _l(
        "This password is too easy to guess. Use a few uncommon words; "
        "symbols, digits and capitals are not needed."
    )
