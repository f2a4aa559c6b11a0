"""Tests of the cluster stage: features, online clustering, restore, refine, similarity."""

from __future__ import annotations

import math
from dataclasses import replace
from datetime import date

import pytest

from storyline.cluster import OnlineClusterer, featurize, pair_similarity
from storyline.cluster.features import DocumentFrequencies, stop_words, terms
from storyline.cluster.timeinfo import date_from_line, date_from_url, years_in
from storyline.model import AnnotatedArticle, Article, Entity


def _annotated(ident: str, title: str, text: str, *, published: date | None = None,
               people: tuple[str, ...] = (), places: tuple[str, ...] = (),
               url: str | None = None) -> AnnotatedArticle:
    entities = []
    body = title + "\n" + text
    for label, names in (("PERSON", people), ("GPE", places)):
        for name in names:
            start = body.find(name)
            entities.append(Entity(text=name, label=label, canonical=name, start=max(start, 0),
                                   end=max(start, 0) + len(name)))
    article = Article(id=ident, source=f"test#{ident}", title=title, text=text, url=url,
                      published=published, published_confidence=1.0 if published else 0.0)
    return AnnotatedArticle(article=article, entities=tuple(entities),
                            event_date=published)


RESCUE_2024 = [
    _annotated("a1", "Fishermen rescued off Valletta after storm",
               "Coast guard boats rescued nine fishermen near Valletta on Tuesday after a storm "
               "capsized their trawler. Captain Joseph Borg said the crew clung to the hull.",
               published=date(2024, 2, 6), people=("Joseph Borg",), places=("Valletta",)),
    _annotated("a2", "Nine fishermen saved as trawler capsizes near Valletta",
               "Nine fishermen were pulled from the sea near Valletta when their trawler capsized "
               "in a storm, the coast guard said. Joseph Borg, the captain, praised the rescuers.",
               published=date(2024, 2, 7), people=("Joseph Borg",), places=("Valletta",)),
    _annotated("a3", "Valletta trawler crew rescued, captain Borg thanks coast guard",
               "The captain of the trawler that capsized off Valletta, Joseph Borg, thanked the "
               "coast guard for rescuing his crew of nine fishermen during the storm.",
               published=date(2024, 2, 7), people=("Joseph Borg",), places=("Valletta",)),
]
RESCUE_2016 = [
    _annotated("b1", "Fishermen rescued off Marsaxlokk after trawler sinks",
               "Coast guard boats rescued four fishermen off Marsaxlokk on Sunday after their "
               "trawler sank in heavy seas. Skipper Mario Vella said the crew was lucky.",
               published=date(2016, 11, 13), people=("Mario Vella",), places=("Marsaxlokk",)),
    _annotated("b2", "Four fishermen saved off Marsaxlokk",
               "Four fishermen were rescued off Marsaxlokk when their trawler sank in heavy seas, "
               "the coast guard said. Mario Vella, the skipper, thanked the rescuers.",
               published=date(2016, 11, 14), people=("Mario Vella",), places=("Marsaxlokk",)),
]
OTHER = [
    _annotated("c1", "Central bank raises interest rates by half a point",
               "The central bank raised its main interest rate by half a percentage point on "
               "Thursday, citing inflation that has stayed above target for a year.",
               published=date(2024, 2, 8)),
]


def test_terms_drop_stop_words_and_stem() -> None:
    counted = terms("The fishermen were rescued; rescuers rescued the fishermen")
    assert "the" not in counted
    assert counted["fisherm"] == 2
    assert counted["rescued"] == 2


def test_stop_words_follow_the_article_language() -> None:
    german = "Die Regierung und der Kanzler sagen, dass die Steuer steigt"
    assert set(terms(german, stop_words("de"))) == {"regieru", "kanzler", "sagen", "steuer", "steigt"}
    # English keeps its own words that are function words elsewhere ("die", "war" in German)
    assert {"die", "war"} <= set(terms("Soldiers die in the war", stop_words("en")))
    assert stop_words("pt-BR") > stop_words("en") and "que" in stop_words("pt-BR")
    # no list for the language (or no language): the English one
    assert stop_words("xx") == stop_words(None) == stop_words("en")


def test_index_keys_of_a_german_report_are_its_content_words() -> None:
    text = ("Die Feuerwehr hat in der Nacht in Köln einen Brand in einer Lagerhalle gelöscht. "
            "Die Halle war nach Angaben der Polizei leer, und es wurde niemand verletzt. "
            "Die Ursache des Brandes ist noch nicht bekannt, sagte ein Sprecher der Polizei.")
    article = _annotated("de1", "Brand in Lagerhalle in Köln", text)
    german = featurize(replace(article, article=replace(article.article, language="de")))
    assert not {"die", "der", "und", "ist", "nicht", "war", "nach", "noch"} & set(german.keys)
    assert {"feuerwe", "lagerha", "polizei"} <= set(german.keys)
    # read as English, the German function words would be among its keys
    assert {"die", "der"} <= set(featurize(article).keys)


def test_dates_from_urls_lines_and_years() -> None:
    assert date_from_url("http://x.com/2013/03/14/nyregion/a.html") == (date(2013, 3, 14), "day")
    assert date_from_url("http://x.com/environment/2009/apr/28/obama") == (date(2009, 4, 28), "day")
    assert date_from_url("http://x.com/a-20130606_1_b") == (date(2013, 6, 6), "day")
    assert date_from_url("http://x.com/story/12345") is None
    assert date_from_line("Tuesday 28 April 2009 22. 34 BST") == date(2009, 4, 28)
    assert date_from_line("Posted on January 5, 2011, 3: 37 PM EDT") == date(2011, 1, 5)
    assert date_from_line("8/2/13 at 1: 30 PM") == date(2013, 8, 2)
    assert years_in("in 2005 and 1992, $2005 no, 20055 no") == [2005, 1992]


def test_featurize_keeps_entities_numbers_and_day() -> None:
    f = featurize(RESCUE_2024[0])
    assert "p:joseph borg" in f.entities and "p:borg" in f.entities
    assert "l:valletta" in f.entities
    assert f.day == date(2024, 2, 6).toordinal()
    assert f.year == 2024
    assert not f.headline_only



