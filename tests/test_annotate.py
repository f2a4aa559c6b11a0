from __future__ import annotations

from datetime import date

from storyline.annotate import canonicalize_entities, estimate_event_date, resolve_date_mentions
from storyline.annotate.timex import parse_date_expression
from storyline.model import Article, DateMention, Entity

TEXT = (
    "Mayor Elena Marsh said on Thursday that the harbour bridge would be rebuilt. "
    "\"We will not leave Port Avery cut off,\" Marsh told reporters.\n"
    "The collapse on March 3 injured 14 people, the Port Avery Harbour Authority said."
)


def test_annotator_finds_sentences_entities_dates_and_quotes(annotator):
    article = Article(id="a", source="t.txt", title="Bridge", text=TEXT, published=date(2026, 3, 6))
    annotated = annotator.annotate(article)
    assert len(annotated.sentences) == 3
    for sentence in annotated.sentences:
        assert TEXT[sentence.start : sentence.end].strip() == sentence.text
    people = {(e.text, e.canonical) for e in annotated.entities if e.label == "PERSON"}
    assert ("Marsh", "Elena Marsh") in people
    assert {d.value for d in annotated.dates} >= {date(2026, 3, 5), date(2026, 3, 3)}
    [quote] = annotated.quotes
    assert quote.text.startswith("We will not leave Port Avery cut off")
    assert quote.speaker_canonical == "Elena Marsh"
    assert TEXT[quote.start : quote.end].startswith("We will")


def test_canonical_names_join_short_and_long_mentions():
    entities = [
        Entity("Vladimir Putin", "PERSON", "", 0, 14),
        Entity("Putin", "PERSON", "", 20, 25),
        Entity("Putin's", "PERSON", "", 30, 37),
        Entity("the Harbour Authority", "ORG", "", 40, 61),
        Entity("Authority", "ORG", "", 70, 79),
        Entity("Paris", "GPE", "", 80, 85),
        Entity("14", "CARDINAL", "", 90, 92),
    ]
    names = [e.canonical for e in canonicalize_entities(entities)]
    assert names == ["Vladimir Putin", "Vladimir Putin", "Vladimir Putin", "Harbour Authority",
                     "Harbour Authority", "Paris", "14"]


def test_relative_and_absolute_dates_resolve_against_the_page_date():
    friday = date(2026, 3, 6)
    assert parse_date_expression("Thursday", anchor=friday) == (date(2026, 3, 5), "day")
    assert parse_date_expression("Friday", anchor=friday) == (friday, "day")
    assert parse_date_expression("yesterday", anchor=friday) == (date(2026, 3, 5), "day")
    assert parse_date_expression("Dec. 7, 2009", anchor=None) == (date(2009, 12, 7), "day")
    assert parse_date_expression("3 March", anchor=friday) == (date(2026, 3, 3), "day")
    assert parse_date_expression("December 30", anchor=date(2026, 1, 2)) == (date(2025, 12, 30), "day")
    assert parse_date_expression("March 2019", anchor=None) == (date(2019, 3, 1), "month")
    assert parse_date_expression("in 2016", anchor=None) == (date(2016, 1, 1), "year")
    # Without a page date a weekday cannot be placed: no invented precision.
    assert parse_date_expression("Thursday", anchor=None) is None


def test_event_date_prefers_recent_mentions_and_falls_back_sensibly():
    mentions = resolve_date_mentions(
        [("Tuesday", 0, 7), ("Tuesday", 10, 17), ("2019", 20, 24)], anchor=date(2026, 3, 6)
    )
    assert estimate_event_date(mentions, published=date(2026, 3, 6)) == date(2026, 3, 3)
    assert estimate_event_date((), published=date(2026, 3, 6)) == date(2026, 3, 6)
    old = (DateMention("2019", date(2019, 1, 1), 0, 4, "year"), DateMention("2016", date(2016, 1, 1), 5, 9, "year"))
    assert estimate_event_date(old, published=None) == date(2019, 1, 1)


def test_canonical_names_do_not_depend_on_the_hash_seed():
    # "TK Maxx" is part of two equally long names; which one it takes must not follow
    # set order, which changes from one Python process to the next
    import os
    import subprocess
    import sys

    script = (
        "from storyline.annotate import canonicalize_entities\n"
        "from storyline.model import Entity\n"
        "names = ['TK Maxx', 'Some TK Maxx', 'TK Maxx Have', 'TK Maxx Ltd', 'The TK Maxx']\n"
        "ents = [Entity(n, 'ORG', n, i * 20, i * 20 + len(n)) for i, n in enumerate(names)]\n"
        "print(canonicalize_entities(ents)[0].canonical)\n"
    )
    answers = set()
    for seed in ("1", "2", "3", "4"):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
        answers.add(done.stdout.strip())
    assert answers == {"Some TK Maxx"}


