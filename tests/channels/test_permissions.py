"""Who may do what with diversion information exchange channels."""

#: action -> what it is tested on and who may do it (see tests/forum/test_permissions.py).
CHANNEL_MATRIX = {}