def test_slug_words_read_the_headline_an_editor_put_in_the_url() -> None:
    from storyline.cluster.features import slug_words

    latimes = ("http://www.latimes.com/business/money/"
               "la-fi-mo-federal-reserve-plosser-stimulus-20140310,0,1312750.story\\?track=rss")
    assert slug_words(latimes) == "la fi mo federal reserve plosser stimulus"
    assert slug_words("http://blogs.example.com/rocks/2014/03/neil_young_the_inventor.php") == "neil young the inventor"
    # sections, dates, ids and short names are not slugs; nor is what is not a URL
    assert slug_words("http://www.ign.com/articles/2014/03/08/chef-review") == ""
    assert slug_words("http://technology.iafrica.com/news/906856.html") == ""
    assert slug_words("https://www.bbc.com/news/world-europe-68123456") == ""
    assert slug_words("http://[::1") == slug_words(None) == ""


def test_a_headline_alone_reads_its_url_slug_as_title_words() -> None:
    """A headline has few words; the slug adds those it leaves out, as title words. A
    report with a body has words enough and keeps its title as written."""
    url = "http://www.usnews.com/news/articles/2014/03/10/edward-snowden-challenges-congress-at-sxsw"
    headline = featurize(_annotated("h", "Snowden challenges Congress at SXSW", "", url=url))
    assert headline.headline_only
    assert "edward" in headline.title and headline.title["edward"] == 1.0
    plain = featurize(_annotated("p", "Snowden challenges Congress at SXSW", ""))
    assert set(headline.title) - set(plain.title) == {"edward"}
    report = featurize(_annotated("r", "Snowden challenges Congress at SXSW",
                                  "The former contractor spoke by video link from Moscow.", url=url))
    assert "edward" not in report.title

def test_same_event_joins_and_same_kind_years_apart_stays_apart() -> None:
    clusterer = OnlineClusterer()
    stream = [RESCUE_2024[0], RESCUE_2016[0], OTHER[0], RESCUE_2024[1], RESCUE_2016[1], RESCUE_2024[2]]
    labels = {a.id: clusterer.add(a) for a in stream}
    assert labels["a1"] == labels["a2"] == labels["a3"]
    assert labels["b1"] == labels["b2"]
    assert labels["a1"] != labels["b1"]
    assert labels["c1"] not in (labels["a1"], labels["b1"])
    assert sorted(set(labels.values())) == [1, 2, 3]
    assert clusterer.labels_ == labels


def test_forced_story_restores_state_and_new_ids_follow() -> None:
    clusterer = OnlineClusterer()
    assert clusterer.add(RESCUE_2024[0], story=7) == 7
    assert clusterer.add(RESCUE_2024[1], story=7) == 7
    # a later report of the restored story joins it; a new story gets the next id
    assert clusterer.add(RESCUE_2024[2]) == 7
    assert clusterer.add(OTHER[0]) == 8


def test_first_story_id_and_partial_fit() -> None:
    clusterer = OnlineClusterer(first_story_id=100).partial_fit(RESCUE_2016)
    assert set(clusterer.labels_.values()) == {100}


def test_refine_merges_stories_split_by_the_stream_and_keeps_older_id() -> None:
    clusterer = OnlineClusterer()
    clusterer.add(RESCUE_2024[0], story=1)
    clusterer.add(OTHER[0], story=2)
    clusterer.add(RESCUE_2024[1], story=3)
    clusterer.add(RESCUE_2024[2], story=3)
    moved = clusterer.refine()
    assert moved == {"a2": 1, "a3": 1}
    assert clusterer.labels_["c1"] == 2
    assert clusterer.refine() == {}


@pytest.mark.parametrize("split_ratio", [0.0, 0.5])
@pytest.mark.parametrize("stories", [2, 3, 4])
def test_refine_returns_the_net_moves_in_member_order(split_ratio: float, stories: int) -> None:
    # refine_stories reads the moves only from the stories it detached (merged away or
    # split): the same dict, in the same order, as comparing every report's label
    from storyline.cluster.refine import refine_stories

    clusterer = OnlineClusterer()
    for i, a in enumerate((*RESCUE_2024, *RESCUE_2016, *OTHER)):
        clusterer.add(a, story=i % stories)
    before = {f.id: sid for sid, members in clusterer.members_.items() for f in members}
    opened = clusterer._next_id
    moved = refine_stories(clusterer, split_ratio=split_ratio, headline_split_ratio=split_ratio)
    assert moved
    assert list(moved.items()) == [(aid, clusterer.labels_[aid]) for aid, sid in before.items()
                                   if clusterer.labels_[aid] != sid]
    if split_ratio and stories < 4:
        assert clusterer._next_id > opened  # a split opened a story


def test_refine_leaves_distinct_events_apart() -> None:
    clusterer = OnlineClusterer()
    for a in RESCUE_2024:
        clusterer.add(a, story=1)
    for a in RESCUE_2016:
        clusterer.add(a, story=2)
    assert clusterer.refine() == {}


def test_stories_expire_out_of_the_window() -> None:
    clusterer = OnlineClusterer(window_days=30, min_idle_arrivals=2)
    clusterer.add(RESCUE_2016[0])
    for i in range(5):
        filler = _annotated(f"f{i}", f"Bridge {i} reopens in Oslo", f"Bridge number {i} reopened.",
                            published=date(2024, 3, 1 + i))
        clusterer.add(filler)
    assert clusterer.labels_["b1"] == 1
    assert 1 not in clusterer.stories_  # out of the window and idle: gone from memory
    assert len(clusterer.stories_) <= 5


def test_pair_similarity_ranks_same_event_first() -> None:
    df = DocumentFrequencies()
    for a in RESCUE_2024 + RESCUE_2016 + OTHER:
        df.add(featurize(a))
    same = pair_similarity(RESCUE_2024[0], RESCUE_2024[1], df=df)
    kind = pair_similarity(RESCUE_2024[0], RESCUE_2016[0], df=df)
    other = pair_similarity(RESCUE_2024[0], OTHER[0], df=df)
    assert 0.0 <= other < kind < same <= 1.0
    assert pair_similarity(RESCUE_2024[1], RESCUE_2024[0], df=df) == same
    assert 0.0 <= pair_similarity(RESCUE_2024[0], RESCUE_2024[1]) <= 1.0


def test_terms_of_chinese_text_are_character_bigrams() -> None:
    counted = terms("北京下雨 in Beijing")
    assert counted["北京"] == 1 and counted["京下"] == 1 and counted["beijing"] == 1


