"""Pages of intersessional work."""

from flask import Blueprint

from portal.consultations import models  # noqa: F401

bp = Blueprint("consultations", __name__)
