"""TOTP second factor (RFC 6238, via pyotp) and one-time recovery codes."""

import base64
import io
import secrets
from datetime import datetime, timezone

import pyotp
import qrcode
import qrcode.image.svg

from portal.auth.models import RecoveryCode, digest
from portal.core.models import now_utc
from portal.extensions import db

ISSUER = "ATT portal"
RECOVERY_CODE_COUNT = 10


def new_totp_secret():
    return pyotp.random_base32()


def provisioning_uri(secret, email):
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=ISSUER)


def qr_code_data_uri(uri):
    """An SVG QR code of `uri`, as a data: URI (allowed by the content security policy)."""
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    buffer = io.BytesIO()
    image.save(buffer)
    return "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode()


def matching_step(secret, code, last_step=None):
    """The time step `code` belongs to (one step of clock drift allowed), or None.

    A step at or before `last_step` is refused, so that a code cannot be replayed.
    """
    code = "".join(code.split())
    if not (code.isdigit() and len(code) == 6):
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(datetime.now(timezone.utc))
    for step in (now_step, now_step - 1, now_step + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            if last_step is not None and step <= last_step:
                return None
            return step
    return None


def format_recovery_code(raw):
    return f"{raw[:5]}-{raw[5:]}"


def normalise_recovery_code(code):
    return "".join(ch for ch in code.lower() if ch.isalnum())


def replace_recovery_codes(user):
    """Issue a fresh set of recovery codes (the old ones stop working); returns them in clear."""
    RecoveryCode.query.filter_by(user_id=user.id).delete()
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    codes = [
        "".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(RECOVERY_CODE_COUNT)
    ]
    for raw in codes:
        db.session.add(RecoveryCode(user_id=user.id, code_digest=digest(raw)))
    return [format_recovery_code(raw) for raw in codes]


def use_recovery_code(user, code):
    """Spend a recovery code of `user`; returns True if it was valid and unused."""
    found = RecoveryCode.query.filter_by(
        user_id=user.id, code_digest=digest(normalise_recovery_code(code)), used_at=None
    ).first()
    if found is None:
        return False
    found.used_at = now_utc()
    return True


def remaining_recovery_codes(user):
    return RecoveryCode.query.filter_by(user_id=user.id, used_at=None).count()