def test_refinement_does_not_merge_stories_that_share_only_a_place() -> None:
    from storyline.cluster.online import MIN_TEXT_COSINE
    from storyline.cluster.refine import _story_probability

    assert MIN_TEXT_COSINE > 0
    clusterer = OnlineClusterer()
    sport = _annotated("s", "Coastal United lift the cup",
                       "Coastal United won the Coastal Cup final 2-1 in Norhaven on Saturday. The winning goal came late.",
                       published=date(2026, 2, 21), places=("Norhaven",))
    council = _annotated("c", "Council vote postponed",
                         "Officials in Norhaven postponed the budget vote until the spring session of the council.",
                         published=date(2026, 1, 10), places=("Norhaven",))
    a, b = clusterer.add(sport), clusterer.add(council)
    assert a != b
    assert _story_probability(clusterer, a, b) == 0.0
    clusterer.refine()
    assert clusterer.labels_["s"] != clusterer.labels_["c"]


def test_interactions_append_every_product_of_two_features() -> None:
    from storyline.cluster.online import interactions

    assert interactions([2.0, 0.0, 3.0]) == [2.0, 0.0, 3.0, 0.0, 6.0, 0.0]
    assert len(interactions([1.0] * 17)) == 17 + 17 * 16 // 2


def test_probability_reads_linear_or_product_weights_by_their_length() -> None:
    import math

    import pytest

    from storyline.cluster.online import probability

    x = [2.0, 0.0, 3.0]
    linear = probability(x, weights=[0.5, 1.0, -1.0], bias=0.5)
    assert linear == pytest.approx(1 / (1 + math.exp(-(0.5 + 1.0 - 3.0))))
    # the products model: a weight on x0*x2 (the fifth input) changes the score
    products = probability(x, weights=[0.5, 1.0, -1.0, 0.0, 0.25, 0.0], bias=0.5)
    assert products == pytest.approx(1 / (1 + math.exp(-(0.5 + 1.0 - 3.0 + 0.25 * 6.0))))
    with pytest.raises(ValueError, match="fit neither"):
        probability(x, weights=[1.0] * 5, bias=0.0)


def test_fast_paths_give_what_the_plain_code_gives() -> None:
    """The speed-ups of the cluster stage return exactly what the plain code returns
    (ties, float sums and matches included): stories depend on it."""
    import heapq
    import random
    import re
    from collections import Counter

    from storyline.cluster import _weights
    from storyline.cluster.features import FEATURE_NAMES, _time_words, largest, most_common
    from storyline.cluster.online import interaction_probability, interactions, probability

    rng = random.Random(7)
    for _ in range(300):
        scores = {i: rng.choice([0.5, 1.0, 1.5, rng.random()]) for i in range(rng.randint(0, 40))}
        for n in (1, 3, 6):
            assert largest(scores, n) == heapq.nlargest(n, scores, key=scores.__getitem__)
        counts = Counter(rng.choice("abcdefgh") for _ in range(rng.randint(0, 30)))
        assert most_common(counts, 3) == counts.most_common(3)
        x = [rng.choice([0.0, 0.0, 1.0, rng.random(), -rng.random()]) for _ in range(len(FEATURE_NAMES))]
        for w, b in ((_weights.PAIR_WEIGHTS, _weights.PAIR_BIAS), (_weights.MERGE_WEIGHTS, _weights.MERGE_BIAS)):
            z = b + sum(wi * xi for wi, xi in zip(w, interactions(x), strict=True))
            assert interaction_probability(x, w, b) == pytest.approx(1 / (1 + math.exp(-z)), abs=1e-12)
        assert probability(x) == 1 / (1 + math.exp(-(_weights.BIAS + sum(
            wi * xi for wi, xi in zip(_weights.WEIGHTS, x, strict=True)))))
    weekday = re.compile(r"\b(mon|tues|wednes|thurs|fri|satur|sun)day\b", re.I)
    month = re.compile(r"\b(jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)(?:uary|ruary|ch|il|e|y|ust"
                       r"|tember|t\.|ober|ember|\.)?(?=\s+\d{1,2}\b)", re.I)
    for text in ("On FRIDAY, Dec. 15 and sept 3", "xfriday friday2 Mayday 12 jan 1", "Jan  31\nMay\n4",
                 "ſunday frıday é Friday DEC 1 dec 123", "Tuesday-Wednesday _friday Sept. 3", ""):
        assert _time_words(text) == (frozenset(m.lower() for m in weekday.findall(text)),
                                     frozenset(m.lower() for m in month.findall(text)))
    year = re.compile(r"(?<![\d$£€.,])((?:19[5-9]|20[0-4])\d)(?![\d%])")
    text = "x1999 a2001b é1999 $1998 .1997 1999% 2049 19999 (1950) 2050"
    assert years_in(text) == [int(y) for y in year.findall(text)] == [1999, 2001, 1999, 2049, 1950]


def test_linkage_alone_joins_one_event_and_keeps_the_other_apart() -> None:
    from storyline.cluster.refine import link_stories

    clusterer = OnlineClusterer()
    for i, a in enumerate(RESCUE_2024 + RESCUE_2016 + OTHER, 1):
        clusterer.add(a, story=i)  # every report its own story: only linkage can join them
    moved = link_stories(clusterer, threshold=0.35)
    labels = clusterer.labels_
    assert labels["a1"] == labels["a2"] == labels["a3"] == 1
    assert labels["b1"] == labels["b2"] == 4
    assert labels["c1"] == 6
    assert set(moved) == {"a2", "a3", "b2"}
    # refinement with merging off reaches the same stories through the linkage pass
    again = OnlineClusterer(merge_threshold=1.0, headline_merge_threshold=1.0)
    for i, a in enumerate(RESCUE_2024 + RESCUE_2016 + OTHER, 1):
        again.add(a, story=i)
    again.refine()
    assert again.labels_ == labels
    off = OnlineClusterer(merge_threshold=1.0, headline_merge_threshold=1.0, link_threshold=0.0,
                          headline_link_threshold=0.0)
    for i, a in enumerate(RESCUE_2024, 1):
        off.add(a, story=i)
    assert off.refine() == {}



