"""Search fixtures: library documents made as the upload form makes them, and the search page
read as a person reads it.

Documents are created through `portal.library.services.create_document`, then the queued jobs
run (text extraction, then indexing), so that the index holds what production would hold.
"""

import io
import itertools
import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property

import lxml.html
import pytest
from sqlalchemy import select
from werkzeug.datastructures import FileStorage

from portal.core.jobs import DONE, Job, run_due_jobs
from portal.extensions import db
from portal.library import services
from tests.forum.conftest import errors_are_shown, forum, signed_in  # noqa: F401
from tests.library.documents import text_bytes

_numbers = itertools.count(1)


class Library:
    """Builds library documents for a test; each one is committed, extracted and indexed."""

    def __init__(self, make):
        self.make = make
        self._officer = None

    @property
    def officer(self):
        """The Secretariat account that publishes, for any delegation, at any level."""
        if self._officer is None:
            self._officer = self.make.secretariat(name="Library Officer")
        return self._officer

    def document(
        self,
        title=None,
        text="Arms Trade Treaty working paper.",
        *,
        files=None,
        level="users",
        group=None,
        symbol=None,
        doc_type="working_paper",
        working_group=None,
        cycle=None,
        published_on=date(2026, 1, 15),
        keywords="",
        summary="",
        delegation=None,
        by=None,
    ):
        """A document with one English text file holding `text`, or with `files`
        ({language: (file name, bytes)})."""
        files = files or {"en": ("paper.txt", text_bytes(text))}
        metadata = {
            "title": title or f"Document {next(_numbers)}",
            "symbol": symbol,
            "doc_type": doc_type,
            "working_group_id": working_group.id if working_group is not None else None,
            "cycle": cycle,
            "published_on": published_on,
            "keywords": keywords,
            "summary": summary,
            "level": level,
            "group_id": group.id if group is not None else None,
            "delegation": delegation,
        }
        uploads = {
            language: FileStorage(stream=io.BytesIO(content), filename=name)
            for language, (name, content) in files.items()
        }
        document = services.create_document(by or self.officer, metadata, uploads)
        db.session.commit()
        self.run_jobs()
        return document

    @staticmethod
    def run_jobs():
        """Run what the commits queued, and fail loudly if text extraction or indexing failed."""
        run_due_jobs()
        failed = db.session.scalars(
            select(Job).where(
                Job.kind.in_(("library.extract_text", "search.index")), Job.status != DONE
            )
        ).all()
        assert not failed, [(job.kind, job.status, job.last_error) for job in failed]


@pytest.fixture
def library(make):
    return Library(make)


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
