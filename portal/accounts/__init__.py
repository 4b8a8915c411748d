"""Delegations, users, groups and access requests."""
