"""Tests of the search engine, without the portal."""
