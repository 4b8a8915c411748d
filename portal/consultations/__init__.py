"""Intersessional work: informal consultations, the informal advisory group and national
reports to cabinet or parliament."""
