"""Tests of meetings: agendas, documents due, speakers lists, registration, calendar feeds
and the draft report."""
