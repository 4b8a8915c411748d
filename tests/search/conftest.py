"""Search fixtures: `library`, the builder of documents (tests/library/builders.py) with their
queued jobs run (text extraction, then indexing) after each one, so that the index holds what
production would hold; and the search page read as a person reads it.
"""

import re
from dataclasses import dataclass
from functools import cached_property

import lxml.html
import pytest

from tests.forum import conftest as forum_fixtures
from tests.library.builders import Library

# The forum's fixtures, shared: working groups and delegations to file documents under, one
# signed-in client per person, and tracebacks of unexpected errors.
forum = forum_fixtures.forum
signed_in = forum_fixtures.signed_in
errors_are_shown = forum_fixtures.errors_are_shown


@pytest.fixture
def library(forum):
    """Documents committed, extracted and indexed, as the worker leaves them."""
    return Library(forum, run_jobs=True)


@dataclass
class ShownHit:
    """One result as the page shows it."""

    title: str
    href: str
    meta: str
    languages: list
    snippet: str
    marks: list


class SearchPage:
    """The search page as a reader sees it: the box, the count, the hits, the facets."""

    def __init__(self, response):
        self.response = response
        self.status = response.status_code
        self.html = response.get_data(as_text=True)

    @cached_property
    def tree(self):
        return lxml.html.fromstring(self.html)

    def text_of(self, element):
        return " ".join(element.text_content().split())

    def find(self, xpath):
        return self.tree.xpath(xpath)

    @property
    def query(self):
        box = self.find('//input[@id="search-text"]')
        return box[0].get("value", "") if box else None

    @property
    def error(self):
        found = self.find('//*[@id="search-error"]')
        return self.text_of(found[0]) if found else None

    @cached_property
    def results_text(self):
        """What the results and facets say, without the search box, the page title or the
        links (which repeat the query)."""
        found = self.find('//div[@class="search-layout"]')
        return found[0].text_content() if found else ""

    @property
    def total(self):
        summary = self.find('//div[@class="search-summary"]//strong')
        assert summary, self.html
        return int(re.search(r"\d+", self.text_of(summary[0])).group())

    @cached_property
    def hits(self):
        found = []
        for item in self.find('//li[@class="search-hit"][h2]'):
            link = item.xpath("./h2/a")[0]
            snippet = item.xpath('./p[@class="snippet"]')
            found.append(
                ShownHit(
                    title=self.text_of(link),
                    href=link.get("href"),
                    meta=self.text_of(item.xpath('./p[@class="search-hit-meta"]')[0]),
                    languages=[
                        self.text_of(badge)
                        for badge in item.xpath(
                            './p[@class="search-hit-languages"]/span[@class="badge"]'
                        )
                    ],
                    snippet=self.text_of(snippet[0]) if snippet else "",
                    marks=[self.text_of(mark) for mark in item.xpath(".//mark")],
                )
            )
        return found

    @property
    def titles(self):
        return [hit.title for hit in self.hits]

    @cached_property
    def facet_links(self):
        """{facet title: {value label: (count, link)}}."""
        facets = {}
        for section in self.find('//aside[@class="search-facets"]//section[@class="facet"]'):
            values = {}
            for link in section.xpath(".//a"):
                label = self.text_of(link.xpath("./bdi")[0])
                count = int(self.text_of(link.xpath('./span[@class="facet-count"]')[0]))
                values[label] = (count, link.get("href"))
            facets[self.text_of(section.xpath("./h3")[0])] = values
        return facets

    @property
    def facets(self):
        """{facet title: {value label: count}}."""
        return {
            title: {label: count for label, (count, _link) in values.items()}
            for title, values in self.facet_links.items()
        }

    @property
    def chips(self):
        """The active filters: {their text: the link that removes them}."""
        return {
            self.text_of(link).replace("×", "").replace("(remove this filter)", "").strip(): (
                link.get("href")
            )
            for link in self.find('//ul[@class="filter-chips"]//a')
        }

    def link(self, rel):
        found = self.find(f'//nav[@class="pagination"]//a[@rel="{rel}"]')
        return found[0].get("href") if found else None


@pytest.fixture
def search():
    """Open the search page with `http` (a client) and read it: `search(http, q=..., f=[...])`
    or `search(http, url=...)` to follow a link of the page."""

    def do_search(http, url=None, **query):
        if url is not None:
            return SearchPage(http.get(url))
        return SearchPage(http.get("/search/", query_string=query))

    return do_search


#: The people of the access tests, and who of them reads an item at each level. Nobody reads a
#: group's item from outside the group, not even the Secretariat.
ROLES = ("observer", "signatory", "state_party", "secretariat", "member", "non_member")
READERS = {
    "public": set(ROLES),
    "users": set(ROLES),
    "states": {"signatory", "state_party", "secretariat"},
    "state_parties": {"state_party", "secretariat"},
    "group": {"member"},
}
