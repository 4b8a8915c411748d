"""Who may do what with initial and annual reports."""

#: action -> what it is tested on and who may do it (see tests/forum/test_permissions.py).
REPORTING_MATRIX = {}
