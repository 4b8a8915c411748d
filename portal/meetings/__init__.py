"""Meetings of the programme of work: agendas, documents due, speakers lists, registration,
calendar feeds and the follow-up of the chair's draft report."""