def test_pair_means_stop_once_they_cannot_reach_the_bar() -> None:
    from storyline.cluster.refine import PairScores

    clusterer = OnlineClusterer()
    for i, a in enumerate(RESCUE_2024 + RESCUE_2016 + OTHER, 1):
        clusterer.add(a, story=i)
    rescue, other = clusterer.members_[1] + clusterer.members_[2] + clusterer.members_[3], clusterer.members_[6]
    whole = PairScores(clusterer)
    same = sum(whole(x, y) for x in rescue for y in rescue) / len(rescue) ** 2
    apart = sum(whole(x, y) for x in rescue for y in other) / len(rescue)
    assert apart < 0.5 <= same
    pairs = PairScores(clusterer)
    assert pairs.mean(rescue, rescue, at_least=0.5) == same  # reached: the full mean, in order
    assert pairs.mean(rescue, other, at_least=1.0) < 1.0
    # the six pairs within the rescue, and one with the rate rise: after it no mean of 1 is left
    assert sum(map(len, pairs._cache.values())) == 7


def test_pair_scores_are_the_pair_model_of_both_compares() -> None:
    # PairScores scores from its own sides (single_story ones in the reference) with the pair model itself
    from storyline.cluster.features import ArticleVectors, compare, story_of
    from storyline.cluster.online import symmetric
    from storyline.cluster.refine import PairScores

    clusterer = OnlineClusterer()
    for a in (*RESCUE_2024, *RESCUE_2016, *OTHER):
        clusterer.add(a)
    articles = [f for members in clusterer.members_.values() for f in members]
    pairs, df = PairScores(clusterer), clusterer.df_
    for a in articles:
        for b in articles:
            both = symmetric(compare(ArticleVectors(a, df), story_of(b), df, with_conflict=False),
                             compare(ArticleVectors(b, df), story_of(a), df, with_conflict=False))
            assert pairs(a, b) == clusterer.pair_probability(both, headline=a.headline_only or b.headline_only)


def test_attaching_a_group_is_attaching_each_in_turn() -> None:
    # refinement's joins and splits move whole groups (_absorb, _take_out)
    def moved(at_once: bool) -> tuple:
        clusterer = OnlineClusterer()
        for i, a in enumerate((*RESCUE_2024, *RESCUE_2016, *OTHER)):
            clusterer.add(a, story=i % 3)
        members = clusterer.members_[1]
        clusterer._detach(1)
        if at_once:
            clusterer._attach_all(members, 0)
        else:
            for f in members:
                clusterer._attach(f, 0)
        story = clusterer.stories_[0]
        sums = [list(getattr(story, name).items()) for name in ("title", "body", "all", "entities", "year_bag")]
        return (sums, [list(bag.items()) for bag in story.kinds.values()], list(story._norms.items()),
                [f.id for f in clusterer.members_[0]], clusterer._index.holders(),
                set(clusterer._expiry), story.last_seen)

    assert moved(at_once=True) == moved(at_once=False)
    clusterer = OnlineClusterer()
    clusterer._attach_all([], 5)  # nothing to attach: no story either
    assert 5 not in clusterer.stories_


def test_story_views_follow_a_story_as_it_grows() -> None:
    from storyline.cluster.refine import (
        STORY_BODY_KEYS,
        StoryViews,
        as_article,
        story_keys,
        text_norms,
    )

    clusterer = OnlineClusterer()
    for i, a in enumerate(RESCUE_2024, 1):
        clusterer.add(a, story=i)
    views = StoryViews(clusterer)
    keys, vectors, text = views.keys(1), views.vectors(1), views.vectors(1, text_only=True)
    norms = views.text_norms(1)
    assert views.keys(1) is keys and views.vectors(1) is vectors and text is vectors and views.text_norms(1) is norms
    clusterer.reassign("a2", 1)  # story 1 grows in place
    assert views.keys(1) == story_keys(clusterer.stories_[1], STORY_BODY_KEYS) != keys
    # (less the last item, the title as the compiled loop reads it: a capsule there)
    assert views.text_norms(1)[:5] == text_norms(clusterer.stories_[1], clusterer.df_)[:5] != norms[:5]
    assert views.vectors(1).features == as_article(1, clusterer.stories_[1])
    assert views.vectors(3, text_only=True) is views.vectors(3, text_only=True)


def test_a_story_seen_as_an_article_has_every_field_and_each_key_once() -> None:
    from dataclasses import fields

    from storyline.cluster.features import most_common
    from storyline.cluster.refine import STORY_BODY_KEYS, as_article, story_keys

    clusterer = OnlineClusterer()
    for a in (*RESCUE_2024, *RESCUE_2016):
        clusterer.add(a, story=1)
    story = clusterer.stories_[1]
    article = as_article(1, story)
    assert all(hasattr(article, f.name) for f in fields(article))  # every field set (slots)
    assert replace(article) == article and replace(article).keys == article.keys  # through __init__
    top_body = [t for t, _ in most_common(story.body, STORY_BODY_KEYS)]
    assert set(top_body) & set(story.title)  # a body term that repeats a title term
    assert story_keys(story, STORY_BODY_KEYS) == tuple(dict.fromkeys([*story.title, *story.entities, *top_body]))


def test_index_keys_do_not_depend_on_the_hash_seed() -> None:
    # Candidate scores are float sums over an article's keys: a set order (which changes
    # with PYTHONHASHSEED) made uci-headlines cluster differently from run to run.
    import os
    import subprocess
    import sys

    code = (
        "from tests.test_cluster import RESCUE_2024; from storyline.cluster import featurize; "
        "print(featurize(RESCUE_2024[0]).keys)"
    )
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    outputs = set()
    for seed in ("1", "2", "3"):
        env = {**os.environ, "PYTHONHASHSEED": seed,
               "PYTHONPATH": os.pathsep.join([root, os.path.join(root, "src")])}
        done = subprocess.run([sys.executable, "-c", code], env=env, cwd=root,
                              capture_output=True, text=True, check=True)
        outputs.add(done.stdout)
    assert len(outputs) == 1
    keys = featurize(RESCUE_2024[0]).keys
    assert keys[:3] == ("fisherm", "rescued", "vallett")  # the title's terms, in order


#: a fourth report of the 2024 rescue (a story needs four members to be split-checked).
RESCUE_2024_MORE = _annotated(
    "a4", "Coast guard rescues nine off Valletta",
    "Nine fishermen were rescued off Valletta after a storm, the coast guard said on Tuesday; "
    "Joseph Borg, the captain, was the last to leave the hull.",
    published=date(2024, 2, 6), people=("Joseph Borg",), places=("Valletta",))


def _one_story(articles: list[AnnotatedArticle]) -> OnlineClusterer:
    """A clusterer holding the articles forced into one story."""
    clusterer = OnlineClusterer()
    for article in articles:
        clusterer.add(article, story=1)
    return clusterer


