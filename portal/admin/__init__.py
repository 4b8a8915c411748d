"""Secretariat administration: audit log and the outbox of jobs."""
