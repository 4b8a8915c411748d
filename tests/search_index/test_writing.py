"""Writing the index: update, delete, replace_all and stamps; matching one item without the index;
several instances and processes on one directory; one writer at a time; threads."""

import os
import subprocess
import sys
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from whoosh.index import open_dir

from search_index import IndexBusy, QueryError, SearchIndex, stamp
from search_index.schema import INDEX_NAME, document
from tests.search_index.items import item, keys

EVERYONE = {"public"}
ROOT = Path(__file__).resolve().parents[2]


def test_a_new_directory_is_created_empty(tmp_path):
    index = SearchIndex(tmp_path / "a" / "b")
    assert index.stamps() == {}
    assert index.search("", EVERYONE).total == 0
    index.close()


def test_update_adds_and_replaces_by_key(index):
    index.update([item(1, texts={"en": "brokering controls"}), item(2, texts={"en": "transit"})])
    index.update([item(1, texts={"en": "end-user certificates"})])
    assert keys(index.search("brokering", EVERYONE)) == []
    assert keys(index.search("certificates", EVERYONE)) == ["document:1"]
    assert index.search("", EVERYONE).total == 2


def test_update_keeps_the_last_of_two_items_with_one_key(index):
    index.update([item(1, texts={"en": "first"}), item(1, texts={"en": "second"})])
    assert keys(index.search("second", EVERYONE)) == ["document:1"]
    assert index.search("", EVERYONE).total == 1


def test_update_of_an_access_change_hides_the_item(index):
    index.update([item(1, texts={"en": "transit"})])
    index.update([item(1, acl="state_party", texts={"en": "transit"})])
    assert index.search("transit", EVERYONE).total == 0
    assert index.search("transit", {"state_party"}).total == 1


def test_delete_removes_and_ignores_unknown_keys(index):
    index.update([item(1, texts={"en": "transit"}), item(2, texts={"en": "transit"})])
    index.delete(["document:1", "document:99"])
    index.delete([])
    assert keys(index.search("transit", EVERYONE)) == ["document:2"]
    assert set(index.stamps()) == {"document:2"}


def test_replace_all_and_stamps(index):
    index.update([item(1), item(2)])
    fresh = [item(2, title="Second"), item(3, kind="post", texts={"und": "A post"})]
    assert index.replace_all(iter(fresh)) == 2
    assert index.stamps() == {"document:2": stamp(fresh[0]), "post:3": stamp(fresh[1])}
    assert index.replace_all([]) == 0
    assert index.stamps() == {}


def test_replace_all_leaves_the_index_unchanged_on_a_bad_item(index):
    index.update([item(1)])
    with pytest.raises(ValueError):
        index.replace_all([item(2), item(2)])
    with pytest.raises(ValueError):
        index.replace_all([item(3), {"key": "document:4", "kind": "document"}])
    assert set(index.stamps()) == {"document:1"}


def test_a_malformed_item_writes_nothing(index):
    with pytest.raises(ValueError):
        index.update([item(1), {**item(2), "id": "2"}])
    with pytest.raises(ValueError):
        index.update([item(3, date="2026-01-01")])
    assert index.stamps() == {}


def test_stamp_changes_with_what_is_indexed_only():
    base = item(1, title="Report", texts={"en": "text"}, wg=["WGTR", "WGETI"])
    assert stamp(base) == stamp({**base, "wg": ["WGETI", "WGTR", "WGTR"], "tags": None})
    assert stamp(base) == stamp(dict(reversed(list(base.items()))))
    assert stamp(base) != stamp({**base, "title": "Report 2"})
    assert stamp(base) != stamp({**base, "acl": "user"})
    assert stamp(base) != stamp({**base, "texts": {"fr": "text"}})
    utc = datetime(2026, 3, 1, 12, tzinfo=timezone.utc)
    paris = utc.astimezone(timezone(timedelta(hours=1)))
    assert stamp({**base, "date": paris}) == stamp({**base, "date": datetime(2026, 3, 1, 12)})
    assert len(stamp(base)) == 16


def test_a_stale_stamp_shows_a_change_until_the_update(index):
    old = item(1, title="Draft")
    index.update([old])
    changed = {**old, "title": "Final"}
    assert index.stamps()["document:1"] == stamp(old) != stamp(changed)
    index.update([changed])
    assert index.stamps()["document:1"] == stamp(changed)


