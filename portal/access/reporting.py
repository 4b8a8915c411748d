"""The rules for initial and annual reports: part of the access policy."""

REPORTING_RULES = {}