def test_split_takes_apart_a_story_that_holds_two_events() -> None:
    from storyline.cluster.refine import split_stories

    clusterer = _one_story([*RESCUE_2024, RESCUE_2024_MORE, *RESCUE_2016])
    moved = split_stories(clusterer, ratio=0.5)
    labels = clusterer.labels_
    assert len({labels[i] for i in ("a1", "a2", "a3", "a4")}) == 1
    assert labels["b1"] == labels["b2"] != labels["a1"]
    # the larger part keeps the id; the split-off part is what moved
    assert labels["a1"] == 1 and set(moved) == {"b1", "b2"}
    # each part is a story of its own in the clusterer's state
    assert sorted(len(m) for m in clusterer.members_.values()) == [2, 4]


def test_split_leaves_one_event_whole_and_ratio_zero_is_off() -> None:
    from storyline.cluster.refine import split_stories

    lumped = _one_story([*RESCUE_2024, RESCUE_2024_MORE, *RESCUE_2016])
    assert split_stories(lumped, ratio=0.0) == {}
    assert len(set(lumped.labels_.values())) == 1
    one_event = _one_story([*RESCUE_2024, RESCUE_2024_MORE])
    assert split_stories(one_event, ratio=0.5) == {}
    assert len(one_event.members_[1]) == 4


def test_a_fragment_joins_the_story_holding_its_nearest_report() -> None:
    from dataclasses import replace

    from storyline.cluster.refine import attach_fragments

    # a rewrite of one 2024 report, left in a story of its own by the stream
    rewrite = _annotated(
        "a5", "Nine fishermen rescued as trawler capsizes off Valletta",
        "Nine fishermen were pulled from the sea off Valletta after their trawler capsized in "
        "a storm, the coast guard said. The captain, Joseph Borg, praised the rescuers.",
        published=date(2024, 2, 7), people=("Joseph Borg",), places=("Valletta",))

    def stories(*fragments: AnnotatedArticle) -> OnlineClusterer:
        clusterer = _one_story([*RESCUE_2024, RESCUE_2024_MORE])
        for i, fragment in enumerate(fragments, 2):
            clusterer.add(fragment, story=i)
        return clusterer

    clusterer = stories(rewrite, RESCUE_2016[0])
    moved = attach_fragments(clusterer, threshold=0.6)
    assert moved == {"a5": 1}
    assert clusterer.labels_["b1"] == 3  # the 2016 rescue is another event: it stays apart
    assert len(clusterer.members_[1]) == 5 and 2 not in clusterer.stories_
    # the same words eight years later: the time window vetoes it, report against report
    later = replace(rewrite, article=replace(rewrite.article, published=date(2032, 2, 7)),
                    event_date=date(2032, 2, 7))
    assert attach_fragments(stories(later), threshold=0.6) == {}
    # off: a threshold of 0 at refinement leaves the fragment where it is
    off = stories(rewrite)
    off.attach_threshold = 0.0
    off.merge_threshold = off.headline_merge_threshold = 1.0
    off.link_threshold = off.headline_link_threshold = 0.0
    assert off.refine() == {}


def test_entity_conflict_needs_names_of_its_own_on_both_sides() -> None:
    from storyline.cluster.features import conflict, core, names

    idf = dict.fromkeys(["l:paris", "o:harry winston", "p:casty", "p:harry winston"], 1.0)
    # two heists: each story repeats a jeweller and a sum the other never names
    first = {"l:paris": 6.0, "o:harry winston": 5.0, "p:guard": 1.0}
    second = {"l:paris": 4.0, "p:casty": 4.0, "l:cannes": 1.0}
    # "Harry Winston" tagged a person in one story and an organisation in the other is one name
    fragment = {"l:paris": 2.0, "p:harry winston": 2.0}
    assert core(first) == {"l:paris": 6.0, "o:harry winston": 5.0}
    assert core({"l:paris": 1.0}) == {}
    # of the first story's core, Harry Winston (5 of 11); of the second's, Casty (4 of 8)
    assert conflict(core(first), names(first), core(second), names(second), idf) == pytest.approx(5 / 11)
    assert conflict(core(first), names(first), core(fragment), names(fragment), idf) == 0.0
    assert conflict({}, names(first), core(second), names(second), idf) == 0.0


def test_the_decisions_that_skip_entity_conflict_give_it_no_weight() -> None:
    # The join, pair and linkage decisions compare with_conflict=False (speed): that holds
    # only while their fitted weights for the feature, and for its products, are zero.
    from storyline.cluster import _weights
    from storyline.cluster.features import (
        FEATURE_NAMES,
        ArticleVectors,
        DocumentFrequencies,
        compare,
        story_of,
    )

    n, k = len(FEATURE_NAMES), FEATURE_NAMES.index("entity_conflict")
    products = [n + i * (n - 1) - i * (i - 1) // 2 + (j - i - 1)
                for i in range(n) for j in range(i + 1, n) if k in (i, j)]
    assert _weights.WEIGHTS[k] == _weights.HEADLINE_WEIGHTS[k] == 0.0
    for weights in (_weights.PAIR_WEIGHTS, _weights.HEADLINE_PAIR_WEIGHTS):
        assert all(weights[i] == 0.0 for i in (k, *products))
    # and without it compare gives every other feature as before
    a, b = featurize(RESCUE_2024[0]), featurize(RESCUE_2024[1])
    df = DocumentFrequencies()
    df.add(a)
    df.add(b)
    full = compare(ArticleVectors(a, df), story_of(b), df)
    lean = compare(ArticleVectors(a, df), story_of(b), df, with_conflict=False)
    assert lean[k] == 0.0 and lean[:k] + lean[k + 1:] == full[:k] + full[k + 1:]


def test_the_text_floor_shortcuts_agree_with_words_meet() -> None:
    # compare(floor=...) and shares_words stop early where the text cosines miss the
    # floor; what they decide must be what words_meet decides on the full features.
    from storyline.cluster.features import (
        ArticleVectors,
        DocumentFrequencies,
        compare,
        shares_words,
        story_of,
        words_meet,
    )

    articles = [featurize(a) for a in (*RESCUE_2024, *RESCUE_2016)]
    df = DocumentFrequencies()
    for f in articles:
        df.add(f)
    seen = set()
    for a in articles:
        for b in articles:
            if a is b:
                continue
            full = compare(ArticleVectors(a, df), story_of(b), df)
            for floor in (0.05, 0.25, 0.5, 0.9):
                meets = words_meet(full, floor)
                seen.add(meets)
                short = compare(ArticleVectors(a, df), story_of(b), df, floor=floor)
                assert (short is not None) == meets and (short is None or short == full)
                assert shares_words(ArticleVectors(a, df), story_of(b), df, floor) == meets
    assert seen == {True, False}  # both outcomes were exercised