def test_matches_one_item_without_the_index(index):
    post = item(5, kind="post", acl="channel:3", texts={"und": "Diversion of rifles"}, wg=["WGETI"])
    assert index.matches(post, "diversion")
    assert index.matches(post, "rifle*", {"wg": ["wgeti"]})
    assert not index.matches(post, "diversion", {"wg": ["WGTR"]})
    assert not index.matches(post, "diversion -rifles")
    assert index.matches(post, "")
    assert index.matches({**post, "texts": {"und": "Transfers"}}, "transfers")
    assert not index.matches({**post, "texts": {"und": "Transfers"}}, "diversion")
    with pytest.raises(QueryError):
        index.matches(post, "(diversion")
    assert index.stamps() == {}


def test_another_instance_sees_the_writes(tmp_path):
    reader, writer = SearchIndex(tmp_path), SearchIndex(tmp_path)
    assert reader.search("transit", EVERYONE).total == 0
    writer.update([item(1, texts={"en": "transit"})])
    assert reader.search("transit", EVERYONE).total == 1
    writer.delete(["document:1"])
    assert reader.search("transit", EVERYONE).total == 0
    reader.close()
    writer.close()


def test_another_process_writes_and_this_one_sees_it(index, tmp_path):
    assert index.search("transit", EVERYONE).total == 0
    script = (
        "import sys; from search_index import SearchIndex; "
        "SearchIndex(sys.argv[1]).update([{'key': 'document:1', 'kind': 'document', "
        "'id': 1, 'acl': 'public', 'texts': {'en': 'transit'}}])"
    )
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "index")], check=True, env=environment
    )
    assert keys(index.search("transit", EVERYONE)) == ["document:1"]


def hold_the_writer(directory):
    """A Whoosh writer on the index, as another process writing would hold it."""
    return open_dir(str(directory), indexname=INDEX_NAME).writer()


def test_a_writer_gives_up_when_another_holds_the_index(index, tmp_path):
    held = hold_the_writer(tmp_path / "index")
    started = time.monotonic()
    with pytest.raises(IndexBusy):
        index.update([item(1)])
    assert time.monotonic() - started >= 0.3
    with pytest.raises(IndexBusy):
        index.delete(["document:1"])
    with pytest.raises(IndexBusy):
        index.replace_all([item(1)])
    held.cancel()
    index.update([item(1)])
    assert set(index.stamps()) == {"document:1"}


def test_a_writer_waits_for_the_other_to_finish(tmp_path):
    index = SearchIndex(tmp_path, writer_timeout=5)
    held = hold_the_writer(tmp_path)
    held.add_document(**document(item(9)))
    threading.Timer(0.2, held.commit).start()
    started = time.monotonic()
    index.update([item(1)])
    assert time.monotonic() - started >= 0.15
    assert set(index.stamps()) == {"document:1", "document:9"}
    index.close()


def test_threads_share_one_index(tmp_path):
    index = SearchIndex(tmp_path, writer_timeout=10)
    index.update([item(n, texts={"en": f"transfer number {n}"}) for n in range(20)])
    failures = []

    def search():
        try:
            for _ in range(15):
                results = index.search("transfer", EVERYONE, per_page=5)
                assert results.total >= 20 and len(results.hits) == 5
        except Exception as error:  # collected for the main thread to report
            failures.append(error)

    def write(offset):
        try:
            for n in range(5):
                index.update([item(100 + offset * 10 + n, texts={"en": "transfer"})])
        except Exception as error:
            failures.append(error)

    threads = [threading.Thread(target=search) for _ in range(3)]
    threads += [threading.Thread(target=write, args=(offset,)) for offset in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert index.search("transfer", EVERYONE).total == 30
    index.close()


def test_text_beyond_the_stored_part_is_found_without_a_snippet_of_it(index):
    long_text = "Preamble of the Treaty. " + "filler " * 30_000 + "needle"
    index.update([item(1, texts={"en": long_text})])
    (hit,) = index.search("needle", EVERYONE).hits
    ((lead, is_match),) = hit.snippet[0]
    assert lead.startswith("Preamble of the Treaty. filler") and not is_match
    assert len(lead) <= 240
