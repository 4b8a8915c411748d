"""Fixtures for the search engine: an index in a temporary directory."""

import pytest

from search_index import SearchIndex


@pytest.fixture
def index(tmp_path):
    """An empty index whose writers give up after a third of a second."""
    opened = SearchIndex(tmp_path / "index", writer_timeout=0.3)
    yield opened
    opened.close()