def test_a_fragment_without_headline_or_names_is_found_by_its_body_terms() -> None:
    from storyline.cluster.refine import as_article, attach_fragments

    # a report with neither a headline nor a name the tagger found (ECB+'s "ecb" texts):
    # refinement retrieves stories by a story's title terms, names and body terms
    untitled = _annotated(
        "a5", "",
        "Nine fishermen were pulled from the sea off Valletta after their trawler capsized in "
        "a storm, the coast guard said. The captain praised the rescuers of the trawler crew.",
        published=date(2024, 2, 7))
    clusterer = _one_story([*RESCUE_2024, RESCUE_2024_MORE])
    clusterer.add(untitled, story=2)
    keys = as_article(2, clusterer.stories_[2]).keys
    assert set(terms("trawler fishermen")) <= set(keys)
    assert attach_fragments(clusterer, threshold=0.6) == {"a5": 1}


def test_weighs_reads_a_feature_alone_or_in_its_products() -> None:
    from storyline.cluster.features import FEATURE_NAMES
    from storyline.cluster.online import interactions, weighs

    n = len(FEATURE_NAMES)
    linear = [0.0] * n
    assert not weighs(linear, 3)
    linear[3] = 0.5
    assert weighs(linear, 3) and not weighs(linear, 4)
    # over products: a weight on the product of features 3 and 7 only
    marked = interactions([1.0 if i in (3, 7) else 0.0 for i in range(n)])
    product = marked.index(1.0, n)  # the one product that is 1: features 3 and 7
    over_products = [0.0] * len(marked)
    over_products[product] = -1.0
    assert weighs(over_products, 3) and weighs(over_products, 7) and not weighs(over_products, 5)


def _embedded(article: AnnotatedArticle, vector: list[float]) -> AnnotatedArticle:
    from dataclasses import replace

    norm = math.sqrt(sum(v * v for v in vector))
    return replace(article, embedding=tuple(v / norm for v in vector))


def _headline(ident: str, title: str) -> AnnotatedArticle:
    return _annotated(ident, title, "", published=date(2014, 3, 10))


def test_semantic_cosine_reads_the_story_mean_and_needs_both_sides() -> None:
    from storyline.cluster.features import StoryFeatures, semantic_cosine

    first = featurize(_embedded(_headline("h1", "Plosser sees high bar for taper change"), [1.0, 0.0]))
    second = featurize(_embedded(_headline("h2", "Fed official says weather hit data"), [0.0, 1.0]))
    plain = featurize(_headline("h3", "Plosser speaks"))
    story = StoryFeatures()
    story.add(first)
    assert semantic_cosine(first, story) == pytest.approx(1.0)
    assert semantic_cosine(plain, story) is None
    story.add(second)  # the mean of two orthogonal unit vectors
    assert semantic_cosine(first, story) == pytest.approx(math.sqrt(0.5))
    empty = StoryFeatures()
    empty.add(plain)
    assert semantic_cosine(first, empty) is None
    merged = StoryFeatures()
    merged.merge(story)
    assert semantic_cosine(second, merged) == pytest.approx(math.sqrt(0.5))


def test_semantic_headline_model_joins_rewordings_the_plain_model_keeps_apart() -> None:
    # Two rewordings of one headline share a name and little else: the plain headline
    # model opens a second story; with embeddings that agree, the semantic model joins.
    first = _headline("h1", "Fed's Charles Plosser sees high bar for change in pace of tapering")
    second = _headline("h2", "Plosser says weak data caused by weather, should not slow taper")
    plain = OnlineClusterer()
    assert plain.add(first) != plain.add(second)

    same = OnlineClusterer()
    assert same.add(_embedded(first, [1.0, 0.1, 0.0])) == same.add(_embedded(second, [1.0, 0.0, 0.1]))

    # Embeddings that disagree keep them apart.
    apart = OnlineClusterer()
    assert apart.add(_embedded(first, [1.0, 0.0, 0.0])) != apart.add(_embedded(second, [0.0, 1.0, 0.0]))


def test_a_headline_with_an_embedding_meets_a_story_without_through_the_plain_model() -> None:
    # A story restored from a run without the extra has no embeddings: the plain headline
    # model (and its text floor) decides, as it would have without the extra.
    first = _headline("h1", "Plosser sees high bar for change in pace of tapering")
    clusterer = OnlineClusterer()
    semantic_calls = []
    semantic_probability = clusterer.semantic_probability

    def counted(features, similarity):
        semantic_calls.append(similarity)
        return semantic_probability(features, similarity)

    clusterer.semantic_probability = counted  # type: ignore[method-assign]
    story = clusterer.add(first, story=7)
    assert clusterer.stories_[story].embedding_sum is None
    again = _headline("h3", "Plosser sees high bar for change in pace of tapering, Fed says")
    assert clusterer.add(_embedded(again, [0.0, 1.0])) == story
    assert semantic_calls == []  # the plain model joined it
    # now the story holds h3's embedding: the semantic model reads the next headline
    clusterer.add(_embedded(_headline("h4", "Plosser sees high bar for taper change"), [0.0, 1.0]))
    assert semantic_calls and semantic_calls[-1] == pytest.approx(1.0)


def test_a_year_bound_gives_no_event_day() -> None:
    from dataclasses import replace

    from storyline.cluster.features import event_date, featurize

    dated = RESCUE_2024[0]
    assert event_date(dated) == date(2024, 2, 6)
    assert featurize(dated).day == date(2024, 2, 6).toordinal()
    # "latest year the page mentions" is 1 January of it: no day to compare reports by
    bound = replace(dated, article=replace(dated.article, published=date(2024, 1, 1), published_by="latest-year"),
                    event_date=date(2024, 1, 1))
    assert bound.article.publication_day is None and event_date(bound) is None and featurize(bound).day is None


