from __future__ import annotations

import sqlite3
from datetime import date

import pytest

from storyline.errors import StoreError
from storyline.model import AnnotatedArticle, Article, Document, Entity, StoryDigest
from storyline.store import Store


def _annotated(article_id: str, title: str, text: str, *, site: str = "example.org") -> AnnotatedArticle:
    article = Article(id=article_id, source=f"{article_id}.txt", title=title, text=text, site=site,
                      published=date(2026, 3, 4))
    return AnnotatedArticle(article=article, entities=(Entity("Port Avery", "GPE", "Port Avery", 0, 10),))


@pytest.fixture()
def store(tmp_path):
    with Store(tmp_path / "s.db") as opened:
        yield opened


def test_documents_are_kept_raw_and_only_once(store):
    doc = Document(source="a.txt", raw=b"\xffraw bytes", kind="text")
    assert store.add_document(doc) is True
    assert store.add_document(Document(source="copy.txt", raw=doc.raw, kind="text")) is False
    assert store.document_status(doc.id) == "pending"
    assert store.raw_document(doc.id).raw == b"\xffraw bytes"
    [pending] = store.pending_documents()
    assert pending.source == "a.txt"


def test_articles_stories_digest_and_search(store):
    for aid in ("a1", "a2"):
        store.add_document(Document(source=f"{aid}.txt", raw=aid.encode(), kind="text"))
    store.save_article(_annotated("a1", "Bridge collapses", "The bridge in Port Avery collapsed."), story_id=1)
    store.save_article(_annotated("a2", "Bridge copy", "The bridge in Port Avery collapsed!", site="copy.net"),
                       story_id=1, duplicate_of="a1", duplicate_kind="near", duplicate_similarity=0.9)
    assert store.dirty_stories() == [1]
    store.save_digest(1, StoryDigest(title="Bridge collapses", top_entities=(("Port Avery", 2),)))
    assert store.dirty_stories() == []
    row = store.story(1)
    assert (row.n_articles, row.n_sources, row.sites) == (2, 1, ("copy.net", "example.org"))
    assert [s.id for s in store.stories(query="collapsed")] == [1]
    assert store.stories(query="volcano") == []
    assert [s.id for s in store.stories(entity="port avery")] == [1]
    assert [s.id for s in store.stories(site="copy.net")] == [1]
    # Search text is data, never SQL or FTS syntax.
    assert store.stories(query="'); DROP TABLE articles; --") == []
    assert store.search_articles('bridge" collapsed') and store.counts()["articles"] == 2
    assert [a.id for a in store.duplicates_of("a1")] == ["a2"]


def test_moving_articles_marks_both_stories_and_drops_empty_ones(store):
    for aid, story in (("a1", 1), ("a2", 2)):
        store.add_document(Document(source=f"{aid}.txt", raw=aid.encode(), kind="text"))
        store.save_article(_annotated(aid, aid, "Text " + aid), story_id=story)
        store.save_digest(story, StoryDigest(title=aid))
    store.move_articles({"a2": 1})
    assert store.dirty_stories() == [1]
    assert store.story(2) is None


def test_foreign_and_missing_databases_are_refused(tmp_path):
    other = tmp_path / "other.db"
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE customers (id INTEGER)")
    connection.commit()
    connection.close()
    with pytest.raises(StoreError, match="not a storyline database"):
        Store(other)
    (tmp_path / "junk.db").write_bytes(b"this is not sqlite at all" * 100)
    with pytest.raises(StoreError):
        Store(tmp_path / "junk.db")
    with pytest.raises(StoreError, match="no such database"):
        Store(tmp_path / "absent.db", read_only=True)