class _FakeEmbedder:
    """Stands in for the semantic extra's Embedder: one vector per article, by title length."""

    def __init__(self, fail: bool = False) -> None:
        self.fail = fail
        self.calls = 0

    def embed_articles(self, articles):
        self.calls += 1
        if self.fail:
            raise RuntimeError("torch is broken\nsecond line")
        return [[len(a.article.title) / 100, 0.123456789] for a in articles]


def test_annotator_embeds_headline_only_articles_in_batches_when_given_an_embedder(annotator):
    from storyline.annotate import Annotator

    embedding = Annotator(batch_size=2, embedder=_FakeEmbedder())
    embedding._nlp = annotator.nlp  # share the loaded spaCy pipeline
    titles = ["Bridge one", "Bridge two!", "Bridge", "Bridge four"]
    articles = [Article(id=f"a{i}", source="t.txt", title=t, text=TEXT if i == 2 else t)
                for i, t in enumerate(titles)]
    out = list(embedding.annotate_many(articles))
    assert [a.id for a in out] == ["a0", "a1", "a2", "a3"]
    # a report with a body gets none: only the clusterer's headline model reads them
    assert [a.embedding for a in out] == [(0.1, 0.12346), (0.11, 0.12346), (), (0.11, 0.12346)]
    assert embedding.embedder.calls == 2  # one per batch of two
    assert annotator.annotate(articles[0]).embedding == ()


def test_a_failing_embedder_is_turned_off_with_one_line_and_annotation_goes_on(annotator, caplog):
    from storyline.annotate import Annotator

    failing = Annotator(embedder=_FakeEmbedder(fail=True))
    failing._nlp = annotator.nlp
    headline = "Harbour bridge to be rebuilt, Mayor Elena Marsh says"
    out = list(failing.annotate_many([Article(id="a", source="t.txt", title=headline, text=headline)]))
    assert out[0].embedding == () and len(out[0].sentences) == 1
    assert failing.embedder is None
    [record] = [r for r in caplog.records if "embeddings" in r.getMessage()]
    assert "torch is broken" in record.getMessage() and "\n" not in record.getMessage()


def test_spacy_batches_are_bounded_by_articles_and_characters() -> None:
    from storyline.annotate.annotator import BATCH_CHARS, _batches
    from storyline.model import Article

    def article(chars: int) -> Article:
        return Article(id=str(chars), source="t", title="", text="x" * chars)

    short = [article(10)] * 10
    assert [len(b) for b in _batches(short, 4)] == [4, 4, 2]
    long = [article(BATCH_CHARS // 2)] * 3 + [article(3 * BATCH_CHARS)] + [article(10)]
    sizes = [(len(b), sum(len(text) for text, _ in b)) for b in _batches(long, 128)]
    # two halves fill a batch; an article longer than a batch goes alone, cut to MAX_CHARS
    assert [n for n, _ in sizes] == [2, 1, 1, 1]
    assert all(chars <= BATCH_CHARS for n, chars in sizes if n > 1)


def test_names_in_other_languages_must_look_like_names_there() -> None:
    from storyline.annotate.entities import foreign_name
    from storyline.stopwords import language_stop_words

    german = language_stop_words("de")
    assert "sie" in german and "die" in german and "us" not in german

    def name(text: str, label: str = "ORG") -> Entity:
        return Entity(text, label, text, 0, len(text))

    def read(text: str) -> str | None:
        found = foreign_name(name(text), german)
        return found and found.text

    kept = ["Angela Merkel", "US", "CDU", "Köln", "2020 Olympia"]
    assert [read(t) for t in kept] == kept
    assert [read(t) for t in ["Sie", "Die Forscher", "ihm", "das Corona-Virus", "Eine Studie"]] == [None] * 5
    # an article before a name: the name, with its own offsets
    assert read("die CDU") == "CDU" and read("Der Deutsche Bundestag") == "Deutsche Bundestag"
    moved = foreign_name(Entity("die CDU", "ORG", "die CDU", 10, 17), german)
    assert moved is not None and (moved.start, moved.end) == (14, 17)
    # numbers and dates are not names: never filtered here
    assert foreign_name(name("zwei", "CARDINAL"), german) == name("zwei", "CARDINAL")
    assert language_stop_words("xx") == frozenset()


def test_annotator_keeps_names_not_german_words_in_german_text(annotator) -> None:
    text = ("Die Forscher in Köln haben am Montag eine Studie vorgestellt. Sie sagen, dass "
            "Angela Merkel und die US-Regierung zustimmen. Zudem kritisierte die CDU den Plan.")
    german = next(iter(annotator.annotate_many([Article(id="de", source="t", title="", text=text, language="de")])))
    english = next(iter(annotator.annotate_many([Article(id="en", source="t", title="", text=text, language="en")])))
    names = {e.text for e in german.entities}
    assert {"Köln", "Angela Merkel", "CDU"} <= names
    assert not names & {"Die Forscher", "Sie"}
    # an English article is read as the model reads it
    assert {e.text for e in english.entities} >= names