def test_linkage_reads_reports_whose_words_meet_less_than_one_join_needs(monkeypatch) -> None:
    """Two short reports of one event in other words (body cosine 0.21, under the stream's
    floor 0.25) that the pair model calls one event: the linkage pass joins them at its own
    floor (refine.LINK_TEXT_FLOOR), and only there."""
    from storyline.cluster import refine

    kurz = _annotated("k1", "", "Sebastian Kurz and Werner Kogler agreed a coalition in Vienna after weeks of "
                      "talks between the conservatives and the Greens, ending months without a government.",
                      people=("Sebastian Kurz", "Werner Kogler"), places=("Vienna",))
    pact = _annotated("k2", "", "Austria gets its first government of the People's Party and the Greens: Kurz "
                      "and Kogler presented their pact, which party delegates must still approve on Saturday.",
                      people=("Sebastian Kurz", "Werner Kogler"), places=("Vienna",))
    others = [_annotated(f"o{i}", "", text) for i, text in enumerate([
        "The central bank raised interest rates by half a point to slow inflation.",
        "Heavy rain flooded the harbour and sank nine fishing boats overnight.",
        "The football club signed a new striker from Brazil for a record fee."])]

    def linked(floor: float) -> bool:
        monkeypatch.setattr(refine, "LINK_TEXT_FLOOR", floor)
        clusterer = OnlineClusterer(threshold=1.0)  # the stream joins nothing
        for article in (kurz, *others, pact):
            clusterer.add(article)
        refine.link_stories(clusterer, threshold=0.3)
        return clusterer.labels_["k1"] == clusterer.labels_["k2"]

    assert linked(refine.LINK_TEXT_FLOOR) and refine.LINK_TEXT_FLOOR < 0.21
    assert not linked(0.25)


def _saints(ident: str, extra: str = "", *, published: date | None = None) -> AnnotatedArticle:
    """A report of Reggie Bush put on injured reserve, plus ``extra`` (where years go)."""
    text = ("The New Orleans Saints placed running back Reggie Bush on injured reserve on Wednesday "
            "because of a sprained knee, ending his season before the playoffs." + extra)
    return _annotated(ident, "Saints place Reggie Bush on injured reserve", text, published=published,
                      people=("Reggie Bush",))


#: two dated reports of January 2011.
SAINTS_2011 = [_saints(f"d{i}", published=date(2011, 1, 5)) for i in (1, 2)]


def _linked_to_2011(reports: list[AnnotatedArticle]) -> bool:
    """Whether linkage alone (the stream joins nothing) puts ``reports``, which it joins to
    each other, in the story of SAINTS_2011."""
    from storyline.cluster import refine

    clusterer = OnlineClusterer(threshold=1.0)
    for article in (*SAINTS_2011, *reports):
        clusterer.add(article)
    refine.link_stories(clusterer, threshold=0.3)
    labels = clusterer.labels_
    assert labels["d1"] == labels["d2"] and len({labels[a.id] for a in reports}) == 1
    return labels["d1"] == labels[reports[0].id]


def test_undated_reports_naming_only_earlier_years_stay_out_of_a_dated_story() -> None:
    """The same player on injured reserve in two seasons: two dated reports of 2011 and two
    undated ones whose only years are 2006 and 2008 are two events, however alike their words;
    undated reports that name no year, or the dated story's year, still join it."""
    earlier = [_saints("u1", " Bush, the second pick of the 2006 draft, ran for 404 yards in 2008."),
               _saints("u2", " The knee kept Bush out of four games in the 2008 season.")]
    same_year = [_saints("s1", " Bush ran for 150 yards in 2011."), _saints("s2", " The knee had troubled him.")]
    assert not _linked_to_2011(earlier)
    assert _linked_to_2011(same_year)


def test_three_undated_reports_naming_later_years_stay_out_of_a_dated_story() -> None:
    """Undated reports of the same team's later season (naming 2014) are another event than
    the dated story of 2011 once three of them say so; two may be naming plans to come."""
    from storyline.cluster import refine

    later = [_saints(f"l{i}", f" It is his {word} injury of the 2014 season.")
             for i, word in enumerate(("second", "third", "fourth"))]
    assert refine.LATER_YEAR_REPORTS == 3
    assert not _linked_to_2011(later)
    assert _linked_to_2011(later[:2])


def test_an_undated_report_naming_other_years_moves_to_that_event_s_story() -> None:
    """An undated report the stream put in the dated 2011 story moves to the story of undated
    reports that the pair model places it in best when the years it names lie before 2011
    (2006 and 2008) or after 2012 (2014); one that names 2011 stays where it is."""
    from storyline.cluster import refine

    def story_of(stray_extra: str, others_extra: str) -> int:
        clusterer = OnlineClusterer()
        for article in (*SAINTS_2011, _saints("s", stray_extra)):
            clusterer.add(article, story=1)
        undated = [_saints(f"u{i}", others_extra) for i in (1, 2)]
        for article in undated:
            clusterer.add(article, story=2)
        refine.move_reports_by_year(clusterer, threshold=0.3)
        assert {clusterer.labels_[a.id] for a in SAINTS_2011} == {1}
        assert {clusterer.labels_[a.id] for a in undated} == {2}
        return clusterer.labels_["s"]

    earlier = " The knee kept Bush, the second pick of the 2006 draft, out of four games in the 2008 season."
    later = " The knee kept Bush out of four games in the 2014 season."
    assert story_of(earlier, earlier) == 2
    assert story_of(later, later) == 2
    assert story_of(" Bush ran for 150 yards in 2011.", earlier) == 1


def test_a_report_whose_years_contradict_its_story_moves_even_when_it_reads_closer_to_it() -> None:
    """Reports of two seasons' injuries share the player, the team and the words, so the
    pair model may rate the stray higher with the dated story than with its own event's
    undated reports; its years (2008, before the story's 2011) decide, once the other
    story passes the threshold."""
    from storyline.cluster import refine

    wild_card = " Pierre Thomas will carry the load against Seattle in the wild card round on Saturday."
    dated = [_saints(f"d{i}", wild_card, published=date(2011, 1, 5)) for i in (1, 2)]
    clusterer = OnlineClusterer()
    for article in (*dated, _saints("s", wild_card + " He missed four games in 2008.")):
        clusterer.add(article, story=1)
    undated = [_annotated(f"u{i}", "Bush out for the season",
                          f"Reggie Bush {rest} in 2008 before the sprained knee ended his season in New Orleans.",
                          people=("Reggie Bush",))
               for i, rest in enumerate(("ran for 404 yards", "caught 52 passes"))]
    for article in undated:
        clusterer.add(article, story=2)
    pair = refine.PairScores(clusterer)
    features = {f.id: f for members in clusterer.members_.values() for f in members}
    own = sum(pair(features["s"], features[a.id]) for a in dated) / 2
    other = sum(pair(features["s"], features[a.id]) for a in undated) / 2
    assert 0.3 <= other < own, (other, own)  # the pair model alone would keep it where it is
    refine.move_reports_by_year(clusterer, threshold=0.3)
    assert clusterer.labels_["s"] == 2


