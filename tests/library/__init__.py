"""Tests of the document library."""
