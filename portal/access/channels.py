"""The rules for diversion information exchange channels (DIEF): part of the access policy."""

CHANNEL_RULES = {}