def test_undated_reports_that_all_name_other_years_are_split_off_a_dated_story() -> None:
    """The stream put undated reports of the 2008 season into the dated 2011 story one at a
    time. Once three of them name only earlier years and none names 2011, the undated
    reports leave it together, the one naming no year with them; two such reports, one
    undated report naming 2011, or a single dated report leave the story whole."""
    from storyline.cluster import refine

    def split(undated: list[AnnotatedArticle], dated: list[AnnotatedArticle] = SAINTS_2011) -> set[str]:
        clusterer = OnlineClusterer()
        for article in (*dated, *undated):
            clusterer.add(article, story=1)
        refine.split_off_other_years(clusterer)
        assert {clusterer.labels_[a.id] for a in dated} == {1}
        return {a.id for a in undated if clusterer.labels_[a.id] != 1}

    earlier = [_saints(f"e{i}", f" The knee kept Bush out of {n} games in the 2008 season.")
               for i, n in enumerate(("two", "three", "four"))]
    no_year = _saints("n", " The knee had troubled him for weeks.")
    assert refine.OTHER_YEARS_REPORTS == 3 and refine.OTHER_YEARS_DATED == 2
    assert split([*earlier, no_year]) == {"e0", "e1", "e2", "n"}
    assert split([*earlier[:2], no_year]) == set()
    assert split([*earlier, _saints("s", " Bush ran for 150 yards in 2011.")]) == set()
    assert split(earlier, SAINTS_2011[:1]) == set()


def test_a_story_counts_its_reports_and_dated_reports() -> None:
    # the year passes skip stories by these counts (_dated_stories) rather than walk their
    # reports: size is every report, day_n the dated ones, through the stream's joins and
    # refinement's joins, moves and splits
    from storyline.cluster import refine

    clusterer = OnlineClusterer()
    for i, article in enumerate((*SAINTS_2011, *RESCUE_2024, *RESCUE_2016, *OTHER)):
        clusterer.add(article, story=i % 2)
    undated = [_saints(f"e{i}", f" The knee kept Bush out of {n} games in the 2008 season.")
               for i, n in enumerate(("two", "three", "four"))]
    for article in undated:
        clusterer.add(article, story=0)
    refine.refine_stories(clusterer, split_ratio=0.5, headline_split_ratio=0.5)
    refine.move_reports_by_year(clusterer, threshold=0.3)
    refine.split_off_other_years(clusterer)
    counted = {sid: (len(members), sum(f.day is not None for f in members))
               for sid, members in clusterer.members_.items()}
    assert counted == {sid: (story.size, story.day_n) for sid, story in clusterer.stories_.items()}
    assert any(size > dated for size, dated in counted.values())


@pytest.mark.parametrize("which", ["active", "reference"])
def test_out_of_window_stories_take_no_place_among_those_compared(which: str) -> None:
    """A report re-published months later finds its own earlier story the closest; that
    story can never be joined (out of the time window), so it must not take one of the
    places compared in full, which go to the stories within the window."""
    from storyline.cluster import online
    from storyline.cluster.features import ArticleFeatures, StoryFeatures

    decide = online.decide if which == "active" else online._REFERENCE["decide"]
    day = date(2024, 5, 1).toordinal()

    def report(ident: str, when: int, words: dict[str, float]) -> ArticleFeatures:
        return ArticleFeatures(id=ident, title=dict(words), body={**words, "crew": 1.0}, entities={"l:valletta": 1.0},
                               numbers=frozenset(), day=when, year=2024)

    words = {"trawler": 2.0, "capsize": 2.0, "rescue": 1.0}
    old = [report(f"old{k}", day - 200 - k, words) for k in range(3)]  # the same text, months before
    near = report("near", day - 2, {"trawler": 2.0, "capsize": 1.0, "storm": 1.0})
    article = report("new", day, words)
    df = DocumentFrequencies()
    stories: dict[int, StoryFeatures] = {}
    for sid, f in enumerate([*old, near]):
        df.add(f)
        stories[sid] = StoryFeatures()
        stories[sid].add(f, df=df)
    df.add(article)
    # one place compared in full: the old stories rank first by their words, yet the one
    # within the 90-day window is the one compared, and joined
    assert decide(article, [0, 1, 2, 3], stories, df, 1, 0.0, 90, [0.5] * 18, -1.0, 0.0) == 3
    assert decide(article, [0, 1, 2], stories, df, 1, 0.0, 90, [0.5] * 18, -1.0, 0.0) is None
    assert online.in_window(article, stories[3], 90) and not online.in_window(article, stories[0], 90)


@pytest.mark.parametrize("headline", [False, True])
def test_the_stream_decides_with_the_models_and_retrieval_its_methods_give(headline: bool,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """_decide reads the join model, the text floor and the retrieval inline (a call less per
    article); what it passes must stay what join_model(), text_floor() and _retrieve() give,
    the models overridden or not."""
    from storyline.cluster import online

    seen: list[tuple] = []

    def spy(index, keys, most, limit, features, stories, df, count, floor, window, weights, bias,  # type: ignore[no-untyped-def]
            threshold):
        seen.append((list(index.top(keys, df.weights, most, limit)), floor, list(weights), bias, threshold))
        return None

    for overrides in ({}, {"weights": [0.1] * 18, "bias": -2.0, "headline_weights": [0.2] * 18, "headline_bias": -3.0,
                           "threshold": 0.6, "headline_threshold": 0.7}):
        clusterer = OnlineClusterer(**overrides)  # type: ignore[arg-type]
        for article in RESCUE_2024[:2]:
            clusterer.add(article)
        monkeypatch.setattr(online, "retrieve_and_decide", spy)
        features = replace(featurize(RESCUE_2024[2]), headline_only=headline)
        clusterer._decide(features)
        monkeypatch.undo()
        weights, bias = clusterer.join_model(headline=headline)
        threshold = clusterer.headline_threshold if headline else clusterer.threshold
        assert seen.pop() == (clusterer._retrieve(features.keys), clusterer.text_floor(headline=headline),
                              list(weights), bias, threshold)
