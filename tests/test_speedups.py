"""The compiled loops (the clusterer's, the line classifier's) give exactly what their Python references give."""

from __future__ import annotations

import abc
import contextlib
import itertools
import math
import random
from collections import Counter
from collections.abc import Callable
from copy import deepcopy
from fractions import Fraction

import pytest

from storyline.cluster import _sparse

speedups = pytest.importorskip("storyline._speedups", reason="the C loops were not compiled here")


class _Idf(dict):
    """An IDF mapping that computes missing terms, as the clusterer's cache does."""

    def __missing__(self, term: str) -> float:
        value = self[term] = math.log(7 / (len(term) + 1)) + 1.0
        return value


def _bags(seed: int) -> tuple[dict[str, float], dict[str, float], _Idf]:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(60)]
    a = {w: rng.random() * 3 for w in rng.sample(words, 25)}
    b = {w: rng.choice([1.0, 0.5, rng.random()]) for w in rng.sample(words, 40)}
    idf = _Idf({w: rng.random() * 5 for w in rng.sample(words, 30)})  # the rest computed
    return a, b, idf


@pytest.mark.parametrize("seed", range(20))
def test_each_loop_matches_its_reference_to_the_last_bit(seed: int) -> None:
    a, b, idf = _bags(seed)
    ref_idf, c_idf = _Idf(idf), _Idf(idf)
    assert speedups.weighted_dot(a, b, c_idf) == _reference("weighted_dot")(a, b, ref_idf)
    assert speedups.weighted_dot({}, b, c_idf) == _reference("weighted_dot")({}, b, ref_idf) == 0
    assert speedups.weighted_square_sum(b, c_idf) == _reference("weighted_square_sum")(b, ref_idf)
    assert list(speedups.weighted(a, c_idf).items()) == list(_reference("weighted")(a, ref_idf).items())
    assert speedups.square_sum(a) == _reference("square_sum")(a)
    assert c_idf == ref_idf  # the same missing terms were computed
    # adding into a bag, with and without the running squared norm
    bag_c, bag_r = dict(b), dict(b)
    got = speedups.add_into(bag_c, a, c_idf, 12.5)
    want = _reference("add_into")(bag_r, a, ref_idf, 12.5)
    assert got == want and list(bag_c.items()) == list(bag_r.items())
    assert speedups.add_into(bag_c, b, None, None) is None
    _reference("add_into")(bag_r, b, None, None)
    assert list(bag_c.items()) == list(bag_r.items())
    # index retrieval: the best by their scores, then their ids
    rng = random.Random(seed)
    compiled, reference = speedups.KeyIndex(), _reference("KeyIndex")()
    for sid in range(50):
        keys = rng.sample(list(a)[:20], rng.randint(0, 3))
        compiled.file(keys, sid)
        reference.file(keys, sid)
    keys = list(a) + ["absent"]
    for limit in (0, 3, 100):
        got = compiled.top(keys, c_idf, 5, limit)
        assert got == reference.top(keys, ref_idf, 5, limit)


def test_errors_are_raised_not_swallowed() -> None:
    class Broken(dict):
        def __missing__(self, term: str) -> float:
            raise KeyError(term)

    with pytest.raises(KeyError):
        speedups.weighted_dot({"x": 1.0}, {"x": 2.0}, Broken())
    with pytest.raises(TypeError):
        speedups.weighted_dot({"x": "a"}, {"x": 2.0}, {"x": 1.0})
    with pytest.raises(TypeError):
        speedups.square_sum([1.0])


def test_the_clusterer_uses_them() -> None:
    assert _sparse.COMPILED


def _reference(name: str):  # type: ignore[no-untyped-def]
    """The pure-Python function of _sparse (shadowed there by the compiled one)."""
    return _sparse._REFERENCE[name]


def _stream(n: int, seed: int = 3) -> list:
    """Synthetic reports of a dozen events (shared words, names, days) and stray headlines."""
    from datetime import date, timedelta

    from storyline.model import AnnotatedArticle, Article, Entity

    rng = random.Random(seed)
    letters = "bcdfghklmnprstvz"
    vocab = sorted({"".join(rng.choice(letters) + rng.choice("aeiou") for _ in range(4)) for _ in range(300)})
    places = ["Valletta", "Gozo", "Norhaven", "Ashbury", "Carrow", "Mdina"]
    events = [(rng.sample(vocab, 12), places[k % len(places)], date(2024, 1, 1) + timedelta(days=rng.randint(0, 90)))
              for k in range(12)]
    out = []
    for i in range(n):
        words, place, day = events[rng.randrange(len(events))]
        title = " ".join(rng.sample(words, 5))
        headline_only = rng.random() < 0.3
        text = "" if headline_only else " ".join(rng.sample(words, 8) + rng.sample(vocab, 5)) + f" in {place}."
        start = (title + "\n" + text).find(place)
        entities = (Entity(text=place, label="GPE", canonical=place, start=start, end=start + len(place)),) \
            if start >= 0 else ()
        published = day + timedelta(days=rng.randint(0, 2))
        article = Article(id=f"s{i}", source="test", title=title, text=text, published=published,
                          published_confidence=1.0)
        out.append(AnnotatedArticle(article=article, entities=entities, event_date=published))
    return out


def test_a_stream_makes_the_same_stories_with_and_without_the_compiled_loops(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from storyline.cluster import features
    from storyline.cluster.online import OnlineClusterer

    def run() -> tuple[dict[str, int], list[float]]:
        clusterer = OnlineClusterer()
        for article in _stream(240):
            clusterer.add(article)
        clusterer.refine()
        story = next(iter(clusterer.stories_.values()))
        return dict(clusterer.labels_), [story.norm(name, bag, clusterer.df_)
                                         for name, bag in (("title", story.title), ("all", story.all))]

    compiled = run()
    _use_references(monkeypatch)
    assert features.weighted_dot is _sparse._REFERENCE["weighted_dot"]
    assert features.pair_features is features._KERNEL_REFERENCE["pair_features"]
    assert run() == compiled
    assert len(set(compiled[0].values())) > 5  # stories were formed and kept apart


def _kernel_references() -> dict:
    """The pure-Python references of the clusterer's C loops and scoring kernel, by name."""
    from storyline.cluster import features, online, refine

    return {**_sparse._REFERENCE, **features._KERNEL_REFERENCE, **online._REFERENCE, **refine._REFERENCE}


def _cluster_modules() -> tuple:
    from storyline.cluster import features, online, refine, similarity

    return features, online, refine, similarity


def _use_references(patch: pytest.MonkeyPatch) -> None:
    """The references in every cluster module that imported the compiled functions."""
    for module in _cluster_modules():
        for name, reference in _kernel_references().items():
            if hasattr(module, name):
                patch.setattr(module, name, reference)


#: the ArticleVectors slots fill_vectors sets (the entity and year ones unless text_only)
_VECTOR_SLOTS = ("features", "title", "title_norm", "body", "body_norm", "all", "all_norm")
_ENTITY_SLOTS = ("entities", "entity_norm", "years", "years_norm", "kinds")


def _same_items(a: object, b: object) -> bool:
    """Equal, of one type, and dicts (and TermBags) in the same order."""
    if isinstance(a, (dict, speedups.TermBag)):
        return type(a) is type(b) and list(a.items()) == list(b.items())  # type: ignore[union-attr]
    return type(a) is type(b) and a == b


def _checked_kernel(patch: pytest.MonkeyPatch) -> Counter:
    """Each compiled kernel function, wherever the cluster modules hold it, replaced by one
    that runs it and its reference on the same input (a story's norm cache as it was) and
    asserts the same result and the same cache after; returns the calls checked by name."""
    from storyline.cluster import features

    checked: Counter = Counter()
    references = {name: f for name, f in _kernel_references().items() if name not in _sparse._REFERENCE}

    def rerun(name: str, norms: dict, args: tuple, stories: tuple = ()):  # type: ignore[no-untyped-def]
        """The compiled and the reference result, each from the norm cache (or the
        ``stories``' norm caches) and the stories' cached top names as they were."""
        caches = [story._norms for story in stories] or [norms]

        def state() -> list:
            return [list(c.items()) for c in caches] + [story._top for story in stories]

        before = [dict(c) for c in caches], [story._top for story in stories]
        got = getattr(speedups, name)(*args)
        after = state()
        for cache, kept in zip(caches, before[0], strict=True):
            cache.clear()
            cache.update(kept)
        for story, top in zip(stories, before[1], strict=True):
            story._top = top
        want = references[name](*args)
        if name in ("text_norms", "article_norms"):
            # its last item: the title as the compiled loop reads it (the reference's None, or
            # the one of the article_norms it was given)
            assert type(got[-1]).__name__ == "PyCapsule" and (want[-1] is None or want[-1] is got[-1])
            assert _same_items(got[:-1], want[:-1]), (name, got, want)
        else:
            assert _same_items(got, want), (name, got, want)
        assert state() == after, name
        checked[name] += 1
        return got

    def story_cosine(vec, norm, bag, norms, name, idf):  # type: ignore[no-untyped-def]
        return rerun("story_cosine", norms, (vec, norm, bag, norms, name, idf))

    def text_cosine(vectors, story, df):  # type: ignore[no-untyped-def]
        return rerun("text_cosine", story._norms, (vectors, story, df), (story,))

    def pair_features(vectors, story, idf, norms, cross, floor):  # type: ignore[no-untyped-def]
        # the story's top names as they were too: the compiled kernel computes them itself
        return rerun("pair_features", norms, (vectors, story, idf, norms, cross, floor),
                     (story,) if story._norms is norms else ())

    def rank_stories(vectors, candidates, stories, df, count):  # type: ignore[no-untyped-def]
        return rerun("rank_stories", {}, (vectors, candidates, stories, df, count),
                     tuple(stories[sid] for sid in candidates))

    def shares_words(vectors, story, df, floor):  # type: ignore[no-untyped-def]
        return rerun("shares_words", story._norms, (vectors, story, df, floor), (story,))

    def fresh_norms_of(story, df):  # type: ignore[no-untyped-def]
        return rerun("fresh_norms_of", story._norms, (story, df), (story,))

    def top_entities_of(story):  # type: ignore[no-untyped-def]
        return rerun("top_entities_of", story._norms, (story,), (story,))

    def best_story(vectors, ranked, stories, df, floor, window_days, weights, bias, threshold):  # type: ignore[no-untyped-def]
        return rerun("best_story", {}, (vectors, ranked, stories, df, floor, window_days, weights, bias, threshold),
                     tuple(stories[sid] for sid in ranked))

    def same_decision(name: str, args: tuple, df, read: list):  # type: ignore[no-untyped-def]
        # as rerun, and the IDF weights as they were too: both compute the article's missing ones
        def state() -> list:
            return [list(df.weights.items())] + [list(story._norms.items()) for story in read] + [
                story._top for story in read]

        idf, norms, tops = dict(df.weights), [dict(story._norms) for story in read], [story._top for story in read]
        got = getattr(speedups, name)(*args)
        after = state()
        df.weights.clear()
        df.weights.update(idf)
        for story, kept, top in zip(read, norms, tops, strict=True):
            story._norms.clear()
            story._norms.update(kept)
            story._top = top
        want = references[name](*args)
        assert got == want, (name, got, want)
        assert state() == after, name
        checked[name] += 1
        return got

    def decide(f, candidates, stories, df, count, floor, window_days, weights, bias, threshold):  # type: ignore[no-untyped-def]
        return same_decision("decide", (f, candidates, stories, df, count, floor, window_days, weights, bias,
                                        threshold), df, [stories[sid] for sid in candidates])

    def retrieve_and_decide(index, keys, most, limit, f, stories, df, *rest):  # type: ignore[no-untyped-def]
        # as decide, over every story (the candidates are some of them); the reference's
        # decide is the wrapper above
        return same_decision("retrieve_and_decide", (index, keys, most, limit, f, stories, df, *rest), df,
                             list(stories.values()))

    def add_article(story, f, seen, df):  # type: ignore[no-untyped-def]
        # the reference on a copy of the story as it was (its shared empty Counters kept
        # shared), then the compiled one on the story: the same sums, norms and counts
        other = object.__new__(features.StoryFeatures)
        for slot in features.StoryFeatures.__slots__:
            value = getattr(story, slot)
            shared = value is features._NO_COUNTS or not isinstance(value, (dict, speedups.TermBag))
            setattr(other, slot, value if shared else deepcopy(value))
        references["add_article"](other, f, seen, df)
        speedups.add_article(story, f, seen, df)
        for slot in features.StoryFeatures.__slots__:
            got, want = getattr(story, slot), getattr(other, slot)
            if slot == "kinds":
                assert list(got) == list(want) and all(_same_items(got[k], want[k]) for k in got)
            elif slot != "embedding_sum":
                assert _same_items(got, want), slot
                assert (got is features._NO_COUNTS) == (want is features._NO_COUNTS), slot
        checked["add_article"] += 1

    def count_article(df, f):  # type: ignore[no-untyped-def]
        # the reference on a copy of the frequencies as they were, then the compiled one
        other = features.DocumentFrequencies()
        other.n, other.df, other._n_cached, other.epoch = df.n, Counter(df.df), df._n_cached, df.epoch
        other.weights.update(df.weights)
        references["count_article"](other, f)
        speedups.count_article(df, f)
        assert (df.n, list(df.df.items()), df._n_cached, df.epoch) == (
            other.n, list(other.df.items()), other._n_cached, other.epoch)
        assert list(df.weights.items()) == list(other.weights.items())
        checked["count_article"] += 1

    def article_norms(story, df):  # type: ignore[no-untyped-def]
        return rerun("article_norms", story._norms, (story, df), (story,))

    def headline_merge_probability(a, norms_a, b, norms_b, df, floor, weights, bias):  # type: ignore[no-untyped-def]
        return rerun("headline_merge_probability", {}, (a, norms_a, b, norms_b, df, floor, weights, bias), (a, b))

    def rank_by_title(story, norms, candidates, stories, df, count):  # type: ignore[no-untyped-def]
        return rerun("rank_by_title", {}, (story, norms, candidates, stories, df, count),
                     (story, *(stories[sid] for sid in candidates)))

    def text_norms(story, df, known=None):  # type: ignore[no-untyped-def]
        # (the reference, by as_article, caches the story's top names; nothing reads them here)
        return rerun("text_norms", {}, (story, df, known))

    def story_shares_words(a, norms_a, b, norms_b, df, floor):  # type: ignore[no-untyped-def]
        return rerun("story_shares_words", b._norms, (a, norms_a, b, norms_b, df, floor))

    def fill_vectors(vectors, f, idf, text_only, no_kinds):  # type: ignore[no-untyped-def]
        speedups.fill_vectors(vectors, f, idf, text_only, no_kinds)
        other = object.__new__(features.ArticleVectors)
        references["fill_vectors"](other, f, idf, text_only, no_kinds)
        for slot in _VECTOR_SLOTS + (() if text_only else _ENTITY_SLOTS):
            got, want = getattr(vectors, slot), getattr(other, slot)
            if slot == "kinds":
                assert list(got) == list(want) and (got is no_kinds) == (want is no_kinds)
                assert all(_same_items(got[k][0], want[k][0]) and got[k][1] == want[k][1] for k in got)
            else:
                assert _same_items(got, want), slot
        if text_only:
            assert not any(hasattr(vectors, slot) or hasattr(other, slot) for slot in _ENTITY_SLOTS)
        assert (vectors.all is vectors.title) == (other.all is other.title)
        checked["fill_vectors"] += 1

    def pair_probability(scores, a, b):  # type: ignore[no-untyped-def]
        # the reference on a PairScores of its own: the compiled loop's sides are not its
        got = speedups.pair_probability(scores, a, b)
        assert got == references["pair_probability"](_fresh_pairs(scores), a, b)
        checked["pair_probability"] += 1
        return got

    def mean_probability(scores, xs, ys, at_least):  # type: ignore[no-untyped-def]
        got = speedups.mean_probability(scores, xs, ys, at_least)
        assert got == references["mean_probability"](_fresh_pairs(scores), xs, ys, at_least)
        checked["mean_probability"] += 1
        return got

    def pure(name: str):  # type: ignore[no-untyped-def]
        def both(*args):  # type: ignore[no-untyped-def]
            got, want = getattr(speedups, name)(*args), references[name](*args)
            assert _same_items(got, want), (name, args)
            checked[name] += 1
            return got
        return both

    wrappers = {"story_cosine": story_cosine, "text_cosine": text_cosine, "pair_features": pair_features,
                "fill_vectors": fill_vectors, "rank_stories": rank_stories, "fresh_norms_of": fresh_norms_of,
                "shares_words": shares_words,
                "top_entities_of": top_entities_of, "best_story": best_story, "pair_probability": pair_probability,
                "mean_probability": mean_probability, "decide": decide, "retrieve_and_decide": retrieve_and_decide,
                "add_article": add_article, "count_article": count_article, "article_norms": article_norms,
                "headline_merge_probability": headline_merge_probability, "rank_by_title": rank_by_title,
                "text_norms": text_norms,
                # the compiled views: the functions they make views by are the checked ones
                "StoryViews": speedups.StoryViews, "merge_scores": pure("merge_scores"),
                "link_scores": pure("link_scores"),
                # the stream's step as its reference: the kernel calls it makes are the checked ones
                # (the compiled step hands an article to it where these wrappers stand in online.py)
                "add_to_stream": references["add_to_stream"],
                "story_shares_words": story_shares_words, **{name: pure(name) for name in
                                                 ("symmetric", "interaction_probability", "linear_probability", "story_keys",
                                                  "near_in_time")}}
    assert set(wrappers) == set(references)
    for module in _cluster_modules():
        for name, wrapper in wrappers.items():
            if hasattr(module, name):
                patch.setattr(module, name, wrapper)
    return checked


def _fresh_pairs(scores):  # type: ignore[no-untyped-def]
    """A PairScores of the same clusterer with nothing scored or made yet."""
    fresh = object.__new__(type(scores))
    fresh.__dict__.update(scores.__dict__, _sides={}, _cache={})
    return fresh


def _random_features(rng: random.Random, i: int):  # type: ignore[no-untyped-def]
    """An ArticleFeatures with a bit of everything compare reads (names of the three kinds
    and of none, numbers, main names, days or none, years, weekdays, months, headlines)."""
    from storyline.cluster.features import ArticleFeatures

    words = [f"w{k}" for k in range(40)]
    names = [f"{kind}:n{k}" for kind in ("p", "l", "o", "x") for k in range(5)] + ["p", "l:"]
    headline = rng.random() < 0.3
    entities = {n: 1.0 + rng.random() for n in rng.sample(names, rng.randint(0, 7))}
    return ArticleFeatures(
        id=f"a{i}",
        title={w: 1.0 + rng.random() for w in rng.sample(words, rng.randint(0, 6))},
        body={} if headline else {w: 1.0 + 2 * rng.random() for w in rng.sample(words, rng.randint(1, 25))},
        entities=entities,
        numbers=frozenset(rng.sample(["12", "3.5", "2014", "40", "7.25"], rng.randint(0, 3))),
        day=None if rng.random() < 0.3 else 735000 + rng.randint(0, 600),
        year=None,
        years={f"y:{y}": 1.0 for y in rng.sample(range(2010, 2016), rng.randint(0, 2))},
        headline_only=headline,
        main=tuple(rng.sample(names, rng.randint(0, 2))),
        weekdays=frozenset(rng.sample(["mon", "fri", "sun"], rng.randint(0, 2))),
        months=frozenset(rng.sample(["dec", "jan"], rng.randint(0, 1))),
    )


def test_decide_matches_its_reference_for_articles_large_and_small() -> None:
    """The compiled decision keeps an article's arrays in one allocation, the last one kept for
    the next: a large article (more room than kept) between small ones decides as the reference,
    and leaves the same norm caches."""
    from dataclasses import replace

    from storyline.cluster import online
    from storyline.cluster.features import KINDS, DocumentFrequencies, StoryFeatures

    rng = random.Random(11)
    small = [_random_features(rng, i) for i in range(6)]
    small = [replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in KINDS}) for f in small]
    large = replace(small[0], id="large", title={f"t{k}": 1.0 + k / 7 for k in range(120)},
                    body={f"w{k}": 1.0 + k / 3 for k in range(900)},
                    entities={f"p:n{k}": 1.0 + k / 5 for k in range(200)})
    runs = []
    for decide in (speedups.decide, online._REFERENCE["decide"]):
        df = DocumentFrequencies()
        stories: dict[int, StoryFeatures] = {}
        for k, f in enumerate(small):
            df.add(f)
            stories[k] = StoryFeatures()
            stories[k].add(f, df=df)
        df.add(large)
        picked = [decide(f, list(stories), stories, df, count, 0.0, 400, [0.5] * 18, -1.0, 0.3)
                  for f in (small[1], large, small[2], large, small[3]) for count in (2, 9)]
        runs.append((picked, [dict(s._norms) for s in stories.values()]))
    assert runs[0] == runs[1]


def _kernel_kind_articles(seed: int, n: int) -> list:
    """n random articles whose entities are all of the kinds the scoring kernel keeps."""
    from dataclasses import replace

    from storyline.cluster import features

    rng = random.Random(seed)
    return [replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in features.KINDS})
            for f in (_random_features(rng, i) for i in range(n))]


def _decide_and_add_kernels() -> tuple:
    """(decide, count_article, add_article): the C loops, then their Python references."""
    from storyline.cluster import features, online

    return ((speedups.decide, speedups.count_article, speedups.add_article),
            (online._REFERENCE["decide"], features._KERNEL_REFERENCE["count_article"],
             features._KERNEL_REFERENCE["add_article"]))


@pytest.mark.parametrize("meddle", ["none", "idf", "title", "body"])
def test_add_article_reads_the_weights_decide_kept_as_the_reference_looks_them_up(meddle: str) -> None:
    """decide keeps its article's title and body IDF weights for add_article, which the stream
    calls next with it: while the IDF and the article's bags are unchanged, the same sums and
    norms as the reference's lookups; where one changed between the two calls (the IDF
    emptied and refilled otherwise, a bag's weight changed), they are looked up again."""
    from storyline.cluster.features import DocumentFrequencies, StoryFeatures

    articles = _kernel_kind_articles(17, 80)
    runs = []
    for decide, count_article, add_article in _decide_and_add_kernels():
        df = DocumentFrequencies()
        stories: dict[int, StoryFeatures] = {}
        picked = []
        for i, f in enumerate(deepcopy(articles)):
            sid = decide(f, list(stories), stories, df, 3, 0.0, 400, [0.5] * 18, -1.0, 0.3) if stories else None
            picked.append(sid)
            if i % 3 == 0 and meddle == "idf":
                df.weights.clear()
                df.weights.update({t: 0.5 + len(t) / 3 for t in (*f.title, *f.body)})
            elif i % 3 == 0 and meddle in ("title", "body") and getattr(f, meddle):
                bag = getattr(f, meddle)
                bag[next(iter(bag))] += 0.25
            count_article(df, f)
            if sid is None:
                sid = len(stories)
                stories[sid] = StoryFeatures()
            add_article(stories[sid], f, i, df)
        runs.append((picked, list(df.weights.items()),
                     [[list(getattr(s, name).items()) for name in ("title", "body", "all", "entities", "_norms")]
                      for s in stories.values()]))
    assert runs[0] == runs[1]
    assert len({sid for sid in runs[0][0]}) < 40  # articles joined stories


def test_retrieve_and_decide_matches_its_reference_with_either_index() -> None:
    """The compiled retrieval and decision in one call: over a KeyIndex, its retrieved ids go
    to decide without a list of them; over another index (the pure-Python one), its top is
    called. Either way the reference's story, IDF weights and norm caches; None where
    nothing is retrieved; the index's own errors where its arguments are wrong."""
    from dataclasses import replace

    from storyline.cluster import features, online
    from storyline.cluster.features import DocumentFrequencies, StoryFeatures

    rng = random.Random(23)
    articles = [_random_features(rng, i) for i in range(40)]
    articles = [replace(f, keys=(*f.title, *f.entities),
                        entities={k: v for k, v in f.entities.items() if k[:2] in features.KINDS}) for f in articles]
    for index_type in (speedups.KeyIndex, _sparse._REFERENCE["KeyIndex"]):
        runs = []
        for retrieve_and_decide in (speedups.retrieve_and_decide, online._REFERENCE["retrieve_and_decide"]):
            df = DocumentFrequencies()
            stories: dict[int, StoryFeatures] = {}
            index = index_type()
            picked = []
            for f in deepcopy(articles):
                sid = retrieve_and_decide(index, f.keys, 50, 6, f, stories, df, 3, 0.0, 400, [0.5] * 18, -1.0, 0.3)
                picked.append(sid)
                df.add(f)
                if sid is None:
                    sid = len(stories)
                    stories[sid] = StoryFeatures()
                stories[sid].add(f, df=df)
                index.file(f.keys, sid)
            runs.append((picked, list(df.weights.items()), [list(s._norms.items()) for s in stories.values()]))
        assert runs[0] == runs[1]
        assert runs[0][0][0] is None and len(set(runs[0][0])) < 30
        for retrieve_and_decide in (speedups.retrieve_and_decide, online._REFERENCE["retrieve_and_decide"]):
            assert retrieve_and_decide(index_type(), ("w1",), 50, 6, articles[0], {}, df, 3, 0.0, 400, [0.5] * 18,
                                       -1.0, 0.3) is None
            with pytest.raises(ValueError):
                retrieve_and_decide(index, ("w1",), 50, -1, articles[0], stories, df, 3, 0.0, 400, [0.5] * 18, -1.0,
                                    0.3)


def test_add_article_reads_decides_weights_only_while_no_other_decision_replaced_them() -> None:
    """Python code run while add_article adds a title (a story key's __eq__) may decide on
    another article, replacing (and reallocating) the weights kept for this one: the terms
    after it read their weights again, the sums and norms those of the reference."""
    from dataclasses import replace

    from storyline.cluster import features, online
    from storyline.cluster.features import DocumentFrequencies, StoryFeatures

    rng = random.Random(31)
    base = [_random_features(rng, i) for i in range(6)]
    base = [replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in features.KINDS}) for f in base]
    article = replace(base[0], id="new", title={f"w{k}": 1.0 + k / 8 for k in range(8)}, body={})
    large = replace(base[1], id="large", title={f"t{k}": 1.0 + k / 7 for k in range(100)},
                    body={f"b{k}": 1.0 + k / 3 for k in range(300)})

    class Meddler:
        """A story title key that meets "w0" by its hash and decides on the large article."""

        def __init__(self, run) -> None:  # type: ignore[no-untyped-def]
            self.run = run

        def __hash__(self) -> int:
            return hash("w0")

        def __eq__(self, other: object) -> bool:
            self.run()
            return False

    runs = []
    for decide, add_article in ((speedups.decide, speedups.add_article),
                                (online._REFERENCE["decide"], features._KERNEL_REFERENCE["add_article"])):
        df = DocumentFrequencies()
        stories: dict[int, StoryFeatures] = {}
        for k, f in enumerate(base):
            df.add(f)
            stories[k] = StoryFeatures()
            stories[k].add(f, df=df)
        df.add(large)
        story = stories[0]
        # twice: the second reads every weight the first computed (the IDF keeps its table)
        decide(article, list(stories), stories, df, 10, 0.0, 400, [0.5] * 18, -1.0, 0.3)
        picked = decide(article, list(stories), stories, df, 10, 0.0, 400, [0.5] * 18, -1.0, 0.3)
        df.add(article)
        story.title[Meddler(lambda stories=stories, df=df: speedups.decide(
            large, [1, 2], stories, df, 3, 0.0, 400, [0.5] * 18, -1.0, 0.3))] = 1.0
        add_article(story, article, 7, df)
        runs.append((picked, [(k, v) for k, v in story.title.items() if isinstance(k, str)],
                     list(story.all.items()), list(story._norms.items())))
    assert runs[0] == runs[1]


@pytest.mark.parametrize("stories_n", [3, 16, 17, 40])
def test_decide_matches_its_reference_for_few_candidates_and_many(stories_n: int) -> None:
    """decide keeps its arrays by candidate on its stack for up to 16 of them, and allocates
    them for more: either way (dated articles, some stories out of the window; the count
    ranked below and above the candidates) it picks and caches as the reference does."""
    from dataclasses import replace

    from storyline.cluster import features, online
    from storyline.cluster.features import DocumentFrequencies, StoryFeatures

    rng = random.Random(stories_n)
    made = [_random_features(rng, i) for i in range(stories_n + 1)]
    made = [replace(f, day=735000 + 10 * i, entities={k: v for k, v in f.entities.items() if k[:2] in features.KINDS})
            for i, f in enumerate(made)]
    article = made.pop()
    for count in (2, 20, 50):
        runs = []
        for decide in (speedups.decide, online._REFERENCE["decide"]):
            df = DocumentFrequencies()
            stories: dict[int, StoryFeatures] = {}
            for k, f in enumerate(made):
                df.add(f)
                stories[k] = StoryFeatures()
                stories[k].add(f, df=df)
            df.add(article)
            picked = decide(article, list(stories), stories, df, count, 0.0, 200, [0.5] * 18, -1.0, 0.1)
            runs.append((picked, [list(s._norms.items()) for s in stories.values()], list(df.weights.items())))
        assert runs[0] == runs[1]


def test_pair_features_reads_a_storys_top_names_only_where_it_mentions_the_articles() -> None:
    """main_entity_match/mismatch: a story that names none of the article's main names has
    none of them on top, and its top names are not read (its cache left as it was); one
    that names some reads them, as the reference does."""
    from dataclasses import replace

    from storyline.cluster import features
    from storyline.cluster.features import ArticleVectors, DocumentFrequencies, StoryFeatures

    base = _random_features(random.Random(3), 0)
    article = replace(base, entities={"p:ann": 2.0, "l:rome": 1.0}, main=("p:ann",))
    others = [replace(base, id=f"o{i}", entities={f"p:x{i}": 3.0, "l:rome": 1.0 + i, "p:ann": 0.01 * (i + 1)})
              for i in range(6)]
    df = DocumentFrequencies()
    for f in (article, *others):
        df.add(f)
    for mentioned in (False, True):
        runs = []
        for pair_features in (speedups.pair_features, features._KERNEL_REFERENCE["pair_features"]):
            story = StoryFeatures()
            for f in others if mentioned else [replace(f, entities={"l:rome": 1.0}) for f in others]:
                story.add(f, df=df)
            story._top = (-1, frozenset({"stale"}))
            got = pair_features(ArticleVectors(article, df), story, df.weights, story._fresh_norms(df), None, None)
            runs.append((got, story._top))
        assert runs[0] == runs[1]
        got, top = runs[0]
        if mentioned:  # the top names read (p:ann, mentioned least, is not among them)
            assert got[8:10] == [0.0, 0.0] and top[0] == 6 and "p:ann" not in top[1]
        else:
            assert got[8:10] == [0.0, 1.0] and top == (-1, frozenset({"stale"}))


def test_pair_features_reads_a_storys_field_only_where_the_articles_is_true() -> None:
    """``f.body and story.body``, and so for numbers, main names, weekdays, months and years:
    a story without those fields compares as the reference compares it, where the
    article's are empty."""
    from dataclasses import replace
    from types import SimpleNamespace

    from storyline.cluster import features
    from storyline.cluster.features import ArticleVectors, DocumentFrequencies, StoryFeatures

    rng = random.Random(5)
    df = DocumentFrequencies()
    story = StoryFeatures()
    for i in range(4):
        f = _random_features(rng, i)
        df.add(f)
        story.add(replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in features.KINDS}), df=df)
    bare = replace(_random_features(rng, 9), body={}, numbers=frozenset(), main=(), weekdays=frozenset(),
                   months=frozenset(), years={}, headline_only=True)
    runs = []
    for pair_features in (speedups.pair_features, features._KERNEL_REFERENCE["pair_features"]):
        partial = SimpleNamespace(title=story.title, all=story.all, entities=story.entities, kinds=story.kinds,
                                  size=story.size, day_sum=story.day_sum, day_n=story.day_n, day=story.day,
                                  _norms={}, _top=story._top)
        runs.append(pair_features(ArticleVectors(bare, df), partial, df.weights, partial._norms, None, None))
    assert runs[0] == runs[1] and runs[0] is not None


def test_decide_reads_the_stories_its_window_test_found() -> None:
    """decide tests the window once per candidate and compares the stories it found there
    (ranked or not): it picks as the reference, near and far in time, and leaves the same
    norm caches."""
    from dataclasses import replace

    from storyline.cluster import online
    from storyline.cluster.features import KINDS, DocumentFrequencies, StoryFeatures

    rng = random.Random(7)
    made = [_random_features(rng, i) for i in range(12)]
    made = [replace(f, day=735000 + 20 * i, entities={k: v for k, v in f.entities.items() if k[:2] in KINDS})
            for i, f in enumerate(made)]
    for article in (replace(made[0], day=735100), replace(made[0], day=None), replace(made[0], day=736000)):
        orders = [rng.sample(range(len(made) - 1), len(made) - 1) for _ in range(6)]
        runs = []
        for decide in (speedups.decide, online._REFERENCE["decide"]):
            df = DocumentFrequencies()
            stories: dict[int, StoryFeatures] = {}
            for k, f in enumerate(made[1:]):
                df.add(f)
                stories[k] = StoryFeatures()
                stories[k].add(f, df=df)
            # windows read as doubles once per decide, or left to Python's arithmetic
            settings = itertools.product((2, 20), (30, 100.5, Fraction(4000)))
            picked = [decide(article, order, stories, df, count, 0.0, window, [0.5] * 18, -1.0, 0.2)
                      for order, (count, window) in zip(orders, settings, strict=True)]
            assert any(picked)
            runs.append((picked, [dict(s._norms) for s in stories.values()]))
        assert runs[0] == runs[1]


def test_pair_features_looks_up_a_storys_kind_only_where_the_article_names_one() -> None:
    """A story's bag of a kind is looked up only where the article names someone of it:
    a story without the kind compares as the reference compares it (a KeyError where the
    article names one), in pair_features and in decide."""
    from dataclasses import replace

    from storyline.cluster import features, online
    from storyline.cluster.features import ArticleVectors, DocumentFrequencies, StoryFeatures

    df = DocumentFrequencies()
    base = replace(_random_features(random.Random(2), 0), title={"w1": 1.0, "w2": 2.0}, day=None)
    others = [replace(base, id=f"o{i}", entities={"p:ann": 1.0, "o:acme": 2.0}) for i in range(3)]
    for f in others:
        df.add(f)
    for names, fails in (({"p:ann": 1.0}, False), ({"o:acme": 1.0}, True)):
        article = replace(base, entities=names)
        outcomes = []
        for pair_features, decide in ((speedups.pair_features, speedups.decide),
                                      (features._KERNEL_REFERENCE["pair_features"], online._REFERENCE["decide"])):
            story = StoryFeatures()
            for f in others:
                story.add(f, df=df)
            del story.kinds["o:"]
            outcomes.append((_outcome(pair_features, ArticleVectors(article, df), story, df.weights,
                                      story._fresh_norms(df), None, None),
                             _outcome(decide, article, [1], {1: story}, df, 3, 0.0, 30, [0.5] * 18, -1.0, 0.2)))
        assert outcomes[0] == outcomes[1]
        assert (outcomes[0][0] is KeyError) is fails and (outcomes[0][1] is KeyError) is fails


@pytest.mark.parametrize("seed", range(20))
def test_the_scoring_kernel_matches_its_reference_to_the_last_bit(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from dataclasses import replace

    from storyline.cluster import features, online
    from storyline.cluster.features import ArticleVectors, DocumentFrequencies, StoryFeatures

    rng = random.Random(seed)
    # the cosine alone, on random bags: its norm cached or not, missing IDF weights computed
    a, b, idf = _bags(seed)
    for norms in ({}, {"n": 3, "bag": 2.5}):
        c_idf, ref_idf, c_norms, ref_norms = _Idf(idf), _Idf(idf), dict(norms), dict(norms)
        got = speedups.story_cosine(a, 1.7, b, c_norms, "bag", c_idf)
        assert got == features._KERNEL_REFERENCE["story_cosine"](a, 1.7, b, ref_norms, "bag", ref_idf)
        assert c_norms == ref_norms and c_idf == ref_idf
    assert speedups.story_cosine({}, 1.0, b, {}, "bag", _Idf(idf)) == 0.0
    # compare's features and the vectors, on random articles and stories of them
    checked = _checked_kernel(monkeypatch)
    df = DocumentFrequencies()
    stories = [StoryFeatures() for _ in range(4)]
    for i in range(30):
        f = _random_features(rng, i)
        for story in stories:
            if not story.size:  # log(0): both fail alike
                for pair_features in (speedups.pair_features, features._KERNEL_REFERENCE["pair_features"]):
                    with pytest.raises(ValueError, match="math domain error"):
                        pair_features(ArticleVectors(f, df), story, df.weights, {}, 0.5, None)
                continue
            for cross in (None, rng.random()):
                features.compare(ArticleVectors(f, df), story, df, cross=cross, floor=rng.choice([None, 0.1, 0.5]))
            features.text_cosine(ArticleVectors(f, df, text_only=True), story, df)
            features.shares_words(ArticleVectors(f, df, text_only=True), story, df, rng.choice([0.0, 0.1, 0.5, 2.0]))
            features.top_entities_of(story)
        grown = {sid: story for sid, story in enumerate(stories) if story.size}
        ranked = features.rank_stories(ArticleVectors(f, df, text_only=True), rng.sample(list(grown), len(grown)),
                                       grown, df, rng.choice([0, 1, 3, 10, -1]))
        # the join decision over them, by a linear model or one over products, near or far in time
        n = len(features.FEATURE_NAMES)
        weights = [rng.gauss(0, 2) for _ in range(rng.choice([n, n + n * (n - 1) // 2]))]
        online.best_story(ArticleVectors(f, df), rng.choice([ranked, dict.fromkeys(grown)]), grown, df,
                          rng.choice([0.0, 0.1, 0.3]), rng.choice([0, 30, 400]), weights, rng.gauss(0, 2), rng.random())
        # ... and in one call, from the article's features (its vectors made there, ranked or not)
        online.decide(f, rng.sample(list(grown), len(grown)), grown, df, rng.choice([0, 1, 3, 10, -1]),
                      rng.choice([0.0, 0.1, 0.3]), rng.choice([0, 30, 400]), weights, rng.gauss(0, 2), rng.random())
        df.add(f)
        # a story's names are of the three kinds (an article's others are ignored)
        kept = replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in features.KINDS})
        rng.choice(stories).add(kept, seen=i, df=df)
    assert checked["pair_features"] > 100 and checked["fill_vectors"] > 100 and checked["text_cosine"] > 50
    assert checked["rank_stories"] > 20 and checked["top_entities_of"] > 50 and checked["fresh_norms_of"] > 50
    assert checked["best_story"] > 20 and checked["shares_words"] > 50
    assert checked["decide"] > 20 and checked["add_article"] > 20
    assert checked["count_article"] > 20
    # the probabilities, on features with zeros; a short weight list fails as the reference does
    n = len(features.FEATURE_NAMES)
    for _ in range(50):
        x = [rng.choice([0.0, 1.0, rng.random(), -rng.random()]) for _ in range(n)]
        y = [rng.choice([0.0, rng.random()]) for _ in range(n)]
        products = [rng.gauss(0, 3) for _ in range(n + n * (n - 1) // 2)]
        bias = rng.gauss(0, 3)
        online.symmetric(x, y)
        online.interaction_probability(x, products, bias)
        online.linear_probability(x, products[:n], bias)
    assert speedups.linear_probability([], [], -40.0) == online._REFERENCE["linear_probability"]([], [], -40.0) == 0.0
    for interaction, symmetric in ((speedups.interaction_probability, speedups.symmetric),
                                   (online._REFERENCE["interaction_probability"], online._REFERENCE["symmetric"])):
        with pytest.raises(IndexError):
            interaction([1.0] * n, [0.5] * (n + 3), 0.0)
        with pytest.raises(ValueError):
            symmetric([1.0, 2.0], [1.0])


@pytest.mark.parametrize("seed", range(5))
def test_the_join_decision_reads_each_feature_to_the_last_bit(seed: int) -> None:
    """decide reads the article from C arrays, not from its ArticleVectors: with a model
    that reads one feature, 2 ** 50 times over, and the bias that takes the reference's
    value of it to a probability of 0.5 exactly, the article joins at a threshold of 0.5
    and not one bit above it (a feature a bit off moves the probability by far more)."""
    from dataclasses import replace

    from storyline.cluster import features
    from storyline.cluster.features import ArticleVectors, DocumentFrequencies, StoryFeatures

    rng = random.Random(seed)
    df = DocumentFrequencies()
    stories = {sid: StoryFeatures() for sid in range(4)}
    reference, fresh_norms = features._KERNEL_REFERENCE["pair_features"], features._KERNEL_REFERENCE["fresh_norms_of"]
    n = len(features.FEATURE_NAMES)
    read = 0
    for i in range(25):
        f = _random_features(rng, i)
        for sid, story in stories.items():
            if not story.size:
                continue
            x = reference(ArticleVectors(f, df), story, df.weights, fresh_norms(story, df), None, None)
            for k in range(n):
                weights = [0.0] * n
                weights[k] = 2.0 ** 50
                bias = -(weights[k] * x[k])
                assert speedups.decide(f, [sid], stories, df, 1, 0.0, 10**6, weights, bias, 0.5) == sid, k
                assert speedups.decide(f, [sid], stories, df, 1, 0.0, 10**6, weights, bias,
                                       math.nextafter(0.5, 1.0)) is None, k
                read += x[k] != 0.0
        df.add(f)
        kept = replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in features.KINDS})
        rng.choice(list(stories.values())).add(kept, seen=i, df=df)
    assert read > 200


@pytest.mark.parametrize("seed", range(5))
def test_the_join_decision_reads_days_of_ints_and_floats_as_python(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """decide and best_story compute a story's day and the window test in doubles where the
    days, their count and the window are floats or ints: the same decisions as Python's
    arithmetic, with days of both kinds and windows (of both) at a day's gap and about it."""
    from dataclasses import replace

    from storyline.cluster import features, online
    from storyline.cluster.features import ArticleVectors, DocumentFrequencies, StoryFeatures

    rng = random.Random(seed)
    checked = _checked_kernel(monkeypatch)
    df = DocumentFrequencies()
    stories = {sid: StoryFeatures() for sid in range(4)}
    n = len(features.FEATURE_NAMES)
    for i in range(30):
        day = rng.choice([None, 735000 + rng.randint(0, 3), 735000 + rng.randint(0, 12) / 4, 735000.1 + rng.random()])
        f = replace(_random_features(rng, i), day=day)
        grown = {sid: story for sid, story in stories.items() if story.size}
        weights = [rng.gauss(0, 2) for _ in range(n)]
        window = rng.choice([0, 1, 2, 0.25, 1.5, 2.0, 10**6])
        online.decide(f, rng.sample(list(grown), len(grown)), grown, df, rng.choice([1, 10]), 0.0, window, weights,
                      rng.gauss(0, 2), rng.random())
        online.best_story(ArticleVectors(f, df), dict.fromkeys(grown), grown, df, 0.0, window, weights,
                          rng.gauss(0, 2), rng.random())
        df.add(f)
        kept = replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in features.KINDS})
        rng.choice(list(stories.values())).add(kept, seen=i, df=df)
    assert checked["decide"] > 20 and checked["best_story"] > 20


@pytest.mark.parametrize("seed", range(10))
def test_the_merge_pass_loops_match_their_references_to_the_last_bit(seed: int) -> None:
    """Stories of headlines alone (of one article, of several, named or not, dated or not)
    compared both ways, by a linear model and one over products: the same probability, and
    the same norms cached in each story and the same top names after."""
    from dataclasses import replace

    from storyline.cluster import features, refine
    from storyline.cluster.features import DocumentFrequencies, StoryFeatures

    rng = random.Random(seed)
    df = DocumentFrequencies()
    stories = [StoryFeatures() for _ in range(6)]
    for i in range(40):
        f = _random_features(rng, i)
        df.add(f)
        kept = replace(f, body={}, headline_only=True,
                       entities={k: v for k, v in f.entities.items() if k[:2] in features.KINDS})
        rng.choice(stories).add(kept, seen=i, df=df if rng.random() < 0.5 else None)
    stories = [story for story in stories if story.size]
    # a story of headlines alone has a title + body bag that is its title bag item for item
    # (the compiled loop then reads one cosine for both): one story's is spoiled, reordered,
    # of another value, with a term more or of a dict subclass, and must read as the reference reads it
    spoiled, how = stories[seed % len(stories)], seed % 4
    items = list(spoiled.all.items())
    spoiled.all = [dict(reversed(items)), {k: v * 1.5 + 1.0 for k, v in items}, {**spoiled.all, "zz": 1.0},
                   type("Bag", (dict,), {})(spoiled.all)][how]
    references = refine._REFERENCE
    norms = []
    for story in stories:
        top = story._top
        got = speedups.article_norms(story, df)
        cached, story._top = story._top, top
        want = references["article_norms"](story, df)
        assert got[:-1] == want[:-1] and [type(x) for x in got[:-1]] == [type(x) for x in want[:-1]]
        assert cached == story._top
        assert got[-2] is (story is not spoiled or (how == 0 and len(items) < 2))
        # the title as the compiled loop reads it (the reference's None: that loop reads the dicts)
        assert type(got[-1]).__name__ == "PyCapsule" and want[-1] is None
        norms.append(got if seed % 3 else want)
    n = len(features.FEATURE_NAMES)

    def state() -> list:
        return [(list(story._norms.items()), story._top) for story in stories]

    read = 0
    for a, norms_a in zip(stories, norms, strict=True):
        for b, norms_b in zip(stories, norms, strict=True):
            weights = [rng.gauss(0, 2) for _ in range(rng.choice([n, n + n * (n - 1) // 2]))]
            args = (a, norms_a, b, norms_b, df, rng.choice([0.0, 0.2, 0.6]), weights, rng.gauss(0, 2))
            before = [(dict(story._norms), story._top) for story in stories]
            got = speedups.headline_merge_probability(*args)
            after = state()
            for story, (cached, top) in zip(stories, before, strict=True):
                story._norms.clear()
                story._norms.update(cached)
                story._top = top
            assert got == references["headline_merge_probability"](*args) and type(got) is float
            assert state() == after
            read += got > 0
    assert read > 5
    # a story with a body is left to the general path; a weight list of neither length fails
    a, b = stories[0], stories[-1]
    for merge in (speedups.headline_merge_probability, references["headline_merge_probability"]):
        with pytest.raises(ValueError):
            merge(a, norms[0], b, norms[-1], df, 0.0, [1.0] * (n + 1), 0.0)
    bodied = StoryFeatures()
    bodied.add(replace(_random_features(random.Random(1), 0), body={"w1": 1.0}))
    for merge in (speedups.headline_merge_probability, references["headline_merge_probability"]):
        assert merge(a, norms[0], bodied, norms[0], df, 0.0, [1.0] * n, 0.0) is None
        assert merge(bodied, norms[0], a, norms[0], df, 0.0, [1.0] * n, 0.0) is None


@pytest.mark.parametrize("seed", range(10))
def test_the_story_views_loops_match_their_references_to_the_last_bit(seed: int) -> None:
    """Stories with bodies and of headlines alone, read as articles, against each other:
    the same index keys, the same text norms, the same shares_words at floors from none to all, and the same
    norms cached in the other story after."""
    from dataclasses import replace

    from storyline.cluster import features, refine
    from storyline.cluster.features import DocumentFrequencies, StoryFeatures

    rng = random.Random(seed)
    df = DocumentFrequencies()
    stories = [StoryFeatures() for _ in range(6)]
    for i in range(40):
        f = _random_features(rng, i)
        df.add(f)
        # a story's names are of the three kinds; two stories are of headlines alone
        f = replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in features.KINDS})
        headline = stories.index(story := rng.choice(stories)) < 2
        story.add(replace(f, body={}, headline_only=True) if headline else f, seen=i,
                  df=df if rng.random() < 0.5 else None)
    stories = [story for story in stories if story.size]
    # a story of headlines alone has a title + body bag that is its title bag item for item
    # (the compiled loop then reads one walk for both cosines): in half the runs one such
    # story's is spoiled (another value, a term more, a dict subclass) and must read as the
    # reference reads it
    if seed % 2:
        spoiled = stories[0]
        spoiled.all = [{k: v * 1.5 + 1.0 for k, v in spoiled.all.items()}, {**spoiled.all, "zz": 1.0},
                       type("Bag", (dict,), {})(spoiled.all)][seed // 2 % 3]
    references = refine._REFERENCE
    norms = []
    for story in stories:
        for most in (0, 1, 3, 20, -2):
            got_keys = speedups.story_keys(story, most)
            assert got_keys == references["story_keys"](story, most) and type(got_keys) is tuple
        got = speedups.text_norms(story, df)
        want = references["text_norms"](story, df)
        assert got[:5] == want[:5] and [type(x) for x in got[:5]] == [float] * 3 + [int, bool]
        # the title as the compiled loop reads it (the reference's None: that loop reads the dicts)
        assert type(got[5]).__name__ == "PyCapsule" and want[5] is None
        # given the story's article_norms (the merge pass's), the same norms, their title read
        for known in (speedups.article_norms(story, df), references["article_norms"](story, df)):
            for make in (speedups.text_norms, references["text_norms"]):
                read = make(story, df, known)
                assert read[:5] == got[:5] and [type(x) for x in read[:5]] == [float] * 3 + [int, bool]
                assert read[5] is known[10]
        assert speedups.text_norms(story, df, None)[:5] == got[:5]
        norms.append(got if seed % 3 else want)
    met = 0
    for a, norms_a in zip(stories, norms, strict=True):
        for b, norms_b in zip(stories, norms, strict=True):
            floor = rng.choice([0.0, 0.05, 0.2, 0.5, 2.0])
            cached = dict(b._norms)
            got = speedups.story_shares_words(a, norms_a, b, norms_b, df, floor)
            after = list(b._norms.items())
            b._norms.clear()
            b._norms.update(cached)
            assert got is references["story_shares_words"](a, norms_a, b, norms_b, df, floor)
            assert list(b._norms.items()) == after
            met += got
    assert 0 < met < len(stories) ** 2
    with pytest.raises(TypeError):
        speedups.story_shares_words(stories[0], norms[0][:3], stories[0], norms[0], df, 0.1)
    with pytest.raises(TypeError):
        speedups.story_shares_words(stories[0], norms[0], stories[0], norms[0][:5], df, 0.1)
    with pytest.raises(AttributeError):
        speedups.text_norms(object(), df)
    known = speedups.article_norms(stories[0], df)
    for odd in (known[:10], list(known), (*known[:9], known[9], None)[:10], ("x", *known[1:])):
        with pytest.raises(TypeError):
            speedups.text_norms(stories[0], df, odd)
    # a known title side that is none (None, another object) is read as the dicts are
    for side in (None, "not a capsule"):
        read = speedups.text_norms(stories[0], df, (*known[:10], side))
        assert read[:5] == speedups.text_norms(stories[0], df)[:5] and read[5] is side
    with pytest.raises(TypeError):
        speedups.text_norms(stories[0], df, known, None)


@pytest.mark.parametrize("seed", range(10))
def test_the_merge_pass_ranking_matches_its_reference_to_the_last_bit(seed: int) -> None:
    """A story of headlines alone ranks stories (with bodies and without) as rank_stories
    ranks them by its vectors: from the title side of its article_norms, from the title's
    dicts where its norms hold none (the reference's, a title of str subclasses), and None
    where it has a body; the same norms cached in every story and the same top names after."""
    from dataclasses import replace

    from storyline.cluster import features, refine
    from storyline.cluster.features import DocumentFrequencies, StoryFeatures

    rng = random.Random(seed)
    df = DocumentFrequencies()
    stories = {sid: StoryFeatures() for sid in range(8)}
    for i in range(60):
        f = _random_features(rng, i)
        df.add(f)
        f = replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in features.KINDS})
        sid = rng.randrange(8)
        stories[sid].add(replace(f, body={}, headline_only=True) if sid < 4 else f, seen=i,
                         df=df if rng.random() < 0.5 else None)
    stories = {sid: story for sid, story in stories.items() if story.size}
    if seed % 3 == 0:  # one title of str subclasses: no title side, the dicts read
        odd = type("Term", (str,), {})
        story = next(iter(stories.values()))
        story.title = {odd(k): v for k, v in story.title.items()}
    references = refine._REFERENCE

    def state() -> list:
        return [(list(story._norms.items()), story._top) for story in stories.values()]

    ranked = 0
    for sid, story in stories.items():
        candidates = rng.sample([o for o in stories if o != sid], min(len(stories) - 1, rng.randint(0, 7)))
        for norms in (speedups.article_norms(story, df), references["article_norms"](story, df)):
            count = rng.choice([0, 1, 3, 10, -1])
            before = [(dict(s._norms), s._top) for s in stories.values()]
            got = speedups.rank_by_title(story, norms, candidates, stories, df, count)
            after = state()
            for s, (cached, top) in zip(stories.values(), before, strict=True):
                s._norms.clear()
                s._norms.update(cached)
                s._top = top
            want = references["rank_by_title"](story, norms, candidates, stories, df, count)
            assert _same_items(got, want), (got, want)
            assert state() == after
            if story.body:
                assert got is None
            else:
                assert got == features.rank_stories(features.ArticleVectors(refine.as_article(sid, story), df,
                                                                            text_only=True),
                                                    candidates, stories, df, count)
                ranked += len(got) > 1
    assert ranked > 0
    headline = next(story for story in stories.values() if not story.body)
    norms = speedups.article_norms(headline, df)
    with pytest.raises(TypeError):
        speedups.rank_by_title(headline, norms[:3], list(stories), stories, df, 3)
    with pytest.raises(TypeError):
        speedups.rank_by_title(headline, norms, list(stories), list(stories.values()), df, 3)
    with pytest.raises(KeyError):
        speedups.rank_by_title(headline, norms, [-1], stories, df, 3)


def test_the_merge_pass_loops_check_their_input() -> None:
    from storyline.cluster.features import DocumentFrequencies, StoryFeatures

    story = StoryFeatures()
    story.add(_random_features(random.Random(2), 0))
    story.body = {}
    df = DocumentFrequencies()
    norms = speedups.article_norms(story, df)
    with pytest.raises(TypeError):
        speedups.headline_merge_probability(story, norms[:3], story, norms, df, 0.0, [1.0] * 18, 0.0)
    with pytest.raises(TypeError):
        speedups.headline_merge_probability(story, norms, story, norms, df, "x", [1.0] * 18, 0.0)
    with pytest.raises(AttributeError):
        speedups.headline_merge_probability(story, norms, object(), norms, df, 0.0, [1.0] * 18, 0.0)
    with pytest.raises(AttributeError):
        speedups.article_norms(object(), df)
    story.entities = [("p:x", 1.0)]
    with pytest.raises(TypeError):
        speedups.article_norms(story, df)
    with pytest.raises(TypeError):
        speedups.headline_merge_probability(story, norms, story, norms, df, 0.0, [1.0] * 18, 0.0)


@pytest.mark.parametrize("seed", range(5))
def test_a_single_story_compares_as_story_of_does(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """single_story holds the article's own bags where story_of copies them: compare (both
    kernels, the story's sums made by either add_bags) reads the same values in the same order."""
    from dataclasses import replace

    from storyline.cluster import features
    from storyline.cluster.features import (
        ArticleVectors,
        DocumentFrequencies,
        single_story,
        story_of,
    )

    rng = random.Random(seed)
    articles = []
    for i in range(30):
        f = _random_features(rng, i)
        # a story's names are of the three kinds (an article's others are ignored)
        articles.append(replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in features.KINDS},
                                year=rng.choice([None, 2013, 2015])))
    df = DocumentFrequencies()
    for f in articles:
        df.add(f)
    for compiled in (True, False):
        if not compiled:
            monkeypatch.setattr(features, "pair_features", features._KERNEL_REFERENCE["pair_features"])
            monkeypatch.setattr(features, "add_bags", _sparse._REFERENCE["add_bags"])
        for b in articles:
            whole, single = story_of(b), single_story(b)
            for a in rng.sample(articles, 8):
                vectors = ArticleVectors(a, df)
                assert features.compare(vectors, single, df) == features.compare(vectors, whole, df)
            assert list(single._norms.items()) == list(whole._norms.items())
            for name in ("title", "body", "all", "entities", "year_bag", "numbers", "weekdays", "months", "years"):
                assert list(getattr(single, name).items()) == list(getattr(whole, name).items()), name
            assert {k: list(v.items()) for k, v in single.kinds.items()} == {
                k: list(v.items()) for k, v in whole.kinds.items()}
            assert [(getattr(single, name)) for name in ("size", "day_sum", "day_n", "first_day", "last_day", "year")] \
                == [(getattr(whole, name)) for name in ("size", "day_sum", "day_n", "first_day", "last_day", "year")]
            assert single.top_entities() == whole.top_entities() and single.core_names() == whole.core_names()


def _pair_articles(rng: random.Random) -> tuple[list, object]:
    """Random articles (names of the three kinds, as a one-article story holds them) and a
    clusterer whose document frequencies counted them."""
    from dataclasses import replace

    from storyline.cluster import features
    from storyline.cluster.online import OnlineClusterer

    articles = [_random_features(rng, i) for i in range(40)]
    articles = [replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in features.KINDS})
                for f in articles]
    clusterer = OnlineClusterer()
    for f in articles:
        clusterer.df_.add(f)
    return articles, clusterer


@pytest.mark.parametrize("seed", range(10))
def test_the_pair_loops_match_their_references_to_the_last_bit(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    from storyline.cluster import refine

    rng = random.Random(seed)
    articles, clusterer = _pair_articles(rng)
    # the reference mean reads pairs through the reference
    monkeypatch.setattr(refine, "pair_probability", refine._REFERENCE["pair_probability"])
    compiled, reference = refine.PairScores(clusterer), refine.PairScores(clusterer)
    for _ in range(150):
        a, b = rng.choice(articles), rng.choice(articles)
        got = speedups.pair_probability(compiled, a, b)
        assert got == refine._REFERENCE["pair_probability"](reference, a, b)
        assert got is speedups.pair_probability(compiled, b, a)  # the cached float
    # every headline with every article: two headlines' cross cosines are their title cosines
    headlines = [f for f in articles if f.headline_only]
    assert len(headlines) > 1
    for a in headlines:
        for b in articles:
            assert speedups.pair_probability(compiled, a, b) == refine._REFERENCE["pair_probability"](reference, a, b)
    for _ in range(40):
        xs, ys = rng.sample(articles, rng.randint(1, 6)), rng.sample(articles, rng.randint(1, 6))
        if rng.random() < 0.3:
            ys = rng.choices(articles, k=rng.randint(1, 6))  # an article twice: its id read once, both times
        at_least = rng.choice([0.0, 0.2, 0.5, 0.9, 1.0, rng.random()])
        got = speedups.mean_probability(compiled, xs, ys, at_least)
        assert got == refine._REFERENCE["mean_probability"](reference, xs, ys, at_least)
        assert {k: list(row.items()) for k, row in compiled._cache.items()} == {
            k: list(row.items()) for k, row in reference._cache.items()}
    assert list(compiled._sides) == list(reference._sides)
    # and as PairScores calls them
    assert refine.PairScores.mean(compiled, xs, ys, at_least=at_least) == got


@pytest.mark.parametrize("seed", range(4))
def test_mean_probability_switches_models_and_keeps_a_row_side(seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """One call that scores with both models in turn, their weights a buffer of doubles, a
    list, an array of another type or a float subclass's list, each row's article new to
    the sides (read once for its row, then kept)."""
    from array import array

    from storyline.cluster import refine

    class Weight(float):
        pass

    rng = random.Random(seed)
    articles, clusterer = _pair_articles(rng)
    headline = [f for f in articles if f.headline_only]
    body = [f for f in articles if not f.headline_only]
    assert headline and body
    monkeypatch.setattr(refine, "pair_probability", refine._REFERENCE["pair_probability"])
    for kind in (list, lambda w: array("f", w), lambda w: [Weight(v) for v in w], lambda w: array("d", w)):
        compiled, reference = refine.PairScores(clusterer), refine.PairScores(clusterer)
        for scores in (compiled, reference):
            scores._models = {h: (kind(list(w)), bias) for h, (w, bias) in scores._models.items()}
        xs = rng.sample(articles, 6)
        ys = rng.sample(headline, min(2, len(headline))) + rng.sample(body, min(3, len(body)))
        rng.shuffle(ys)
        got = speedups.mean_probability(compiled, xs, ys, 0.0)
        assert got == refine._REFERENCE["mean_probability"](reference, xs, ys, 0.0)
        assert {k: list(row.items()) for k, row in compiled._cache.items()} == {
            k: list(row.items()) for k, row in reference._cache.items()}
        assert list(compiled._sides) == list(reference._sides)


def test_the_pair_loops_raise_what_goes_wrong() -> None:
    import copy
    from dataclasses import replace

    from storyline.cluster import refine

    articles, clusterer = _pair_articles(random.Random(1))
    for pairs, mean in ((speedups.pair_probability, speedups.mean_probability),
                        (refine._REFERENCE["pair_probability"], refine._REFERENCE["mean_probability"])):
        scores = refine.PairScores(clusterer)
        with pytest.raises(ZeroDivisionError):
            mean(scores, [], articles[:2], 0.5)
        with pytest.raises(ZeroDivisionError):  # no pair: no id read
            mean(refine.PairScores(clusterer), [object()], [], 0.5)
        with pytest.raises(AttributeError):
            mean(refine.PairScores(clusterer), articles[:1], [articles[1], object()], 0.5)
        with pytest.raises(KeyError):
            scores._models = {}
            pairs(scores, articles[0], articles[1])
    scores = refine.PairScores(clusterer)
    with pytest.raises(TypeError):
        speedups.pair_probability(scores, replace(articles[0], title={1: 1.0}), articles[1])
    with pytest.raises(TypeError):
        speedups.mean_probability(scores, tuple(articles[:2]), articles[:2], 0.5)
    scores._sides[articles[2].id] = ("not", "a side")
    with pytest.raises(ValueError):
        speedups.pair_probability(scores, articles[2], articles[3])

    class Growing(dict):  # an IDF whose lookup adds a term to the bag it weights
        def __missing__(self, term: str) -> float:
            title["grown"] = 1.0
            return 1.0

    title = dict(articles[4].title, fresh=1.0)
    grown = replace(articles[4], id="grown", title=title)
    for pairs in (speedups.pair_probability, refine._REFERENCE["pair_probability"]):
        scores = refine.PairScores(clusterer)
        scores._df = copy.copy(clusterer.df_)
        scores._df.weights = Growing()
        with pytest.raises(RuntimeError):
            pairs(scores, grown, articles[5])
        title.pop("grown")


def test_the_scoring_kernel_raises_what_goes_wrong() -> None:
    from storyline.cluster.features import _NO_KINDS, ArticleVectors, DocumentFrequencies, story_of

    class Broken(dict):
        def __missing__(self, term: str) -> float:
            raise KeyError(term)

    rng = random.Random(1)
    f = _random_features(rng, 0)
    while not (f.title and f.entities):
        f = _random_features(rng, 0)
    df = DocumentFrequencies()
    df.add(f)
    vectors, story = ArticleVectors(f, df), story_of(f)
    with pytest.raises(KeyError):
        speedups.story_cosine(vectors.title, 1.0, story.title, {}, "title", Broken())
    with pytest.raises(KeyError):
        speedups.pair_features(vectors, story, Broken(), {}, None, None)
    with pytest.raises(AttributeError):
        speedups.pair_features(vectors, object(), df.weights, {}, None, None)
    with pytest.raises(AttributeError):  # a text-only vector has no entity slots
        speedups.pair_features(ArticleVectors(f, df, text_only=True), story, df.weights, {}, None, None)
    with pytest.raises(KeyError):
        speedups.fill_vectors(object.__new__(ArticleVectors), f, Broken(), False, _NO_KINDS)
    with pytest.raises(TypeError):
        speedups.story_cosine([], 1.0, {}, {}, "title", {})
    with pytest.raises(TypeError):
        speedups.linear_probability([1.0, "x"], [1.0, 1.0], 0.0)
    with pytest.raises(AttributeError):
        speedups.shares_words(vectors, object(), df, 0.1)
    with pytest.raises(TypeError):
        speedups.shares_words(vectors, story, df, "0.1")


def test_the_stream_rankings_break_ties_as_their_references() -> None:
    """Equal cosines rank candidates in their order, equal weights a story's names in theirs
    (a stable sort's order), and a norm cache is refreshed past the same corpus sizes."""
    from dataclasses import replace

    from storyline.cluster import online
    from storyline.cluster.features import (
        _KERNEL_REFERENCE,
        KINDS,
        NORM_REFRESH_GROWTH,
        ArticleVectors,
        DocumentFrequencies,
        StoryFeatures,
    )

    rng = random.Random(3)
    df = DocumentFrequencies()
    fs = [_random_features(rng, i) for i in range(12)]
    fs = [replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in KINDS}) for f in fs]
    for f in fs:
        df.add(f)
    stories: dict[int, StoryFeatures] = {}
    for sid in rng.sample(range(100), 9):  # three stories each of three texts, the first twice over
        stories[sid] = StoryFeatures()
        stories[sid].add(fs[len(stories) % 3], df=df)
    vectors = ArticleVectors(fs[0], df, text_only=True)
    for count in (0, 1, 2, 4, 9, 20, -2, -20):
        candidates = rng.sample(list(stories), len(stories))
        got = speedups.rank_stories(vectors, candidates, stories, df, count)
        want = _KERNEL_REFERENCE["rank_stories"](vectors, candidates, stories, df, count)
        assert list(got.items()) == list(want.items())
    with pytest.raises(KeyError):
        speedups.rank_stories(vectors, [-1], stories, df, 3)
    # equal margins: the later story joins; weights that fit no model fail where one is read
    full = ArticleVectors(fs[0], df)
    for best_story in (speedups.best_story, online._REFERENCE["best_story"]):
        ranked = dict.fromkeys(stories)
        assert best_story(full, ranked, stories, df, 0.0, 400, [0.0] * 18, 0.0, 0.5) == list(stories)[-1]
        assert best_story(full, ranked, stories, df, 0.0, 400, [0.0] * 18, 0.0, 0.6) is None
        assert best_story(full, {}, stories, df, 0.0, 400, [0.0] * 5, 0.0, 0.5) is None
        with pytest.raises(ValueError, match="5 weights fit neither 18 features"):
            best_story(full, ranked, stories, df, 0.0, 400, [0.0] * 5, 0.0, 0.5)
        with pytest.raises(KeyError):
            best_story(full, {-1: None}, stories, df, 0.0, 400, [0.0] * 18, 0.0, 0.5)
    # ... and so in one call, ranked (more candidates than it compares) or not
    for decide in (speedups.decide, online._REFERENCE["decide"]):
        assert decide(fs[0], list(stories), stories, df, 20, 0.0, 400, [0.0] * 18, 0.0, 0.5) == list(stories)[-1]
        assert decide(fs[0], list(stories), stories, df, 2, 0.0, 400, [0.0] * 18, 0.0, 0.6) is None
        assert decide(fs[0], list(stories), stories, df, 2, 0.0, 400, [0.0, 1] * 9, 0.0, 0.6) is not None
        assert decide(fs[0], [], stories, df, 3, 0.0, 400, [0.0] * 5, 0.0, 0.5) is None
        with pytest.raises(ValueError, match="5 weights fit neither 18 features"):
            decide(fs[0], list(stories), stories, df, 3, 0.0, 400, [0.0] * 5, 0.0, 0.5)
        for count in (1, 20):  # a missing story, ranked or not
            with pytest.raises(KeyError):
                decide(fs[0], [-1, *stories], stories, df, count, 0.0, 400, [0.0] * 18, 0.0, 0.5)
    # names of equal weights, ties past the cut; a story grown since is ranked again
    for story in stories.values():
        story.entities.update({f"p:tied{k}": 1.0 for k in range(6)})
        story.entities.update({name: 1.0 for name in rng.sample(list(story.entities), len(story.entities) // 2)})
        story._top = (-1, frozenset())
        story.size += 1
        for _ in range(2):
            assert speedups.top_entities_of(story) == _KERNEL_REFERENCE["top_entities_of"](story)
        assert story._top[0] == story.size
    plain = StoryFeatures()
    plain.entities.update({"p:a": 2, "p:b": 3, "p:c": 2, "p:d": 1, "p:e": 3, "p:f": 2})  # ints: Python's comparison
    plain.size = 1
    assert speedups.top_entities_of(plain) == frozenset({"p:b", "p:e", "p:a", "p:c"})
    # floats past the four kept (read without Python code), ints and floats mixed among them
    for weights in ([0.5, 3.0, 2.0, 2.0, 1.0, 4.0, 0.25, 2.0, 5.0], [1.0, 2, 3.0, 2, 1.5, 3, 0.5, 2.0, 9]):
        mixed, same = StoryFeatures(), StoryFeatures()
        for story in (mixed, same):
            story.entities.update({f"p:{k}": w for k, w in enumerate(weights)})
            story.size = 1
        assert speedups.top_entities_of(mixed) == _KERNEL_REFERENCE["top_entities_of"](same)
        assert mixed._top == same._top
    # the refresh of a norm cache: at 1.5 times its corpus size plus 20, big or odd counts alike
    for filled, now in ((10, 35), (10, 36), (2**60, 2**61), (2**60, 3 * 2**59 + 20), (2.5, 24), (None, 1)):
        for refresh in (speedups.fresh_norms_of, _KERNEL_REFERENCE["fresh_norms_of"]):
            story = StoryFeatures()
            story._norms.update({"title": 2.0} if filled is None else {"n": filled, "title": 2.0})
            df.n = now
            norms = refresh(story, df)
            assert norms is story._norms
            kept = filled is not None and now <= NORM_REFRESH_GROWTH * filled + 20
            assert norms == ({"n": filled, "title": 2.0} if kept else {"n": now})


def test_the_scoring_kernel_matches_its_reference_on_a_stream(monkeypatch: pytest.MonkeyPatch) -> None:
    from storyline.cluster.online import OnlineClusterer

    checked = _checked_kernel(monkeypatch)
    clusterer = OnlineClusterer()
    for article in _stream(240, seed=8):
        clusterer.add(article)
    clusterer.refine()
    # (stories of headlines alone ranked by their titles, but none to merge: few of those,
    # and few merge_scores and link_scores calls)
    few = ("article_norms", "rank_by_title", "merge_scores", "link_scores")
    assert min(n for name, n in checked.items() if name not in few) > 20
    assert len(checked) == 26 and all(checked[name] > 0 for name in few[1:])


def test_the_scoring_kernel_matches_its_reference_on_dev_articles(monkeypatch: pytest.MonkeyPatch) -> None:
    """Real bags: UCI headlines and a few ECB+ reports, annotated, through the stream and refine."""
    import json

    from conftest import shared_data

    from storyline.annotate import Annotator
    from storyline.cluster.online import OnlineClusterer
    from storyline.evaluate._articles import article_from_row

    rows = []
    for name, count in (("ecbplus-dev.jsonl", 12), ("uci-headlines.jsonl", 400)):
        with shared_data(f"clustering/{name}").open(encoding="utf-8") as lines:
            rows += [json.loads(line) for line, _ in zip(lines, range(count), strict=False)]
    articles = list(Annotator().annotate_many(article_from_row(row, source=f"dev#{i}") for i, row in enumerate(rows)))
    checked = _checked_kernel(monkeypatch)
    clusterer = OnlineClusterer()
    for article in articles:
        clusterer.add(article)
    clusterer.refine()
    assert min(checked.values()) > 20 and len(checked) == 27


@pytest.mark.parametrize("seed", range(20))
def test_the_index_matches_its_reference(seed: int) -> None:
    rng = random.Random(seed)
    words = [f"k{i}" for i in range(300 if seed % 2 else 40)]  # odd seeds: its tables grow
    sids = rng.sample(range(-5, 10_000), 100 if seed % 2 else 30) + [1, 2, 3]
    compiled = (speedups.KeyIndex(), {})  # (index, each story's members' keys)
    reference = (_reference("KeyIndex")(), {})
    # IDF weights from a few values, so that many scores tie
    idf = {w: rng.choice([0.5, 1.0, 1.25, 2.0]) for w in words}
    for step in range(600):
        sid = rng.choice(sids)
        if step % 7 == 6:  # a story leaves (its slot is reused by the next new one)
            for index, members in (compiled, reference):
                index.unfile(members.pop(sid, []), sid)
        else:
            keys = tuple(rng.sample(words, rng.randint(0, 12)))
            for index, members in (compiled, reference):
                index.file(iter(keys) if step % 3 else keys, sid)  # any iterable
                members.setdefault(sid, []).append(keys)
        assert compiled[0].holders() == reference[0].holders() and len(compiled[0]) == len(reference[0])
        if step % 10 == 0:
            keys = rng.sample(words, rng.randint(0, 20)) + ["absent"]
            for most in (1, 3, 50):
                for limit in (0, 1, 3, 6, 17, 100):
                    got = compiled[0].top(keys, idf, most, limit)
                    assert got == reference[0].top(keys, idf, most, limit)
                    assert all(type(sid) is int for sid in got)
    # each story is filed under its members' keys alone
    assert reference[0].holders() == {
        key: {sid for sid, members in reference[1].items() if any(key in keys for keys in members)}
        for key in {key for members in reference[1].values() for keys in members for key in keys}}
    for sid, members in list(compiled[1].items()):  # all leave: nothing is left filed
        compiled[0].unfile(members, sid)
    assert compiled[0].holders() == {} and len(compiled[0]) == 0


def test_the_index_ranks_equal_sums_by_id() -> None:
    for index in (speedups.KeyIndex(), _reference("KeyIndex")()):
        for sid, keys in ((7, ("a", "b")), (9, ("a",)), (3, ("b",)), (12, ("c",))):
            index.file(keys, sid)
        idf = {"a": 1.0, "b": 1.0, "c": 2.0}
        assert index.top(("a", "b", "c"), idf, 5, 10) == [12, 7, 9, 3]
        assert index.top(("a", "b", "c"), idf, 5, 3) == [12, 7, 9]
        assert index.top(("a", "b", "c"), idf, 1, 3) == [12]  # "a" and "b" held by too many


def test_the_index_checks_its_input() -> None:
    index = speedups.KeyIndex()
    index.file(["k", "j"], 5)
    index.file(("k",), 4)
    with pytest.raises(ValueError):
        index.top([], {}, 5, -1)
    with pytest.raises(TypeError):  # story ids are ints
        index.file(["k"], "story")
    with pytest.raises(TypeError):  # keys are str
        index.file([b"k"], 1)
    with pytest.raises(TypeError):
        index.top([1], {}, 5, 3)
    with pytest.raises(KeyError):  # an IDF weight that cannot be had
        index.top(["k"], {}, 5, 3)
    with pytest.raises(ValueError):  # sums of NaN or negative weights would not be ordered
        index.top(["k"], {"k": float("nan")}, 5, 3)
    for refusing in (index, _reference("KeyIndex")()):
        refusing.file(["k"], 5)
        with pytest.raises(ValueError):
            refusing.top(["k"], {"k": -1.0}, 5, 3)
    with pytest.raises(OverflowError):
        index.file(["k"], 2**70)
    with pytest.raises(TypeError):
        speedups.KeyIndex(1)
    assert index.holders() == {"k": {4, 5}, "j": {5}}  # what failed filed nothing
    assert index.top(iter(["k", "j"]), {"k": 1.0, "j": 0.5}, 5, 1) == [5]
    index.unfile([["k"]], 99)  # a story not filed: nothing to do
    index.unfile(iter([iter(["j"]), ("k", "absent")]), 5)
    assert index.holders() == {"k": {4}}


def test_the_index_refuses_calls_from_code_its_calls_run() -> None:
    # an IDF's __missing__ (or a generator of keys) that calls the index meets it half-way
    # through a call: it is refused, and the call goes on
    index = speedups.KeyIndex()
    index.file(["k"], 1)

    class Meddling(dict):
        def __missing__(self, term: str) -> float:
            with pytest.raises(RuntimeError):
                index.file(["k"], 2)
            with pytest.raises(RuntimeError):
                index.top(["k"], {"k": 1.0}, 5, 3)
            return 1.0

    def meddling_keys():  # type: ignore[no-untyped-def]
        yield "k"
        with pytest.raises(RuntimeError):
            index.unfile([["k"]], 1)
        yield "j"

    assert index.top(["k"], Meddling(), 5, 3) == [1]
    index.file(meddling_keys(), 3)
    assert index.holders() == {"k": {1, 3}, "j": {3}}


def _story_bags(rng: random.Random, words: list[str]) -> tuple[dict, tuple, dict]:
    """A story's norms, bags (title, body, all, all, entities, years) and kind bags."""
    title, body, every, entities, years = ({w: rng.random() * 4 for w in rng.sample(words, rng.randint(0, 15))}
                                           for _ in range(5))
    kinds = {k: {w: rng.random() for w in rng.sample(words, rng.randint(0, 5))} for k in ("p:", "l:", "o:")}
    names = ["title", "body", "all", "entities", "years", "p:", "l:", "o:"]
    norms = {"n": 17} | {name: rng.random() * 9 for name in rng.sample(names, rng.randint(0, len(names)))}
    return norms, (title, body, every, every, entities, years), kinds


@pytest.mark.parametrize("seed", range(30))
def test_add_bags_matches_its_reference(seed: int) -> None:
    from storyline.cluster.features import _BAG_NAMES

    rng = random.Random(seed)
    words = [f"w{i}" for i in range(50)] + [f"{k}name{i}" for k in ("p:", "l:", "o:") for i in range(10)]
    norms, bags, kinds = _story_bags(rng, words)
    entities = {w: 1.0 + rng.random() for w in rng.sample(words[50:], rng.randint(0, 12))}
    parts = tuple({w: rng.choice([1.0, rng.random() * 3]) for w in rng.sample(words, rng.randint(0, 9))}
                  for _ in range(len(_BAG_NAMES)))
    parts = (parts[0], parts[1], parts[0], parts[1], entities, parts[5])  # as StoryFeatures.add passes them
    idf = _Idf({w: rng.random() * 5 for w in rng.sample(words, 40)})
    # a plain dict of every weight: the title's and the body's read once for two bags
    plain = {w: rng.random() * 5 for w in words}
    for weights in (idf, plain, None):
        copies = []
        for _ in range(2):
            copy_bags = [dict(bag) for bag in bags]
            copy_bags[3] = copy_bags[2]  # title + body, added into twice
            copy_idf = None if weights is None else type(weights)(weights)
            copied = (dict(norms), tuple(copy_bags), {k: dict(bag) for k, bag in kinds.items()}, copy_idf)
            copies.append(copied)
        for loops, (n, b, k, i) in zip((speedups, None), copies, strict=True):
            add = loops.add_bags if loops else _reference("add_bags")
            add(n, i, _BAG_NAMES, b, parts, k, entities)
        (norms_c, bags_c, kinds_c, idf_c), (norms_r, bags_r, kinds_r, idf_r) = copies
        assert list(norms_c.items()) == list(norms_r.items())
        assert [list(bag.items()) for bag in bags_c] == [list(bag.items()) for bag in bags_r]
        assert [list(bag.items()) for bag in kinds_c.values()] == [list(bag.items()) for bag in kinds_r.values()]
        # the same IDF weights computed (in another order: the cache is only looked up)
        assert idf_c == idf_r


def test_the_running_norms_square_idf_weights_as_their_references_do() -> None:
    # weights whose float ** 2 (the C library's pow) rounds otherwise than w * w
    rng = random.Random(0)
    awkward = [w for w in (rng.random() * 10 for _ in range(20_000)) if w ** 2 != w * w][:20]
    assert awkward
    for w in awkward:
        idf = {"t": w, "p:x": w}
        got, want = {"t": 1.0}, {"t": 1.0}
        assert speedups.add_into(got, {"t": 2.0}, idf, 3.0) == _reference("add_into")(want, {"t": 2.0}, idf, 3.0)
        norms = [{"title": 1.5, "p:": 2.5} for _ in range(2)]
        for loops, n in zip((speedups, None), norms, strict=True):
            add = loops.add_bags if loops else _reference("add_bags")
            add(n, idf, ("title",), ({"t": 1.0},), ({"t": 2.0},), {"p:": {}}, {"p:x": 1.5})
        assert norms[0] == norms[1]
        # a story's norm from scratch squares the same way
        bag = {"t": 1.0}
        assert speedups.weighted_square_sum(bag, idf) == _reference("weighted_square_sum")(bag, idf) == w * w


def test_add_bags_updates_in_place_only_the_norms_no_one_else_holds() -> None:
    # (the compiled add_bags updates a norm float that only the norms hold in place)
    idf = {"t": 2.0, "u": 0.5, "p:x": 1.5, "l:y": 3.0}
    start = {"title": 1.5, "body": 2, "p:": 2.5, "l:": 1.25}  # an int norm: a float after
    results = []
    for loops in (speedups, None):
        add = loops.add_bags if loops else _reference("add_bags")
        norms = {k: float(v) if k != "body" else v for k, v in start.items()}
        norms["p:"] = float("2.5")  # held by the norms alone
        held = norms["title"]  # held here too: not changed under us
        kinds = {"p:": {"p:x": 1.0}, "l:": {}}
        entities = {"p:x": 1.0, "l:y": 2.0}
        for _ in range(3):
            add(norms, idf, ("title", "body"), ({"t": 1.0}, {}), ({"t": 2.0, "u": 1.0}, {"u": 1.0}), kinds, entities)
        assert held == 1.5
        results.append((list(norms.items()), [type(v) for v in norms.values()], kinds))
    assert results[0] == results[1]


@pytest.mark.parametrize("move", ["again", "away", "grow"])
def test_add_bags_updates_a_norm_that_python_code_moves_as_the_reference(move: str) -> None:
    # an IDF whose __missing__ puts the title's norm back, moves it to another name, or
    # adds a norm: the norms change (their version), and the title's norm is found again
    class Moving(dict):
        def __init__(self, norms: dict[str, float]) -> None:
            super().__init__()
            self.norms = norms

        def __missing__(self, term: str) -> float:
            norms = self.norms
            if move == "again" and "title" in norms:
                norms["title"] = norms.pop("title")
            elif move == "away" and "title" in norms:
                norms["moved"] = norms.pop("title")
            elif move == "grow":
                norms[term] = 1.0
            self[term] = 2.0
            return 2.0

    results = []
    for loops in (speedups, None):
        add = loops.add_bags if loops else _reference("add_bags")
        norms = {"title": float("1.5")}
        add(norms, Moving(norms), ("title",), ({"t": 1.0},), ({"t": 2.0, "u": 1.0},), {}, {})
        results.append(list(norms.items()))
    assert results[0] == results[1]


def test_add_bags_takes_entities_grown_while_it_adds() -> None:
    # an IDF whose __missing__ adds entities of new kinds: more kinds than the entities
    # had when the split was sized (written past it, it crashed)
    entities = {"a:0": 1.0}
    kinds = {f"{chr(97 + i)}:": {} for i in range(20)}
    norms = dict.fromkeys(kinds, 1.0)

    class Growing(dict):
        def __missing__(self, term: str) -> float:
            k = len(entities)
            if k < 20:
                entities[f"{chr(97 + k)}:{k}"] = 1.0
            self[term] = 1.0
            return 1.0

    speedups.add_bags(norms, Growing(), (), (), (), kinds, entities)
    # as the reference, which splits the entities before it adds: the first one alone
    assert len(entities) == 2 and [k for k, bag in kinds.items() if bag] == ["a:"]


def test_add_bags_finds_kinds_by_their_characters_or_by_lookup() -> None:
    # kinds that are plain strs are found by their two characters; the others (a str
    # subclass, a non-str key beside them) by the lookup of the entity's prefix, as the
    # reference finds them all
    class Kind(str):
        pass

    entities = {"p:ann": 1.0, "o:acme": 2.0, "l:rome": 0.5, "p:bob": 1.5, "o:ibm": 1.0}
    results = []
    for loops in (speedups, None):
        add = loops.add_bags if loops else _reference("add_bags")
        kinds = {("p", ":"): {}, Kind("o:"): {"o:ibm": 1.0}, "p:": {"p:bob": 0.5}, "l:": {}}
        norms = {"p:": 2.0, Kind("o:"): 1.0, "l:": 3.0}
        add(norms, {t: 0.5 for t in entities}, (), (), (), kinds, entities)
        results.append(([(k, list(bag.items())) for k, bag in kinds.items()], list(norms.items())))
    assert results[0] == results[1]
    assert results[0][0][2] == ("p:", [("p:bob", 2.0), ("p:ann", 1.0)])


def test_add_bags_checks_its_input() -> None:
    with pytest.raises(KeyError):  # an entity of no known kind
        speedups.add_bags({}, None, (), (), (), {"p:": {}}, {"x:thing": 1.0})
    with pytest.raises(ValueError):
        speedups.add_bags({}, None, ("title",), (), (), {}, {})
    with pytest.raises(ValueError):  # math.sqrt of a negative squared norm, as the reference
        speedups.add_bags({"title": 1.0}, {"t": 1.0}, ("title",), ({"t": 5.0},), ({"t": -4.5},), {}, {})


@pytest.mark.parametrize("compiled", [True, False])
def test_adding_into_a_bag_changes_no_float_that_another_holds(compiled: bool) -> None:
    # the bag's own floats are updated in place; one held elsewhere too is replaced
    add_into = speedups.add_into if compiled else _reference("add_into")
    kept = 1.5 + 0.25  # a float made here, so that only the bag and ``kept`` hold it
    bag = {"own": 2.0 + 0.5, "held": kept, "int": 3}
    part = {"own": 1.0, "held": 1.0, "int": 0.5, "new": -0.0}
    snapshot = dict(bag)  # holds the bag's floats too: none may change
    add_into(bag, part, None, None)
    assert kept == 1.75 and snapshot == {"own": 2.5, "held": 1.75, "int": 3}
    assert list(bag.items()) == [("own", 3.5), ("held", 2.75), ("int", 3.5), ("new", 0.0)]
    assert math.copysign(1.0, bag["new"]) == 1.0  # 0.0 + -0.0, as bag.get(t, 0.0) + w
    del snapshot
    own = bag["own"]
    add_into(bag, {"own": 1.0}, None, None)
    assert own == 3.5 and bag["own"] == 4.5
    # a float only the bag holds, updated in place, reads the same as a new one would
    add_into(bag, {"own": 1.0, "held": 1.0}, None, None)
    assert list(bag.items()) == [("own", 5.5), ("held", 3.75), ("int", 3.5), ("new", 0.0)]
    # a bag added into itself: each value is read before it is added to
    selfish = {"a": 1.0 + 1.0, "b": 3.0 + 1.0}
    add_into(selfish, selfish, None, None)
    assert selfish == {"a": 4.0, "b": 8.0}


class _Weight(float):
    """A float that is no exact float."""


class _Term(str):
    """A str that is no exact str."""


@pytest.mark.parametrize("compiled", [True, False])
def test_adding_into_an_empty_bag_is_adding_each_term(compiled: bool) -> None:
    # an empty bag takes a copy of a plain part (its floats shared, never changed after),
    # and each sum 0.0 + w of any other part, as the reference adds term by term
    add_into = speedups.add_into if compiled else _reference("add_into")
    parts = [
        {"a": 1.5 + 0.25, "b": 2.0 + 0.5, "c": 0.0},
        {"a": 1.0, "z": -0.0},  # 0.0 + -0.0 is 0.0
        {"a": 1.0, "i": 3},  # an int weight: a float in the bag
        {"a": 1.0, "f": _Weight(2.5)},
        {_Term("a"): 1.0, "b": 2.0},
        {},
    ]
    for part in parts:
        before = {k: (type(v), v) for k, v in part.items()}
        bag: dict = {}
        add_into(bag, part, None, None)
        want: dict = {}
        for term, weight in part.items():
            want[term] = want.get(term, 0.0) + weight
        assert [(k, type(v), math.copysign(1.0, v), v) for k, v in bag.items()] == \
            [(k, type(v), math.copysign(1.0, v), v) for k, v in want.items()]
        assert [type(k) for k in bag] == [type(k) for k in part]
        add_into(bag, part, None, None)  # added again: the part's own floats stay as they were
        assert {k: (type(v), v) for k, v in part.items()} == before
        assert bag == {k: 2 * v for k, v in want.items()}


def test_a_story_year_counts_through_a_counter_of_its_own_setitem() -> None:
    from dataclasses import replace

    from storyline.cluster.features import StoryFeatures, add_article

    class Years(Counter):
        def __setitem__(self, key, value):  # type: ignore[no-untyped-def]
            super().__setitem__(key, value * 10)

    f = replace(_random_features(random.Random(3), 0), year=2014, entities={"p:n1": 1.0})
    story = StoryFeatures()
    add_article(story, f, 1, None)
    add_article(story, f, 2, None)
    assert type(story.years) is Counter and story.years == {2014: 2}
    story.years = Years()
    add_article(story, f, 3, None)
    assert story.years == {2014: 10}


def test_a_story_counted_many_times_sums_as_the_reference_and_changes_no_held_count() -> None:
    # (the compiled add_article counts a story's year up in place where only its Counter
    # holds the count, and adds and compares plain ints without the number protocol)
    from dataclasses import replace

    from storyline.cluster.features import _KERNEL_REFERENCE, StoryFeatures, add_article

    days = [5, 3, 9, 2**70, 4, -(2**65), 7]
    stories = []
    for add in (add_article, _KERNEL_REFERENCE["add_article"]):
        story, held = StoryFeatures(), []
        for k in range(300):
            f = replace(_random_features(random.Random(k), 0), year=2014 + k % 2, day=days[k % len(days)],
                        entities={"p:n1": 1.0})
            add(story, f, (k * 7) % 50, None)
            if k % 60 == 0:  # a count someone holds: counted up anew, never changed under them
                held.append((story.years[2014], repr(story.years[2014])))
        assert all(repr(count) == seen for count, seen in held)
        stories.append(story)
    compiled, reference = stories
    assert list(compiled.years.items()) == list(reference.years.items()) == [(2014, 150), (2015, 150)]
    for name in ("size", "day_sum", "day_n", "first_day", "last_day", "last_seen"):
        assert getattr(compiled, name) == getattr(reference, name)
        assert type(getattr(compiled, name)) is type(getattr(reference, name))


@pytest.mark.parametrize("seed", range(20))
def test_the_counts_and_the_best_terms_match_their_references(seed: int) -> None:
    from collections import Counter

    rng = random.Random(seed)
    words = [f"w{i}" for i in range(60)]
    bags = tuple({w: rng.random() for w in rng.sample(words, rng.randint(0, 20))} for _ in range(4))
    compiled = Counter(rng.sample(words, 30))
    reference = Counter(compiled)
    speedups.count_terms(compiled, bags)
    _reference("count_terms")(reference, bags)
    assert list(compiled.items()) == list(reference.items())
    # more bags than the compiled loop filters, and terms that are no exact str: a str
    # subclass equal to a str of another bag, an int and a float equal to each other
    others = [_Term(w) if rng.random() < 0.3 else w for w in words] + [3, 3.0, 7]
    many = tuple({t: 1.0 for t in rng.sample(others, rng.randint(0, 12))} for _ in range(11))
    speedups.count_terms(compiled, many)
    _reference("count_terms")(reference, many)
    assert list(compiled.items()) == list(reference.items())
    assert [type(k) for k in compiled] == [type(k) for k in reference]
    # weights and IDF from a few values, so that many products tie
    bag = {w: rng.choice([1.0, 1.5, 2.0, rng.random()]) for w in rng.sample(words, rng.randint(0, 50))}
    idf = _Idf({w: rng.choice([0.5, 1.0, 2.0]) for w in rng.sample(words, 40)})  # the rest computed
    ref_idf, c_idf = _Idf(idf), _Idf(idf)
    for keep in (0, 1, 10, 40, 100):
        got = speedups.best_terms(bag, c_idf, keep)
        want = _reference("best_terms")(bag, ref_idf, keep)
        assert list(got.items()) == list(want.items())
        # what prune kept before: a sort by the negated TF-IDF
        assert list(want.items()) == sorted(bag.items(), key=lambda kv: -kv[1] * ref_idf[kv[0]])[:keep]
    assert c_idf == ref_idf


def test_top_reads_the_idf_weights_again_once_the_idf_changes() -> None:
    # (the compiled top keeps each key's weight while the IDF dict is unchanged)
    class Weight(float):
        pass

    class Idf(dict):
        def __missing__(self, key: str) -> float:
            self[key] = 1.5
            return 1.5

    indexes = speedups.KeyIndex(), _reference("KeyIndex")()
    for index in indexes:
        index.file(("a", "b"), 1)
        index.file(("b", "c", "d"), 2)
        index.file(("c",), 3)
    idf = Idf({"a": 1.0, "b": 0.5, "c": 2.0})
    other = {"a": 3.0, "b": 0.5, "c": 0.25, "d": 1.0}
    keys = ("a", "b", "c", "d")
    for change in (lambda: None, lambda: idf.update(a=5.0), lambda: idf.pop("d"), lambda: None,
                   lambda: idf.__setitem__("c", Weight(0.1)), lambda: idf.__setitem__("b", 9.0), lambda: None):
        change()
        for weights in (idf, other, idf):
            got, want = (index.top(keys, weights, 10, 5) for index in indexes)
            assert got == want
            other["d"] += 1.0


def test_the_counts_counted_up_in_place_are_ints_no_one_else_sees_change() -> None:
    # (the compiled count_terms counts a one-digit int that only the counts hold in place)
    from collections import Counter

    bags = ({"a": 1.0, "b": 1.0}, {"c": 1.0, "a": 2.0}, {"d": 1.0})
    start = {"b": 250, "d": int("1073741821")}  # 2**30 - 3: one digit, two steps from two
    compiled, reference = Counter(start), Counter(start)
    held = []
    for k in range(300):
        speedups.count_terms(compiled, bags)
        _reference("count_terms")(reference, bags)
        assert list(compiled.items()) == list(reference.items())
        if k % 60 == 0:  # a count someone holds: counted up anew, never changed under them
            held.append((compiled["a"], repr(compiled["a"])))
    assert all(type(v) is int for v in compiled.values())
    assert compiled["d"] == 2**30 + 297
    assert all(repr(value) == seen for value, seen in held)


def test_the_counts_and_the_best_terms_check_their_input() -> None:
    with pytest.raises(ValueError):
        speedups.best_terms({}, {}, -1)
    with pytest.raises(KeyError):  # an IDF weight that cannot be had
        speedups.best_terms({"t": 1.0}, {}, 3)
    with pytest.raises(TypeError):
        speedups.count_terms({}, ({"t": 1.0}, ["u"]))
    counts = {"t": 2**70, "f": 2.5, "b": True}
    speedups.count_terms(counts, ({"t": 1.0, "u": 2.0, "f": 1.0, "b": 1.0},))
    assert counts == {"t": 2**70 + 1, "u": 1, "f": 3.5, "b": 2}
    assert [type(v) for v in counts.values()] == [int, float, int, int]


def test_prune_keeps_the_article_but_its_body() -> None:
    from dataclasses import replace

    from storyline.cluster.features import DocumentFrequencies, featurize, prune

    article = _stream(1)[0]
    features = featurize(article)
    body = {f"t{i}": 1.0 + i % 3 for i in range(60)}
    features = replace(features, body=body)
    pruned = prune(features, DocumentFrequencies(), keep=10)
    assert pruned == replace(features, body=pruned.body) and list(pruned.body) == [f"t{i}" for i in range(2, 60, 3)][:10]
    assert pruned.keys == features.keys and pruned.embedding is features.embedding


def _real_stream(limit: int) -> list:
    """ECB+ dev reports as the clusterer reads them, with capitalised words standing in
    for the annotator's names (people, places, organisations in turn)."""
    import json
    import re

    from conftest import SHARED_DATA

    from storyline.evaluate._articles import article_from_row
    from storyline.model import AnnotatedArticle, Entity

    path = SHARED_DATA / "clustering" / "ecbplus-dev.jsonl"
    if not path.is_file():
        pytest.skip(f"no reports at {path} (the dev data lives beside the repository)")
    out = []
    labels = ("PERSON", "GPE", "ORG")
    for i, line in enumerate(path.open(encoding="utf-8")):
        if i == limit:
            break
        article = article_from_row(json.loads(line), source=f"ecb#{i}")
        names = [m for m in re.finditer(r"\b[A-Z][a-z]+(?: [A-Z][a-z]+)?", article.text)][:30]
        entities = tuple(Entity(text=m.group(), label=labels[len(m.group()) % 3], canonical=m.group(),
                                start=m.start(), end=m.end()) for m in names)
        out.append(AnnotatedArticle(article=article, entities=entities))
    return out


def test_the_stream_keeps_the_same_index_and_sums_with_and_without_the_compiled_loops(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """On real reports: every story's bags and cached norms, the index as it iterates, the
    document frequencies and the pruned bodies."""
    from storyline.cluster import features, online
    from storyline.cluster.online import OnlineClusterer

    articles = _real_stream(400)

    def run() -> list:
        clusterer = OnlineClusterer(min_idle_arrivals=150, window_days=0)  # stories expire too
        for article in articles:
            clusterer.add(article)
        stories = [(sid, story.size, [list(bag.items()) for bag in (story.title, story.body, story.all,
                                                                    story.entities, story.year_bag)],
                    [list(bag.items()) for bag in story.kinds.values()], list(story._norms.items()))
                   for sid, story in clusterer.stories_.items()]
        streamed = (dict(clusterer.labels_), stories, clusterer._index.holders(),
                    list(clusterer.df_.df.items()),
                    [list(f.body.items()) for members in clusterer.members_.values() for f in members])
        clusterer.refine()
        return [streamed, dict(clusterer.labels_), clusterer._index.holders()]

    compiled = run()
    for module in (features, online):
        for name, reference in _sparse._REFERENCE.items():
            if hasattr(module, name):
                monkeypatch.setattr(module, name, reference)
    assert online.KeyIndex is _sparse._REFERENCE["KeyIndex"]
    assert features.add_bags is _sparse._REFERENCE["add_bags"]
    assert run() == compiled
    assert len(set(compiled[1].values())) > 20


#: pieces of page text: ASCII words of every case, digits, underscores, punctuation and
#: spacing, NUL, non-ASCII words and marks, CJK, case-folding oddities, a lone surrogate,
#: stop words, chrome words and words that may carry a chrome phrase
_PIECES = [*"abcXYZ019_ \t\n\0.,'-", "é", "’", "日本", "的", "Ä", "ſ", "\u212a", "İ", "\udcff", "privacy",
           "Article", "READ", "the", "The", "Share", "cookie", "3D", "A", "McDonald", "rEad", "photographs"]


@pytest.mark.parametrize("seed", range(10))
def test_the_line_token_sums_match_their_reference(seed: int) -> None:
    from storyline.extract import _lines

    rng = random.Random(seed)
    for _ in range(300):
        text = "".join(rng.choice(_PIECES) for _ in range(rng.randint(0, 80))).encode("utf-8", "surrogatepass")
        want = _lines._line_token_sums_reference(text)
        got = _lines.line_token_sums(text)
        assert got.dtype == want.dtype and got.tolist() == want.tolist(), text


def test_the_line_classifier_uses_the_compiled_token_sums() -> None:
    from storyline.extract import _lines

    assert _lines.line_token_sums is not _lines._line_token_sums_reference
    with pytest.raises(ValueError):
        speedups.line_token_sums(b"x", b"short table", {}, (), b"", (0,) * 8, {}, len)
    with pytest.raises(ValueError):  # a table that changes a chunk byte
        speedups.line_token_sums(b"x", _lines._TOKEN_BYTES.replace(b"A", b"a"), {}, (), b"", (0,) * 8, {}, len)
    with pytest.raises(ZeroDivisionError):  # an error of the memo's filler is raised
        speedups.line_token_sums("é".encode(), _lines._TOKEN_BYTES, {}, (), b"", (0,) * 8, {}, lambda c: 1 / 0)


def test_the_line_token_sums_read_their_word_rules() -> None:
    from storyline.extract import _lines

    shifts = tuple(_lines._SHIFT[name] for name in _lines._FIELDS)
    phrase, stop, chrome = (1 << _lines._SHIFT[name] for name in ("phrase_word", "stop", "chrome"))

    def sums(text: str, codes: dict, ends: tuple, inside: bytes = b"article") -> list[int]:
        got = speedups.line_token_sums(text.encode(), _lines._TOKEN_BYTES, codes, ends, inside, shifts, {}, len)
        return list(memoryview(got).cast("q"))

    # an empty ending ends every word; an ending is matched on the lower-cased word
    assert all(s & (0xFF << _lines._SHIFT["phrase_word"]) for s in sums("a Bb\nccc", {}, (b"",)))
    assert sums("SHARE", {}, (b"are",))[0] & phrase
    assert not sums("shares", {}, (b"are",))[0] & phrase
    assert sums("xarticlex", {}, ())[0] & phrase
    assert sums("shares", {}, (), b"")[0] & phrase  # as "" in "shares"
    # codes: many words (the table grows), a key that is not bytes is ignored
    codes = {f"w{i}".encode(): 1 + i % 3 for i in range(1000)} | {"str": 3}
    assert sums("W6", codes, ())[0] & stop and not sums("W6", codes, ())[0] & chrome  # code 1
    assert sums("w7", codes, ())[0] & chrome and not sums("w7", codes, ())[0] & stop  # code 2
    both = sums("w998", codes, ())[0]  # code 3
    assert both & stop and both & chrome
    assert sums("str", codes, ()) == sums("str", {}, ())
    assert sums("w1000", codes, ()) == sums("w1000", {}, ())
    with pytest.raises(TypeError):  # a code that is no int
        sums("w", {b"w": "1"}, ())
    # more ends than the last-byte buckets hold: all are compared
    many = tuple(f"q{i}".encode() for i in range(70)) + (b"xyz",)
    assert sums("abcxyz", {}, many)[0] & phrase
    assert sums("abcq69", {}, many)[0] & phrase and not sums("abcq70", {}, many)[0] & phrase
    assert sums("SHARE", {}, (b"zz", b"are", b"e"))[0] & phrase  # several ends with one last byte


def test_missing_idf_weights_are_computed_as_the_cache_computes_them(monkeypatch: pytest.MonkeyPatch) -> None:
    from storyline.cluster import features

    def frequencies() -> features.DocumentFrequencies:
        df = features.DocumentFrequencies()
        df.weights, df.df = features._IdfCache(df), Counter()  # the dict path (not the compiled TermTable)
        rng = random.Random(5)
        for _ in range(37):
            df.n += 1
            df.df.update(rng.sample([f"t{i}" for i in range(40)], 9))
        return df

    bag = {f"t{i}": 1.0 + i / 7 for i in range(0, 60, 2)}  # some terms no document holds
    compiled, python = frequencies(), frequencies()
    assert type(compiled.weights) is features._IdfCache  # the registered class: computed in C
    with monkeypatch.context() as patch:
        def no_python_call(self: dict, term: str) -> float:
            raise AssertionError(f"__missing__ ran in Python for {term}")

        patch.setattr(features._IdfCache, "__missing__", no_python_call)
        got = speedups.weighted_square_sum(bag, compiled.weights)
    # the reference reads each term through __missing__ in Python
    want = _reference("weighted_square_sum")(bag, python.weights)
    assert got == want
    assert list(compiled.weights.items()) == list(python.weights.items())
    with pytest.raises(TypeError):
        speedups.register_idf_cache(list)


def test_missing_idf_weights_read_the_owner_as_it_is_now() -> None:
    from storyline.cluster import features

    def computed(weights: features._IdfCache, term: str) -> float:
        speedups.weighted_square_sum({term: 1.0}, weights)
        return dict.__getitem__(weights, term)

    def missing(owner: object, term: str) -> float:
        return math.log((owner.n + 1) / (owner.df.get(term, 0) + 1)) + 1.0  # type: ignore[attr-defined]

    df = features.DocumentFrequencies()
    df.n, df.df = 10, Counter({"a": 3, "b": 1})
    weights = df.weights = features._IdfCache(df)  # the dict path (DocumentFrequencies holds a TermTable)
    assert computed(weights, "a") == missing(df, "a")
    df.n += 5  # counts grown between two calls
    assert computed(weights, "b") == missing(df, "b")
    df.df = Counter({"c": 4})  # frequencies replaced
    assert computed(weights, "c") == missing(df, "c")
    unset = features.DocumentFrequencies()  # the class read before, its count slot emptied
    unset.weights, unset.df = features._IdfCache(unset), Counter()
    del unset.n
    with pytest.raises(AttributeError):
        computed(unset.weights, "c")
    assert "c" not in unset.weights

    class Plain:  # an owner of another class, without slots
        def __init__(self) -> None:
            self.n, self.df = 30, {"d": 2}

    weights.owner = Plain()
    assert computed(weights, "d") == missing(weights.owner, "d")

    class Slotted:
        __slots__ = ("df", "n")

    owner = Slotted()
    owner.n, owner.df = 40, {"e": 6}
    weights.owner = owner
    assert computed(weights, "e") == missing(owner, "e")
    Slotted.__getattr__ = lambda self, name: 99  # type: ignore[attr-defined]  # the class changed since
    del owner.n
    assert computed(weights, "f") == math.log(100 / 1) + 1.0
    del Slotted.__getattr__  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):  # an unset slot raises, as getattr does
        computed(weights, "g")
    assert "g" not in weights


def _same_candidate_rows(page, scores: list[float], first: int, threshold: float, known: set[bytes],  # type: ignore[no-untyped-def]
                         site_stem: str, compiled=None) -> list[int]:
    """The compiled headline candidates and feature rows of a page against the reference's, to the last bit."""
    import numpy as np

    from storyline.extract import _titles

    compiled = compiled or _titles.candidate_rows
    window = _titles.candidates(len(page.texts), first)
    # rows the loops must leave alone (past the candidates; the classifier's columns) keep this
    got, want = (np.full((len(window), len(_titles.TITLE_FEATURES)), -7.5) for _ in range(2))
    idx = compiled(page, scores, window, first, threshold, known, site_stem, got)
    assert idx == _titles._candidate_rows_reference(page, scores, window, first, threshold, known, site_stem, want)
    assert got.tobytes() == want.tobytes(), [(i, page.texts[i]) for i in idx]
    return idx


@pytest.mark.parametrize("seed", range(10))
def test_the_headline_candidates_match_their_reference(seed: int) -> None:
    from storyline.extract import _lines, _titles

    assert _titles.candidate_rows is not _titles._candidate_rows_reference
    rng = random.Random(seed)
    # headline-ish lines: bullets and heading marks, bylines and datelines (both
    # patterns' openings), sentence ends, long lines, repeated lines, the site's name
    pieces = [p for p in _PIECES + _PAGE_PIECES if p not in "\r\n\v\f\x1c\x1d\x1e\x85\u2028\u2029"]
    pieces += ["x" * 300, "Über", "US", "2024", "__", "said", "Council", "By Ann Lee", "Posted: May 3, 2024",
               "Updated 10:30 am", "von ", "...", ".", "?", "!", ":", ";", "#", "## ", "* ", "• ", "o ", "» ",
               "Storyline", "story line", "The Daily Planet", "planet"]
    for _ in range(40):
        stock = ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 12))) for _ in range(30)]
        lines = [rng.choice(stock) if rng.random() < 0.3 else "".join(rng.choice(pieces) for _ in range(rng.randint(0, 25)))
                 for _ in range(rng.randint(1, 90))]
        page = _lines.split_lines("\n".join(lines) + "\n" * rng.randint(0, 2))
        n = len(page.texts)
        if not n:
            continue
        scores = [rng.choice([-9.0, -5.0, -0.5, 0.0, 0.25, 5.0, 7.0, float("nan"), rng.uniform(-8, 8)]) for _ in range(n)]
        threshold = rng.choice([0.0, 0.5, -1.0])
        first = rng.randrange(n)
        body = " ".join(k for k, s in zip(page.keys[first:], scores[first:], strict=True) if s > threshold)
        known = _lines.word_set(body) | {w.encode() for w in rng.sample(["said", "council", "planet", "über"], 2)}
        for site_stem in ("", "dailyplanet", "planet", "us"):
            _same_candidate_rows(page, scores, first, threshold, known, site_stem)
    # a subclass of str is read as a str; bools or ints as blanks and indents
    page = _lines.split_lines("One line\n\n# Two Words Here\nBy Ann\nbody text of the page.\n")
    page.texts = [type("Line", (str,), {})(t) for t in page.texts]
    page.blank_before = [int(b) for b in page.blank_before]
    assert _same_candidate_rows(page, [1.0, 1.0, -1.0, 3.0], 3, 0.0, set(), "")


def test_the_headline_candidates_match_their_reference_on_the_dev_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    import gzip
    import json

    from conftest import SHARED_DATA

    from storyline.errors import StorylineError
    from storyline.extract import _titles, extract_article, site_of
    from storyline.model import Document

    paths = sorted((SHARED_DATA / "extraction").glob("*.jsonl.gz"))
    if not paths:
        pytest.skip(f"no pages at {SHARED_DATA / 'extraction'} (the dev data lives beside the repository)")
    seen = []
    compiled = _titles.candidate_rows

    def both(page, scores, window, first, threshold, known, site_stem, out):  # type: ignore[no-untyped-def]
        assert window == _titles.candidates(len(page.texts), first)
        seen.append(_same_candidate_rows(page, scores, first, threshold, known, site_stem, compiled))
        return compiled(page, scores, window, first, threshold, known, site_stem, out)

    monkeypatch.setattr(_titles, "candidate_rows", both)
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as rows:
            for row in map(json.loads, rows):
                doc = Document(source="dev", raw=row["page_text"].encode(), kind="text", url=row.get("url"),
                               hints={"site": row.get("domain") or site_of(row.get("url"))})
                with contextlib.suppress(StorylineError):  # a page without article text
                    extract_article(doc)
    assert sum(map(bool, seen)) > 800


def test_the_headline_candidates_check_their_input() -> None:
    import numpy as np

    from storyline.extract import _lines, _titles

    page = _lines.split_lines("Title here\nBy Ann\nBody text.\n")
    out = np.zeros((3, len(_titles.TITLE_FEATURES)))
    lists = [page.texts, page.keys, page.blank_before, page.blank_after, page.indents, [0.0, 0.0, 1.0]]

    def call(*, lists=lists, at=0, stop=3, first=2, known=frozenset(), out=out, rules=_titles._RULES):  # type: ignore[no-untyped-def]
        return speedups.candidate_rows(*lists, at, stop, first, 0.0, known, "", out, rules)

    assert call() == [0, 1, 2]
    with pytest.raises(ValueError):  # a window past the page, or without its first line
        call(stop=4)
    with pytest.raises(ValueError):
        call(first=3)
    with pytest.raises(ValueError):  # too few rows, another dtype, a list of another length
        call(out=out[:2])
    with pytest.raises(ValueError):
        call(out=out.astype(np.float32))
    with pytest.raises(ValueError):
        call(lists=[*lists[:5], [0.0]])
    with pytest.raises(ValueError):
        call(out=np.zeros((len(_titles.TITLE_FEATURES), 3)).T)  # not C-contiguous
    with pytest.raises(TypeError):
        call(known=["known"])
    with pytest.raises(TypeError):
        call(lists=[[b"bytes", *page.texts[1:]], *lists[1:]])
    with pytest.raises(TypeError):
        call(lists=[*lists[:5], [0.0, "a", 1.0]])
    with pytest.raises(ValueError):
        call(rules=(*_titles._RULES[:-1], (0,) * 3))

    # the Python word counts, of lines that are not ASCII only
    def broken(body: str, known: set[bytes]) -> tuple[int, ...]:
        raise KeyError(body)

    def rules(word_counts):  # type: ignore[no-untyped-def]
        return (*_titles._RULES[:6], word_counts, *_titles._RULES[7:])

    assert call(rules=rules(broken)) == [0, 1, 2]
    wide = [["Tïtle here", *page.texts[1:]], *lists[1:]]
    with pytest.raises(KeyError):
        call(lists=wide, rules=rules(broken))
    with pytest.raises(TypeError):
        call(lists=wide, rules=rules(lambda body, known: (1, 2)))
    assert call(lists=wide) == [0, 1, 2]
    # a Python call that empties the page's lists under the loop: it reads its own copies
    emptied = [list(each) for each in wide]

    def emptying(body: str, known: set[bytes]) -> tuple[int, ...]:
        for each in emptied:
            each.clear()
        return _titles._word_counts(body, known)

    assert call(lists=emptied, rules=rules(emptying)) == [0, 1, 2]
    assert emptied == [[]] * len(wide)


#: pieces of random pages: ASCII letters, digits, punctuation, spaces and tabs, the list
#: bullets, every line break str.splitlines knows, Unicode spaces, characters whose lower()
#: is longer ("İ") or depends on the neighbours ("Σ") or narrows ("\u212a"), non-ASCII
#: letters and punctuation, CJK, a lone surrogate, control characters
_PAGE_PIECES = [*"abcXYZ09.,!?'\"()_", " ", " ", " ", "  ", "\t", "\t", *"*+-•#o·›»", "* ", "- ", "• ", "o ",
                "\r\n", "\n", "\n", "\n", "\r", "\v", "\f", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029",
                "\xa0", "\u3000", "\u2003", "\x1f", "İ", "ſ", "Σ", "ΑΣ", "\u212a", "É", "é", "ÿ", "Ÿ", "ß", "’",
                "“", "—", "…", "日本", "の", "\ud800", "\x00", "\x07", "\x7f", "\x80", "\u200b", "The ", "HTML"]


def _same_split(page: str) -> None:
    from storyline.extract import _lines

    want = _lines._split_lines_reference(page)
    got = _lines.split_lines(page)
    assert repr(got) == repr(want), repr(page)  # repr: bools stay bools, ints ints


@pytest.mark.parametrize("seed", range(10))
def test_split_lines_matches_its_reference(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(400):
        _same_split("".join(rng.choice(_PAGE_PIECES) for _ in range(rng.randint(0, 60))))
    # long lines: the compiled scan skips runs of ASCII eight bytes at a time
    for _ in range(40):
        words = rng.choices(["Word", "word", "x", " ", "\t", "’", "\n", "\n\n", "- ", "ſ", "İ"], k=300)
        for glue in ("", "a" * rng.randint(0, 9)):
            _same_split(glue.join(words))


def test_split_lines_matches_its_reference_on_each_character() -> None:
    # each code point up to past the compiled lower-case table, then a sample above it,
    # alone, in a line of capitals and double spaces, and behind a bullet
    points = [*range(0x2100), *range(0x2100, 0x110000, 97), 0xD800, 0xDFFF, 0x10FFFF]
    for c in map(chr, points):
        _same_split(f"{c}\nAb{c}C  d{c}\n* {c}Q\n{c}{c}x {c}\n - {c}")


def test_split_lines_matches_its_reference_on_the_dev_pages() -> None:
    import gzip
    import json

    from conftest import SHARED_DATA

    paths = sorted((SHARED_DATA / "extraction").glob("*.jsonl.gz"))
    if not paths:
        pytest.skip(f"no pages at {SHARED_DATA / 'extraction'} (the dev data lives beside the repository)")
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as rows:
            for row in map(json.loads, rows):
                _same_split(row["page_text"])


def test_text_mode_uses_the_compiled_split_lines() -> None:
    from storyline.extract import _lines

    assert _lines.split_lines is not _lines._split_lines_reference
    with pytest.raises(TypeError):
        speedups.split_lines(b"bytes", "", "", "")
    # a subclass of str is read as a str
    page = type("Page", (str,), {})("  * One\n\tTWO  two\n")
    assert repr(_lines.split_lines(page)) == repr(_lines._split_lines_reference(str(page)))


def _ensemble(rng: random.Random, features: int, depth: int):  # type: ignore[no-untyped-def]
    """A random TreeEnsemble of complete trees (and a stump), as bench/fit_line_model.py exports them."""
    from storyline.extract._trees import TreeEnsemble

    trees = []
    for _ in range(rng.randint(1, 12)):
        levels = rng.randint(0, depth)
        inner = 2**levels - 1
        size = 2 * inner + 1
        trees.append({
            "feature": [rng.randrange(features) for _ in range(size)],
            "threshold": [rng.choice([0.0, 0.5, rng.random() * 2, -1.0]) for _ in range(size)],
            "left": [2 * k + 1 if k < inner else -1 for k in range(size)],
            "right": [2 * k + 2 if k < inner else -1 for k in range(size)],
            "value": [rng.uniform(-1, 1) for _ in range(size)],
        })
    return TreeEnsemble({"baseline": rng.uniform(-1, 1), "depth": depth, "trees": trees})


@pytest.mark.parametrize("seed", range(10))
def test_the_tree_ensemble_matches_its_reference_to_the_last_bit(seed: int) -> None:
    import numpy as np

    rng = random.Random(seed)
    features = rng.randint(1, 9)
    model = _ensemble(rng, features, rng.randint(0, 6))
    rows = 80 + seed % 4  # the C loop walks four rows at a time, then the rest
    values = np.array([rng.choice([0.0, 0.5, 1.0, rng.random() * 2, -1.0, float("nan")]) for _ in range(rows * features)])
    x = values.reshape(rows, features)
    assert np.array_equal(model.decision(x), model._decision_reference(x))
    assert np.array_equal(model.decision(x.T.copy().T), model._decision_reference(x))  # a transposed view
    assert model.decision(x[:0]).shape == (0,)


def test_the_line_classifier_uses_the_compiled_trees() -> None:
    import numpy as np

    from storyline.extract import _trees

    assert _trees._compiled_decision is speedups.tree_decision
    x = np.zeros((2, 3))
    with pytest.raises(ValueError):  # arrays of mismatched sizes
        speedups.tree_decision(x, 2, np.zeros(3, np.intp), np.zeros(2), np.zeros(6, np.intp), np.zeros(3), 1, 1, 0.0)
    with pytest.raises(ValueError):  # a child out of range
        speedups.tree_decision(x, 2, np.zeros(1, np.intp), np.zeros(1), np.array([0, 5], np.intp), np.zeros(1), 1, 1, 0.0)


def _random_lines(rng: random.Random) -> list[str]:
    """Lines of page text: bullets, sentence ends, separators, URL and comment hints, every
    kind of str (ASCII, one, two and four bytes a character), empty lines."""
    pieces = [*_PIECES, *"|/·©()@:.!?\"”’」", " / ", "(c)", "(C)", "http", "www.", ".com", "ays", "reply", "log",
              " ago", "am", "pm", ".)", "。", "？", "\U0001f600", "\xa0", "7"]
    return ["".join(rng.choice(pieces) for _ in range(rng.randint(0, 30))) for _ in range(rng.randint(0, 40))]


@pytest.mark.parametrize("seed", range(10))
def test_the_line_shapes_and_hints_match_their_references(seed: int) -> None:
    import numpy as np

    from storyline.extract import _lines

    rng = random.Random(seed)
    for _ in range(50):
        bodies = _random_lines(rng)
        texts = [rng.choice(["", "* ", "- "]) + body for body in bodies]
        assert np.array_equal(_lines.line_shapes(bodies, texts), _lines._line_shapes_reference(bodies, texts))
        groups = (*_lines._BODY_HINTS, *_lines._KEY_HINTS, (("", "x"), 0), (("a", "’a"), 3), (("bc",), -2))
        only = np.array([rng.random() < 0.7 for _ in bodies], dtype=bool)
        for mask in (None, only):
            got = _lines.lines_holding(bodies, groups, mask)
            assert np.array_equal(got, _lines._lines_holding_reference(bodies, groups, mask)), bodies


def test_the_line_classifier_uses_the_compiled_shapes_and_hints() -> None:
    import numpy as np

    from storyline.extract import _lines

    assert _lines.line_shapes is not _lines._line_shapes_reference
    assert _lines.lines_holding is not _lines._lines_holding_reference
    # a needle's rarest character found sixteen characters at a time, at a block's edges
    for kind in ("x", "’", "\U0001f600"):
        for at in range(40):
            line = kind * at + "a/b" + kind * 5
            assert _lines.lines_holding([line], ((("a/b",), 99),)).tolist() == [[True]]
            assert _lines.lines_holding([line], ((("a/c",), 99),)).tolist() == [[False]]
            assert _lines.lines_holding([line], ((("a/b",), at + 2),)).tolist() == [[False]]
    with pytest.raises(TypeError):
        speedups.lines_holding(["x", 3], (), None)
    with pytest.raises(TypeError):
        speedups.lines_holding(["x"], (((1,), 9),), None)  # a needle that is no str
    with pytest.raises(ValueError):  # a mask of another length
        speedups.lines_holding(["x"], (), np.zeros(2, bool))
    with pytest.raises(ValueError):  # an ending longer than four characters
        speedups.line_shapes(["x"], ["x"], ("ends.",))
    with pytest.raises(ValueError):  # texts of another length
        speedups.line_shapes(["x"], [], (".",))


def _layout_input(rng: random.Random, n: int):  # type: ignore[no-untyped-def]
    """line_features' array with the rows layout_columns reads, the words and indents."""
    import numpy as np

    from storyline.extract import _lines

    x = np.zeros((len(_lines.FEATURES), n))
    nw = np.array([float(rng.choice([1, 2, 3, 5, 6, 9, 10, 12, 13, 30, 31, 80])) for _ in range(n)])
    for name in _lines._LAYOUT_ROWS[:5]:
        x[_lines._X[name]] = [rng.random() < 0.3 for _ in range(n)]
    np.log1p(nw, out=x[_lines._X["log_words"]])
    indents = np.array([rng.choice([0, 0, 2, 4, 4, 7, 40]) for _ in range(n)], dtype=np.intp)
    return x, nw, indents


@pytest.mark.parametrize("seed", range(10))
def test_the_layout_columns_match_their_reference(seed: int) -> None:
    import numpy as np

    from storyline.extract import _lines

    rng = random.Random(seed)
    for n in [0, 1, 2, 3, *(rng.randint(4, 300) for _ in range(40))]:
        x, nw, indents = _layout_input(rng, n)
        want = x.copy()
        _lines._layout_columns_reference(want, nw, indents)
        _lines.layout_columns(x, nw, indents)
        assert np.array_equal(x, want), (n, seed)


def test_the_line_classifier_uses_the_compiled_layout_columns() -> None:
    import numpy as np

    from storyline.extract import _lines

    assert _lines.layout_columns is not _lines._layout_columns_reference
    # two indents carrying the same prose words: the smaller is the dominant one
    x, nw, indents = _layout_input(random.Random(1), 4)
    x[_lines._X["sent_end"]], x[_lines._X["bullet"]] = 1.0, 0.0
    nw[:] = 20.0
    indents[:] = [4, 4, 2, 2]
    _lines.layout_columns(x, nw, indents)
    assert x[_lines._X["indent_dom"]].tolist() == [0.0, 0.0, 1.0, 1.0]
    rows = tuple(range(len(_lines._LAYOUT_ROWS)))
    with pytest.raises(ValueError):  # words of another length
        speedups.layout_columns(x, 4, rows, nw[:3], indents, 10.0)
    with pytest.raises(ValueError):  # a row beyond the array
        speedups.layout_columns(x, 4, (99, *rows[1:]), nw, indents, 10.0)
    with pytest.raises(ValueError):  # too few rows
        speedups.layout_columns(x, 4, rows[:-1], nw, indents, 10.0)
    with pytest.raises(TypeError):  # a read-only array
        speedups.layout_columns(np.zeros_like(x).tobytes(), 4, rows, nw, indents, 10.0)


@pytest.mark.parametrize("seed", range(5))
def test_the_joined_samples_match_their_reference(seed: int) -> None:
    from storyline.extract import _lines

    rng = random.Random(seed)
    for _ in range(100):
        lines = _random_lines(rng)
        for limit in (0, 1, 5, 120):
            assert _lines.joined_samples(lines, limit) == _lines._joined_samples_reference(lines, limit), lines
    assert _lines.joined_samples is speedups.joined_samples
    with pytest.raises(ValueError):
        speedups.joined_samples(["x"], -1)
    with pytest.raises(TypeError):
        speedups.joined_samples(["x", b"y"], 3)


@pytest.mark.parametrize("seed", range(5))
def test_the_context_rows_match_their_reference(seed: int) -> None:
    import numpy as np

    from storyline.extract import _lines

    rng = random.Random(seed)
    for n in [0, 1, 2, 3, 5, *(rng.randint(6, 400) for _ in range(30))]:
        scores = np.array([rng.choice([-3.0, 0.0, 2.5, rng.uniform(-9, 9), 1e-300]) for _ in range(n)])
        assert np.array_equal(_lines.context_features(scores), _lines._context_features_reference(scores))
    assert _lines.context_features is not _lines._context_features_reference
    with pytest.raises(ValueError):  # an output of another size
        speedups.context_rows(np.zeros(3), np.zeros((3, 10)))


@pytest.mark.parametrize("seed", range(5))
def test_the_corpus_counts_match_their_reference(seed: int) -> None:
    from storyline.extract import boilerplate

    rng = random.Random(seed)
    words = ["share", "menu", "a story of ten words or more that ends like a sentence here.", "é", "", "x" * 40]
    for _ in range(200):
        keys = [" ".join(rng.choices(words, k=rng.randint(1, 3))) for _ in range(rng.randint(0, 30))]
        carrying = {key: rng.randint(1, 4) for key in rng.sample(keys, len(keys) // 2)}
        own = {key: rng.randint(1, 3) for key in carrying if rng.random() < 0.5}
        longest = max(map(len, carrying), default=0)
        for by_site in (True, False):
            for own_seen in (0, 1):
                args = (keys, own, carrying, by_site, own_seen, boilerplate.is_prose, longest)
                assert boilerplate.corpus_counts(*args) == boilerplate._corpus_counts_reference(*args)
    assert boilerplate.corpus_counts is speedups.corpus_counts
    with pytest.raises(ZeroDivisionError):  # an error of is_prose is raised
        speedups.corpus_counts(["a"], {}, {"a": 2}, True, 0, lambda key: 1 / 0, 9)
    with pytest.raises(TypeError):  # a count that is no int
        speedups.corpus_counts(["a"], {}, {"a": "2"}, True, 0, bool, 9)


def test_the_corpus_model_knows_its_longest_line() -> None:
    from storyline.extract import BoilerplateModel

    model = BoilerplateModel().partial_fit(["Menu\nA longer line here\nx"], site="a.com")
    model.partial_fit(["Menu\nThe longest line of them all"], site=None)
    assert model.longest_key_ == len("the longest line of them all")
    assert BoilerplateModel.from_dict(model.to_dict()).longest_key_ == model.longest_key_
    # a line longer than any counted one is in no count, whatever its length
    assert model.counts(["Menu", "z" * 500], site="b.com") == ([2, 0], [0, 0])


def test_text_mode_keeps_the_same_lines_on_the_dev_pages_without_the_c_loops(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every compiled loop of text mode swapped for its reference at once: the same title,
    body, author, date and removed lines (with their reasons) on every dev page."""
    import gzip
    import json

    from conftest import SHARED_DATA

    from storyline.errors import StorylineError
    from storyline.extract import BoilerplateModel, compiled_loops, extract_article
    from storyline.model import Document

    paths = sorted((SHARED_DATA / "extraction").glob("*.jsonl.gz"))
    if not paths:
        pytest.skip(f"no pages at {SHARED_DATA / 'extraction'} (the dev data lives beside the repository)")
    docs = []
    for path in paths:
        with gzip.open(path, "rt", encoding="utf-8") as rows:
            for i, row in enumerate(map(json.loads, rows)):
                docs.append(Document(source=f"{path.name}#{i}", raw=row["page_text"].encode(), kind="text",
                                     url=row.get("url"), hints={"site": row.get("domain")}))
    model = BoilerplateModel()
    for doc in docs:
        model.partial_fit([doc], site=doc.hints["site"])

    def outputs() -> list:
        out = []
        for doc in docs:
            try:
                a = extract_article(doc, boilerplate=model)
            except StorylineError as error:
                out.append(str(error))
                continue
            out.append((a.title, a.text, a.author, a.published, a.published_by, [(r.text, r.reason) for r in a.removed]))
        return out

    compiled = outputs()
    assert compiled_loops.compiled()
    for module, name, reference in compiled_loops.LOOPS:
        monkeypatch.setattr(module, name, reference)
    assert outputs() == compiled


# ---- featurize's C loops (storyline.cluster.features, timeinfo) ---------------------------

#: pieces of titles and bodies: ASCII words of every case, digits, apostrophes, hyphens,
#: stop words (English, German), long words, non-ASCII letters and numbers, letters whose
#: lower() is ASCII or longer ("\u212a", "İ"), CJK, a lone surrogate, NUL
_TEXT_PIECES = [*"abcXYZ019_ \t\n.,'-", "’", "é", "É", "ß", "Ä", "İ", "ı", "ſ", "\u212a", "²", "Ⅻ", "٣", "日本", "の",
                "\ud800", "\x00", "the", "The", "THE", "said", "und", "Die", "dié", "fishermen", "Rescued", "rescuers",
                "internationalization", "yourselves", "don't", "O'Neill", "Überraschung", "x" * 40]


def _features_reference(name: str):  # type: ignore[no-untyped-def]
    from storyline.cluster import features, timeinfo

    return {**features._REFERENCE, **timeinfo._REFERENCE}[name]


def _stop_sets() -> list:
    from storyline.cluster import features

    # the English and German lists, a plain set, small frozensets (more than the C cache keeps)
    return [features._STOP, features.stop_words("de"), {"the", "und", "é"}, frozenset({"the", "fishermen", "dié"}),
            frozenset({"yourselves", "x" * 40, 7}), frozenset(), frozenset({"said"})]


@pytest.mark.parametrize("seed", range(6))
def test_the_term_counts_match_their_reference(seed: int) -> None:
    rng = random.Random(seed)
    reference = _features_reference("word_terms")
    stops = _stop_sets()
    for _ in range(1500):
        text = "".join(rng.choice(_TEXT_PIECES) for _ in range(rng.randint(0, 40)))
        if rng.random() < 0.5:
            text = "".join(c for c in text if c.isascii())
        stop, stem_chars = rng.choice(stops), rng.choice([7, 7, 1, 3, 30])
        got, want = speedups.word_terms(text, stop, stem_chars), reference(text, stop, stem_chars)
        assert (got is None) == (want is None), text
        if want is not None:
            assert type(got) is dict and list(got.items()) == list(want.items()), text


def test_the_term_counts_match_their_reference_on_real_titles_and_bodies() -> None:
    from storyline.cluster import features

    reference = _features_reference("word_terms")
    rows = _clustering_rows()
    for text in [r.get("title") or "" for r in rows] + [(r.get("text") or "")[:features.MAX_BODY_CHARS] for r in rows]:
        for stop in (features._STOP, features.stop_words("de")):
            want = reference(text, stop, features.STEM_CHARS)
            got = speedups.word_terms(text, stop, features.STEM_CHARS)
            assert (got is None) == (want is None) and (want is None or list(got.items()) == list(want.items())), text


def test_the_term_counts_match_their_reference_on_many_distinct_words() -> None:
    from storyline.cluster import features

    rng = random.Random(9)
    reference = _features_reference("word_terms")
    words = ["".join(rng.choice("abcdefghij") for _ in range(rng.randint(2, 12))) for _ in range(6000)]
    for text in (" ".join(words), " ".join(words[:40] * 50), "-".join(words).upper()):
        for stem_chars in (7, 30):
            got = speedups.word_terms(text, features._STOP, stem_chars)
            assert list(got.items()) == list(reference(text, features._STOP, stem_chars).items())


def test_the_term_loops_make_one_str_of_each_term() -> None:
    """A term's str is the same object in every article (ASCII words, also in text with other
    characters), so that the stream's dicts find it by identity; the years' keys likewise."""
    from storyline.cluster import features

    stop = features._STOP
    title = speedups.title_bag("Fishermen rescued near Cadiz", stop, 7, None, 3)
    body, _ = speedups.body_bag("The fishermen were rescued by coastguards.", stop, 7, 120, 20)
    wide = speedups.word_terms("“Fishermen” rescued off Cádiz", stop, 7)
    assert list(wide) == ["fisherm", "rescued", "cádiz"]
    for term in ("fisherm", "rescued"):
        held = next(t for t in title if t == term)
        assert next(t for t in body if t == term) is held
        assert next(t for t in wide if t == term) is held
    first, again = (speedups.year_features("In 2014", "", (), None)[1] for _ in range(2))
    assert next(iter(first)) is next(iter(again))


def test_the_term_loops_match_their_reference_past_the_terms_they_keep() -> None:
    """More distinct terms than the compiled loops keep (they start over): the same counts."""
    from storyline.cluster import features

    reference = _features_reference("word_terms")
    rng = random.Random(11)
    letters = "abcdefghijklmnopqrstuvwxyz"
    for _ in range(40):
        text = " ".join("".join(rng.choice(letters) for _ in range(7)) for _ in range(10_000))
        got = speedups.word_terms(text, features._STOP, 7)
        assert list(got.items()) == list(reference(text, features._STOP, 7).items())
    # a word too long for the wide path's buffer, in text that is not ASCII
    text = "é " + "x" * 70 + " " + "y" * 64
    assert list(speedups.word_terms(text, features._STOP, 80).items()) == list(
        reference(text, features._STOP, 80).items())


def test_the_term_counts_match_their_reference_on_every_character() -> None:
    """Text that is not ASCII is lowered a character at a time (str.lower's mapping, where it
    gives one character and needs no context): every code point, in words and alone, in
    every loop that counts terms; and the letters lowered otherwise ("İ", the capital sigma
    at the end of a word and inside one), which those loops leave to the dict path."""
    from storyline.cluster import features

    references = {name: _features_reference(name) for name in ("word_terms", "body_bag", "title_bag")}
    chars = [chr(c) for c in range(0x80, 0x110000) if not features._CJK.match(chr(c))]
    stops = [features._STOP, features.stop_words("de"), frozenset({"é", "ñandú", "the"}), {"über"}]
    for k in range(0, len(chars), 3000):  # every character, in words (the counts alone)
        chunk = chars[k:k + 3000]
        for text in (" ".join(f"q{c}ä{c}{c.upper()}" for c in chunk), "é " + " ".join(c * 3 for c in chunk)):
            got, want = speedups.word_terms(text, stops[0], 30), references["word_terms"](text, stops[0], 30)
            assert list(got.items()) == list(want.items()), chunk[0]
    texts = [f"x{c}y {c}{c.upper()}{c} Ab{c}" for c in chars[::997]]
    texts += ["ΟΔΟΣ ΣΑΣ Σ σΣ ΣΣ", "İstanbul İİ", "Über die Brücke über ÜBER", "ñandú Ñandú NANDÚ ñandúes",
              "Ωμέγα " * 3 + "Straße STRASSE", "é " + "ü" * 70 + " " + "Ä" * 64]
    for n, text in enumerate(texts):
        for stop in (stops[n % len(stops)], stops[(n + 1) % len(stops)]):
            for stem_chars in (7, 30):
                got, want = speedups.word_terms(text, stop, stem_chars), references["word_terms"](text, stop, stem_chars)
                assert type(got) is dict and list(got.items()) == list(want.items()), text[:40]
                args = (text, stop, stem_chars, 120, 20)
                got, want = speedups.body_bag(*args), references["body_bag"](*args)
                assert list(got[0].items()) == list(want[0].items()) and got[1] == want[1], text[:40]
                args = (text[:300], stop, stem_chars, None, 3)
                assert list(speedups.title_bag(*args).items()) == list(references["title_bag"](*args).items())


def test_the_wide_term_loops_make_one_str_of_each_term() -> None:
    """A stem that is not ASCII is one str in every article too (interned), and a stop set
    that holds a str subclass is asked as the reference asks it."""
    from storyline.cluster import features

    class Word(str):
        pass

    first = speedups.word_terms("Cádiz “rescued” Cádiz", features._STOP, 7)
    again = speedups.body_bag("Rescued near CÁDIZ, again", features._STOP, 7, 120, 20)[0]
    assert list(first.items()) == [("cádiz", 2), ("rescued", 1)]
    assert next(t for t in again if t == "cádiz") is next(t for t in first if t == "cádiz")
    stop = frozenset({Word("cádiz"), "near"})
    assert speedups.word_terms("Rescued near CÁDIZ", stop, 7) == {"rescued": 1}


def test_the_term_counts_check_their_input() -> None:
    with pytest.raises(TypeError):
        speedups.word_terms(b"bytes", frozenset(), 7)
    with pytest.raises(TypeError):
        speedups.word_terms("text", ["the"], 7)
    with pytest.raises(ValueError):
        speedups.word_terms("text", frozenset(), 0)
    assert speedups.word_terms("日本語のテキスト", frozenset(), 7) is None  # CJK: the reference reads it


_URL_PIECES = ["http://", "https://", "HTTP://", "ftp:", "mailto:", "//", "/", "/", "/", "www.", "example.com", ":8080",
               "[::1]", "[", "]", "\\", "?", "#", "&", "=", "-", "-", "_", "+", "--", ".", ".html", ",0,1312750.story",
               "Federal", "reserve", "plosser", "the", "and", "said", "2014", "03", "a", "ab", "x1", "Über", "é", " ",
               "\t", "\n", "\x7f", "%20", "snowden", "challenges", "CONGRESS", "at", "sxsw", "internationalization"]


@pytest.mark.parametrize("seed", range(6))
def test_the_title_bags_match_their_reference(seed: int) -> None:
    rng = random.Random(seed)
    reference = _features_reference("title_bag")
    stops = _stop_sets()
    read = 0
    for _ in range(2000):
        title = "".join(rng.choice(_TEXT_PIECES) for _ in range(rng.randint(0, 20)))
        if rng.random() < 0.5:
            title = "".join(c for c in title if c.isascii())
        url = rng.choice([None, None, ""]) if rng.random() < 0.1 else "".join(
            rng.choice(_URL_PIECES) for _ in range(rng.randint(0, 18)))
        args = (title, rng.choice(stops), rng.choice([7, 2, 30]), url, rng.choice([3, 3, 0, 1, 4]))
        got = speedups.title_bag(*args)
        if got is not None:  # None: a CJK title or a URL left to the reference
            read += 1
            assert type(got) is dict and list(got.items()) == list(reference(*args).items()), args
    assert read > 700


def test_the_title_bags_match_their_reference_on_real_titles_and_urls() -> None:
    from storyline.cluster import features

    reference = _features_reference("title_bag")
    rows = _clustering_rows()
    read = 0
    for row in rows:
        args = (row.get("title") or "", features._STOP, features.STEM_CHARS, row.get("url"), features.SLUG_MIN_WORDS)
        got = speedups.title_bag(*args)
        if got is not None:
            read += 1
            assert list(got.items()) == list(reference(*args).items()), args
    assert read > 0.99 * len(rows) > 5000


def test_the_title_bags_match_their_reference_past_the_room_of_a_title() -> None:
    """A title's counter starts in a block of the call's own and moves to the heap as it
    grows: titles and slugs of more distinct words than that block holds."""
    reference = _features_reference("title_bag")
    for words in (10, 40, 200, 3000):
        title = " ".join(f"w{chr(97 + k % 26)}{chr(97 + k // 26 % 26)}{chr(97 + k // 676 % 26)}" for k in range(words))
        url = "http://x.com/" + "-".join(f"s{chr(97 + k % 26)}{chr(97 + k // 26 % 26)}" for k in range(words))
        for args in ((title, frozenset({"the"}), 7, url, 3), (title.upper(), frozenset(), 7, None, 3)):
            assert list(speedups.title_bag(*args).items()) == list(reference(*args).items())


@pytest.mark.parametrize("seed", range(3))
def test_the_slug_words_match_their_reference_around_dots(seed: int) -> None:
    """A slug's words are read in one pass over each path segment, the name cut at its last
    ".": dots inside, before and after words, several in a word or a segment, words after
    the last, runs of separators, and stems longer and shorter than the words."""
    rng = random.Random(seed)
    reference = _features_reference("title_bag")
    pieces = ["ab", "cd", "Rescue", "sea", "x", "y1", "the", ".", ".", "..", ".html", "-", "-", "_", "+", "--", "/", "/",
              "1", "é", "at"]
    for _ in range(3000):
        url = "http://x.com/" + "".join(rng.choice(pieces) for _ in range(rng.randint(0, 16)))
        if rng.random() < 0.3:
            url += rng.choice(["?q=a-b-c", "#x-y-z", "?a.b-c#d"])
        args = ("", rng.choice([frozenset(), frozenset({"the", "at", "sea"})]), rng.choice([1, 2, 3, 7, 30]), url,
                rng.choice([0, 1, 2, 3]))
        got = speedups.title_bag(*args)
        if got is not None:
            assert type(got) is dict and list(got.items()) == list(reference(*args).items()), args


class _Url(str):
    pass


_ODD_URL_PIECES = ["http", "HTTPS", "1x", ":", "//", "/", "/", "\\", "\\", "?", "#", "[", "]", "x.com", "Ab", "cd",
                   "the", "-", "_", "+", ".", ".html", "1", "%20", "%C3%A9", "é", " ", "\t", "\x00", "\x7f", "Snowden",
                   "CHALLENGES", "congress", "at"]


@pytest.mark.parametrize("seed", range(3))
def test_the_slug_words_match_their_reference_on_odd_urls(seed: int) -> None:
    """A URL is read in one pass, its words lower-cased and hashed as they are read and
    counted once all are read, and read again without its backslashes where one comes
    before the path's end: backslashes, NULs, brackets, spaces and control bytes in every
    part, schemes and hosts or none, str subclasses, and titles of both counters (ASCII:
    one counter with the title's; not: the slug's own)."""
    rng = random.Random(seed)
    reference = _features_reference("title_bag")
    read = 0
    for _ in range(4000):
        url = "".join(rng.choice(_ODD_URL_PIECES) for _ in range(rng.randint(0, 24)))
        if rng.random() < 0.2:
            url = _Url(url)
        args = (rng.choice(["", "Snowden at sea", "Über Snowden"]), rng.choice([frozenset(), frozenset({"the", "at"})]),
                rng.choice([1, 3, 7, 30]), url, rng.choice([0, 1, 2, 3]))
        got = speedups.title_bag(*args)
        if got is not None:
            read += 1
            assert type(got) is dict and list(got.items()) == list(reference(*args).items()), args
    assert read > 1000


def test_the_slug_words_are_read_without_backslashes_and_at_any_length() -> None:
    """A backslash anywhere before the path's end (escaped URLs, a "\\?" before the query) is
    dropped as urlsplit's caller drops it, and long URLs take more words than the stack holds."""
    reference = _features_reference("title_bag")
    long_slug = "-".join(f"w{chr(97 + k % 26)}{chr(97 + k // 26 % 26)}" for k in range(3000))
    for url in ("http:\\/\\/www.x.com\\/a-b-c\\/Snowden-Challenges-Congress-at-SXSW.html",
                "\\http://x.com/a-b-c/snowden-challenges-congress", "ht\\tp://x.com/snowden-challenges-congress",
                "http://x.com/snowden-challenges-congress-at-sea\\?cid=rss", "http://x\\.com/ab\\cd-ef-gh\\.html",
                "http:/\\/x.com/snowden-challenges-congress", "http://x.com/snowden-chal\\lenges-congress#a\\b",
                "http://x.com/" + long_slug, "http://x.com/" + long_slug + "\\?q", "x.com/a-b-c/snowden-challenges-congress",
                "mailto:snowden-challenges-congress", "1http://x.com/snowden-challenges-congress", "", "http:", "//",
                "http://x.com", "http://x.com?a-b-c", "http://x.com/a-b-c?\\x", _Url("HTTP://x.com/Snowden-At-Sea"),
                "http://x.com/%20snowden-challenges-congress%C3%A9", "http://x.com/a.b-cd-ef.gh.html/"):
        for title in ("Snowden at sea", "Über Snowden"):
            args = (title, frozenset({"the", "at"}), 7, url, 3)
            got = speedups.title_bag(*args)
            assert got is not None and list(got.items()) == list(reference(*args).items()), url
    for url in ("http://x.com/a-b-c\x00d-e-f", "http://x.com/snowden\tchallenges-congress", " http://x.com/a-b-c",
                "http://[::1]/a-b-c", "http://x.com/a-b-c?q=\x7f", "http://x.com/é-b-c"):
        assert speedups.title_bag("Snowden", frozenset(), 7, url, 3) is None, url  # left to the reference


def test_the_title_bags_check_their_input() -> None:
    with pytest.raises(TypeError):
        speedups.title_bag("title", frozenset(), 7, b"http://bytes", 3)
    with pytest.raises(ValueError):
        speedups.title_bag("title", frozenset(), 7, None, -1)
    assert speedups.title_bag("日本語のテキスト", frozenset(), 7, None, 3) is None  # CJK: the reference reads it
    assert speedups.title_bag("title", frozenset(), 7, "http://[::1/a-b-c", 3) is None


@pytest.mark.parametrize("seed", range(4))
def test_the_body_bags_match_their_reference(seed: int) -> None:
    rng = random.Random(seed)
    reference = _features_reference("body_bag")
    stops = _stop_sets()
    vocabulary = [w for w in _TEXT_PIECES if len(w) > 1] + [f"word{k}" for k in "abcdefghijklmnop"]
    for _ in range(600):
        # repeated words: ties of every count, more and fewer terms than are kept
        words = rng.choices(vocabulary, k=rng.randint(0, 400))
        text = rng.choice([" ", ", ", "\n"]).join(words)
        if rng.random() < 0.5:
            text = "".join(c for c in text if c.isascii())
        args = (text, rng.choice(stops), rng.choice([7, 3]), rng.choice([0, 1, 5, 20, 120]), rng.choice([0, 3, 20, 50]))
        got, want = speedups.body_bag(*args), reference(*args)
        if got is not None:  # None: CJK, left to the reference
            assert list(got[0].items()) == list(want[0].items()) and got[1] == want[1], args
    # counts in the thousands: the weights to the last bit
    text = " ".join(["fishermen"] * 5000 + ["rescued"] * 777 + [f"w{k}x" for k in range(300)])
    got, want = speedups.body_bag(text, frozenset(), 7, 120, 20), reference(text, frozenset(), 7, 120, 20)
    assert list(got[0].items()) == list(want[0].items()) and got[1] == want[1]


@pytest.mark.parametrize("seed", range(3))
def test_the_terms_of_text_read_as_ascii_match_their_reference(seed: int) -> None:
    """Text that is not ASCII, whose characters above ASCII only part words (quotes, dashes,
    Unicode spaces, digits of other scripts, a combining accent, an emoji), is counted as
    ASCII text; one such character that is a word character or that lower() changes ("é",
    "²", "Ⓐ", "İ", the Kelvin sign), or a CJK one, leaves it to the wide counter or the
    reference: word_terms, title_bag and body_bag as their references either way."""
    rng = random.Random(seed)
    references = {name: _features_reference(name) for name in ("word_terms", "title_bag", "body_bag")}
    parting = ["\u2019", "\u201c", "\u2014", "\xa0", "\u3000", "\u2003", "\u0661", "\u0301", "\U0001f600", "\x85",
               "\u00b7", "\u2028"]
    others = ["é", "²", "\u24b6", "İ", "\u212a", "Σ", "日", "ß", "ǅ"]
    words = ["Fishermen", "RESCUED", "off", "the", "Cadiz", "coast", "a", "I", "x", "it's", "and", "cafe", "2014", "_"]
    stops = _stop_sets()
    for _ in range(1500):
        pieces = words + parting + (others if rng.random() < 0.3 else [])
        text = "".join(rng.choice(pieces) + rng.choice(["", " ", " ", "-"]) for _ in range(rng.randint(1, 40)))
        stop, stem = rng.choice(stops), rng.choice([7, 3, 30])
        for name, args in (("word_terms", (text, stop, stem)),
                           ("title_bag", (text, stop, stem, rng.choice([None, "http://x.com/a-b-sea-rescue"]), 3)),
                           ("body_bag", (text, stop, stem, rng.choice([5, 120]), rng.choice([3, 20])))):
            got = getattr(speedups, name)(*args)
            if got is None:  # CJK: left to the reference
                assert "日" in text
                continue
            assert _items(got) == _items(references[name](*args)), (name, text)


@pytest.mark.parametrize("seed", range(3))
def test_the_terms_of_ascii_words_of_every_length_match_their_reference(seed: int) -> None:
    """An ASCII word's first eight bytes are read at once where the text has eight more:
    words of 1 to 20 letters in either case, at every offset and at the very end, runs of
    separators (digits, "_", "@", "[" and "`" next to the letters), stems of 1 to 9 and 30
    characters, stop words as they fall: word_terms, title_bag and body_bag as their
    references."""
    rng = random.Random(seed)
    references = {name: _features_reference(name) for name in ("word_terms", "title_bag", "body_bag")}
    letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    stop = frozenset({"the", "and", "fishermen", "abcdefgh", "abcdefghi", "ab"})
    for _ in range(1500):
        words = ["".join(rng.choice(letters[:3] if rng.random() < 0.3 else letters) for _ in range(rng.randint(1, 20)))
                 for _ in range(rng.randint(0, 12))] + rng.sample(["the", "AND", "Fishermen", "abcdefgh", "ABCDEFGHI"], 2)
        rng.shuffle(words)
        text = "".join(w + "".join(rng.choice(" 09_@[`-\n'") for _ in range(rng.randint(1, 3))) for w in words)
        text = text[:rng.randint(0, len(text))]  # a word cut at the end
        stem = rng.choice([1, 2, 3, 5, 7, 8, 9, 30])
        for name, args in (("word_terms", (text, stop, stem)), ("title_bag", (text, stop, stem, None, 3)),
                           ("body_bag", (text, stop, stem, rng.choice([3, 120]), 5))):
            assert _items(getattr(speedups, name)(*args)) == _items(references[name](*args)), (name, text, stem)


def _items(result: dict | tuple) -> list | tuple:
    """A bag's items in order (a body's with its index terms)."""
    return (list(result[0].items()), result[1]) if isinstance(result, tuple) else list(result.items())


def test_the_body_bags_match_their_reference_on_real_bodies() -> None:
    from storyline.cluster import features

    reference = _features_reference("body_bag")
    bodies = [(r.get("text") or "")[:features.MAX_BODY_CHARS] for r in _clustering_rows() if r.get("text")]
    for text in bodies:
        args = (text, features._STOP, features.STEM_CHARS, features.MAX_BODY_TERMS, features.BODY_KEYS)
        got, want = speedups.body_bag(*args), reference(*args)
        assert list(got[0].items()) == list(want[0].items()) and got[1] == want[1]
    assert len(bodies) > 400
    with pytest.raises(ValueError):
        speedups.body_bag("text", frozenset(), 7, -1, 20)


# ---- featurize, round five: the unrolled stem read, rank_stems' arrays past its stack ----


def test_the_body_bags_of_more_stems_than_rank_stems_keeps_on_its_stack_match_their_reference() -> None:
    """rank_stems keeps its index arrays on the stack for up to 512 stems and allocates them
    past that: bodies of 511 to 1,500 distinct stems, counted once to many times, with more
    and fewer terms kept than there are, as the reference ranks them."""
    rng = random.Random(5)
    reference = _features_reference("body_bag")
    letters = "abcdefghijklmnopqrstuvwxyz"
    for distinct in (511, 512, 513, 900, 1500):
        vocabulary = sorted({"".join(rng.choice(letters) for _ in range(rng.randint(2, 9))) for _ in range(2 * distinct)})
        vocabulary = vocabulary[:distinct]
        words = vocabulary + rng.choices(vocabulary, k=rng.randint(0, 2000))
        rng.shuffle(words)
        text = " ".join(words)
        for most, top in ((120, 20), (5000, 600), (0, 0)):
            args = (text, frozenset({"the", "and"}), 7, most, top)
            assert _items(speedups.body_bag(*args)) == _items(reference(*args)), (distinct, most, top)


def test_words_of_every_length_are_found_again_in_the_counts_and_the_stop_words() -> None:
    """A word met again, and a stop word, is told equal by loads from both ends of its bytes
    (two of 1, 2, 4 or 8 bytes, overlapping; memcmp past 16): words of 1 to 24 letters, each
    with its neighbours of one letter changed at every place, counted and stopped as the
    references do."""
    references = {name: _features_reference(name) for name in ("word_terms", "body_bag")}
    letters = "abcdefghijklmnopqrstuvwxyz"
    for n in range(1, 25):
        word = letters[:n]
        variants = [word[:k] + "z" + word[k + 1:] for k in range(n)]
        stop = frozenset({word, variants[n // 2]})
        text = " ".join([word, *variants, word.upper(), *variants, word])
        for stem in (7, 30, n):
            args = (text, stop, stem)
            assert _items(speedups.word_terms(*args)) == _items(references["word_terms"](*args)), (n, stem)
            args = (text, stop, stem, 120, 20)
            assert _items(speedups.body_bag(*args)) == _items(references["body_bag"](*args)), (n, stem)


def test_the_entity_labels_of_one_first_letter_are_told_apart() -> None:
    """The label table finds a label among those of its first letter: labels of one letter
    and of one length, prefixes of each other, one of no kind, an empty one (the dict's), in
    tables made again as they change, as the reference reads them."""
    from storyline.cluster import features
    from storyline.model import Entity

    reference = _features_reference("entity_features")
    labels = ["P", "PA", "PB", "PAB", "PBA", "PC", "Q", "", "PERSON", "PERCENT", "PRODUCT", "PERSONS", "X"]
    entities = tuple(Entity(text="12", label=label, canonical=f"Name {label}", start=0, end=1) for label in labels)
    tables = [
        ({"P": "p:", "PA": "a:", "PAB": "b:", "PBA": "c:", "": "e:"}, frozenset({"PB", "Q", "PERCENT"})),
        ({"PB": "p:", "PERSON": "p:", "PRODUCT": "o:"}, frozenset({"P", "PA", "PC"})),
        (dict(features._KIND_PREFIX), features.NUMERIC),
        ({"PBA": "x:", "PA": "y:"}, frozenset({"PBA", "PAB", ""})),
    ]
    for prefixes, numeric in tables + tables[::-1]:
        got = speedups.entity_features(entities, prefixes, numeric, 4)
        want = reference(entities, prefixes, numeric, 4)
        assert list(got[0].items()) == list(want[0].items()) and got[1:] == want[1:], prefixes


#: pieces of the top of an article for its weekdays and month-days: the names and their
#: endings in every case, digits (two, three, Arabic-Indic), Unicode spaces and word
#: characters, the four letters IGNORECASE matches to ASCII ones
_TIME_PIECES = ["mon", "Tues", "WEDNES", "thurs", "fri", "satur", "sun", "day", "DAY", "Day", "jan", "Feb", "MAR", "apr",
                "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec", "uary", "ruary", "ch", "il", "e", "y", "ust",
                "tember", "t.", "ober", "ember", ".", " ", " ", "  ", "\t", "\n", "\xa0", "\u2003", "\x1c", "1", "12",
                "123", "5", "٣", "²", "_", "a", "é", "x", "İ", "ı", "ſ", "\u212a", "-", ",", "日", "\ud800", "s", "K",
                "k", "i", "I"]


@pytest.mark.parametrize("seed", range(6))
def test_the_time_words_match_their_reference(seed: int) -> None:
    rng = random.Random(seed)
    reference = _features_reference("time_words")
    read = 0
    for _ in range(4000):
        title = "".join(rng.choice(_TIME_PIECES) for _ in range(rng.randint(0, 12)))
        text = "".join(rng.choice(_TIME_PIECES) for _ in range(rng.randint(0, 40)))
        if rng.random() < 0.3:
            title, text = (s.encode("ascii", "ignore").decode() for s in (title, text))
        elif rng.random() < 0.4:  # one of the two ASCII, the other not: each read as it is stored
            if rng.random() < 0.5:
                title = title.encode("ascii", "ignore").decode()
            else:
                text = text.encode("ascii", "ignore").decode()
        chars = rng.choice([0, 1, 5, 20, 40, 1500])
        got = speedups.time_words(title, text, chars)
        if got is not None:  # None: one of the four letters, left to the reference
            read += 1
            assert got == reference(title, text, chars), (title, text, chars)
    assert read > 2000


def test_the_time_words_match_their_reference_on_real_articles() -> None:
    from storyline.cluster import features

    reference = _features_reference("time_words")
    named = 0
    for row in _clustering_rows():
        args = (row.get("title") or "", row.get("text") or "", features.TIME_WORDS_CHARS)
        got = speedups.time_words(*args)
        assert got is not None and got == reference(*args)
        named += bool(got[0] or got[1])
    assert named > 200


def test_the_word_at_a_time_scans_match_their_references_at_every_offset() -> None:
    """The time words, years and slug words are looked for eight bytes at a time: a name,
    a day, a year or a byte urlsplit changes at every place in those eight, and years
    among runs of the digits that may open one."""
    time_words, years_in = _features_reference("time_words"), _features_reference("years_in")
    title_bag = _features_reference("title_bag")
    for offset in range(17):
        pad = "Xy-" * 6
        for text in (pad[:offset] + "Dec. 15 On FRIDAY, 1999 and March\t3, 2014 (2015) 1" * 2,
                     pad[:offset] + "1" * offset + "2" * 9 + "11 2011 1" * 3 + "2049",
                     "1" * offset + " é 2014" + "2" * offset + " 1990"):
            assert speedups.time_words("", text, 1500) == time_words("", text, 1500), text
            assert speedups.years_in(text) == years_in(text), text
        for url in ("HTTP://Example.COM/" + "Ab-" * offset + "/Snowden-CHALLENGES-congress",
                    "http://x.com/" + "a" * offset + "\\b-c-d/e-f-g", "http://x.com/" + "a" * offset + "\x7fb-c-d",
                    "http://x.com/" + "A" * offset + " Big-Rescue-AT-sea?q=A-B-C"):
            args = ("Title", frozenset({"at"}), 7, url, 3)
            got = speedups.title_bag(*args)
            assert got == title_bag(*args) if "\x7f" not in url and " " not in url else got is None, url


@pytest.mark.parametrize("seed", range(4))
def test_the_years_match_their_reference(seed: int) -> None:
    rng = random.Random(seed)
    reference = _features_reference("years_in")
    pieces = ["19", "20", "5", "9", "0", "4", "1", "1950", "2049", "2050", "1949", "$", "£", "€", ".", ",", "%", " ", "x",
              "٣", "١٩٩٠", "\n", "a", "é", "\ud800"]
    for _ in range(3000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 30)))
        assert speedups.years_in(text) == reference(text), text
    for row in _clustering_rows()[:2000]:
        text = (row.get("title") or "") + "\n" + (row.get("text") or "")
        assert speedups.years_in(text) == reference(text)
    # an article's year and year bag: the set's order of the years, each kind of year given
    year_features = _features_reference("year_features")
    for _ in range(2000):
        title, body = ("".join(rng.choice(pieces) for _ in range(rng.randint(0, 20))) for _ in range(2))
        known = rng.sample([1066, 1990, 2014, 2014, 2031, 1955], rng.randint(0, 3))
        year = rng.choice([None, None, 2014, 1999, 2044])
        got, want = speedups.year_features(title, body, known, year), year_features(title, body, known, year)
        assert got[0] == want[0] and list(got[1].items()) == list(want[1].items()), (title, body, known, year)
    with pytest.raises(TypeError):
        speedups.year_features("", "", ["2014"], None)


@pytest.mark.parametrize("seed", range(4))
def test_the_entity_features_match_their_reference(seed: int) -> None:
    from storyline.cluster import features
    from storyline.model import Entity

    rng = random.Random(seed)
    reference = _features_reference("entity_features")
    labels = ["PERSON", "PERSON", "GPE", "LOC", "FAC", "ORG", "NORP", "EVENT", "PRODUCT", "WORK_OF_ART", "LAW",
              "CARDINAL", "MONEY", "QUANTITY", "PERCENT", "DATE", "TIME", ""]
    names = ["Ann", "Lee", " ", "  ", "\t", "ANN", "é", "İ", "Ö", "van der", "x", "", "\u3000", "\x1c", "日本"]
    numbers = ["1", "12", "1,000", "3.5", "1,2.3", ",", ".", "٣", "x", " ", "$", "2024", "0"]
    for _ in range(800):
        entities = tuple(
            Entity(text="".join(rng.choice(numbers) for _ in range(rng.randint(0, 4))), label=rng.choice(labels),
                   canonical="".join(rng.choice(names) for _ in range(rng.randint(0, 4))), start=0, end=1)
            for _ in range(rng.randint(0, 12)))
        most = rng.choice([0, 1, 2, 5])
        got = speedups.entity_features(entities, features._KIND_PREFIX, features.NUMERIC, most)
        want = reference(entities, features._KIND_PREFIX, features.NUMERIC, most)
        assert list(got[0].items()) == list(want[0].items()) and got[1:] == want[1:], entities
    with pytest.raises(AttributeError):
        speedups.entity_features([object()], features._KIND_PREFIX, features.NUMERIC, 2)
    with pytest.raises(TypeError):  # as the reference's prefix + name
        speedups.entity_features([Entity(text="x", label="ORG", canonical="Acme", start=0, end=1)], {"ORG": 7},
                                 features.NUMERIC, 2)
    with pytest.raises(TypeError):
        speedups.entity_features([Entity(text="1", label="ORG", canonical=None, start=0, end=1)],  # type: ignore[arg-type]
                                 features._KIND_PREFIX, features.NUMERIC, 2)


def test_the_entity_features_tell_the_people_prefix_by_its_characters() -> None:
    """A person's surname counts under a "p:" prefix however that str was made (built at run
    time, not the interned one), and under no other ("p;" and a wide "ṗ:" of two characters)."""
    from storyline.cluster import features
    from storyline.model import Entity

    reference = _features_reference("entity_features")
    people = "".join(["p", ":"])
    entities = tuple(Entity(text="x", label=label, canonical=name, start=0, end=1)
                     for label in ("PERSON", "ORG", "GPE") for name in ("Ann Lee", "Zoë Ölund", "ann lee ", "Łukasz Nowak"))
    for prefixes in ({"PERSON": people, "ORG": "p;", "GPE": "ṗ:"}, {"PERSON": "ṗ:", "ORG": people, "GPE": "l:"},
                     {"PERSON": people, "ORG": "organisation:", "GPE": ""}):
        got = speedups.entity_features(entities, prefixes, features.NUMERIC, 3)
        want = reference(entities, prefixes, features.NUMERIC, 3)
        assert list(got[0].items()) == list(want[0].items()) and got[1:] == want[1:]


def test_the_entity_features_read_labels_as_their_tables_say_then() -> None:
    """Labels are found by their bytes in a table of the prefixes dict and the numeric set,
    made again when the dict changes (between calls, and while an entity's label is read)
    or another dict or set comes; labels, keys and members that are no exact ASCII str (a
    subclass that compares otherwise, a wide one) and a mutable set are asked of the dict
    and set, as the reference asks them."""
    from storyline.cluster import features
    from storyline.model import Entity

    reference = _features_reference("entity_features")

    class Loud(str):
        def __eq__(self, other: object) -> bool:
            return str.__eq__(self.lower(), other) if isinstance(other, str) else NotImplemented

        def __hash__(self) -> int:
            return hash(self.lower())

    def same(entities: tuple, prefixes: dict, numeric: frozenset | set) -> None:
        got = speedups.entity_features(entities, prefixes, numeric, 3)
        want = reference(entities, prefixes, numeric, 3)
        assert list(got[0].items()) == list(want[0].items()) and got[1:] == want[1:]

    labels = ("PERSON", "ORG", "GPE", "MONEY", "CARDINAL", "DATE", "ÖRG", "", Loud("org"), Loud("money"))
    entities = tuple(Entity(text="1,200", label=label, canonical="Ann Lee", start=0, end=1) for label in labels)
    prefixes = dict(features._KIND_PREFIX)
    same(entities, prefixes, features.NUMERIC)
    prefixes["DATE"] = "d:"  # the same dict changed: its table made again
    prefixes["ÖRG"] = "o:"
    same(entities, prefixes, features.NUMERIC)
    del prefixes["ORG"]
    same(entities, prefixes, features.NUMERIC)
    same(entities, prefixes, frozenset({"MONEY", "ORG", "DATE"}))  # another set; "DATE" is the dict's first
    same(entities, {"PERSON": "p:", Loud("gpe"): "l:"}, features.NUMERIC)  # a key that is no exact str
    same(entities, features._KIND_PREFIX, frozenset({"MONEY", Loud("cardinal")}))
    same(entities, features._KIND_PREFIX, {"MONEY", "CARDINAL"})  # a mutable set
    same(entities, {"X" * 40: "x:", "ORG": "o:"}, features.NUMERIC)  # a label longer than the table keeps
    same(entities, {f"L{k}": "x:" for k in range(40)} | {"ORG": "o:"}, features.NUMERIC)  # more than it keeps

    class Changing(Entity):
        """An entity whose label, once read, takes ORG out of the prefixes."""

        def __getattribute__(self, name: str) -> object:
            if name == "label":
                changing.pop("ORG", None)
            return object.__getattribute__(self, name)

    changing = dict(features._KIND_PREFIX)
    mixed = (Entity(text="x", label="ORG", canonical="Acme", start=0, end=1),
             Changing(text="x", label="GPE", canonical="Paris", start=0, end=1),
             Entity(text="x", label="ORG", canonical="Other", start=0, end=1))
    got = speedups.entity_features(mixed, changing, features.NUMERIC, 3)
    changing = dict(features._KIND_PREFIX)
    want = reference(mixed, changing, features.NUMERIC, 3)
    assert list(got[0].items()) == list(want[0].items()) == [("o:acme", 1.0), ("l:paris", 1.0)]

    class Dying(str):
        """A prefix that, let go of by the table, has the table made for other prefixes."""

        def __del__(self) -> None:
            speedups.entity_features(mixed, {"GPE": "x:"}, features.NUMERIC, 3)

    held = {"ORG": Dying("o:")}
    speedups.entity_features(mixed, held, features.NUMERIC, 3)  # the table holds the prefix
    held["ORG"] = "o:"  # ... alone now
    same(mixed, {"ORG": "q:"}, features.NUMERIC)  # let go of while the table is made for these
    same(mixed, {"ORG": "q:"}, features.NUMERIC)
    same(mixed, {"GPE": "x:"}, features.NUMERIC)


def _clustering_rows() -> list[dict]:
    """The rows of the clustering dev sets (ECB+ reports, UCI headlines with URLs)."""
    import json

    from conftest import shared_data

    rows = []
    for name in ("ecbplus-dev.jsonl", "uci-headlines.jsonl"):
        with shared_data(f"clustering/{name}").open(encoding="utf-8") as lines:
            rows += [json.loads(line) for line in lines if line.strip()]
    return rows


def _annotated_rows() -> list:
    """The dev rows as annotated articles, with entities and dates made up from the text
    (capitalised runs as names of each kind, numbers), not by the annotator."""
    import re
    from datetime import date

    from storyline.evaluate._articles import article_from_row
    from storyline.model import AnnotatedArticle, DateMention, Entity

    labels = ["PERSON", "GPE", "ORG", "PERSON", "NORP", "DATE", "LOC"]
    out = []
    for i, row in enumerate(_clustering_rows()):
        article = article_from_row(row, source="test")
        top = article.title + "\n" + article.text
        entities = [Entity(text=m.group(), label=labels[k % len(labels)], canonical=m.group(), start=m.start(),
                           end=m.end()) for k, m in enumerate(re.finditer(r"[A-Z]\w+(?: [A-Z]\w+)*", top))]
        entities += [Entity(text=m.group(), label="CARDINAL", canonical=m.group(), start=m.start(), end=m.end())
                     for m in re.finditer(r"\d[\d,.]*", top)]
        dates = (DateMention(text="x", value=date(2000 + i % 30, 1, 1), start=0, end=1),) if i % 7 == 0 else ()
        out.append(AnnotatedArticle(article=article, entities=tuple(entities), dates=dates,
                                    event_date=date(2014, 3, 1 + i % 28) if i % 3 else None))
    return out


def test_the_records_are_made_and_copied_as_their_references_make_them() -> None:
    import dataclasses

    from storyline.cluster import features

    values = ("a1", {"fisherm": 1.0}, {"rescued": 2.0}, {"p:kim": 1.0}, frozenset({"12"}), 735000, 2013,
              {"y:2013": 1.0}, False, ("p:kim",), frozenset({"fri"}), frozenset(), ("fisherm", "p:kim"), None)
    made = {how: fn(features.ArticleFeatures, values)
            for how, fn in (("c", speedups.new_fields), ("py", _features_reference("new_fields")))}
    for f in made.values():
        assert type(f) is features.ArticleFeatures
        assert tuple(getattr(f, field.name) for field in dataclasses.fields(f)) == values
        assert all(getattr(f, field.name) is v for field, v in zip(dataclasses.fields(f), values, strict=True))
    assert made["c"] == made["py"] == features.ArticleFeatures(*values)
    body = {"coastgu": 1.0}
    index = features.ArticleFeatures.__slots__.index("body")
    copies = [fn(made["c"], index, body) for fn in (speedups.with_field, _features_reference("with_field"))]
    for copy in copies:
        assert copy.body is body and copy.title is made["c"].title and copy.keys is made["c"].keys
        assert copy == dataclasses.replace(made["c"], body=body)
    with pytest.raises(ValueError):
        speedups.new_fields(features.ArticleFeatures, values[:-1])
    with pytest.raises(TypeError):
        speedups.new_fields(dict, ())  # no slots
    with pytest.raises(IndexError):
        speedups.with_field(made["c"], len(values), body)
    with pytest.raises(AttributeError):  # a field never set
        speedups.with_field(object.__new__(features.ArticleFeatures), index, body)


def test_the_records_are_made_only_of_classes_object_new_makes() -> None:
    # object.__new__ refuses a class whose instances need more than object's (a dict
    # subclass: a dict of zeroed memory crashed on first use) and an abstract class
    class Table(dict):
        __slots__ = ("a",)

    class Abstract(abc.ABC):
        __slots__ = ("a",)

        @abc.abstractmethod
        def f(self) -> None: ...

    for cls in (Table, Abstract):
        for fn in (speedups.new_fields, _features_reference("new_fields")):
            with pytest.raises(TypeError):
                fn(cls, (1,))
    # a slot of another class set on this one: its offset lies past this class's instances
    class Wide:
        __slots__ = tuple(f"s{i}" for i in range(30))

    class Narrow:
        __slots__ = ()

    Narrow.__slots__ = ("s29",)
    Narrow.s29 = Wide.__dict__["s29"]
    with pytest.raises(TypeError):
        speedups.new_fields(Narrow, ("x",))
    with pytest.raises(TypeError):
        speedups.with_field(object.__new__(Narrow), 0, "x")


def test_the_kernel_reads_only_the_slots_of_the_class_or_its_bases() -> None:
    # another class's slot set as an attribute: its offset lies past this class's
    # instances (read there, it crashed); getattr refuses it
    class Wide:
        __slots__ = tuple(f"s{i}" for i in range(200))

    class Story:
        __slots__ = ("x",)

    Story._norms = Wide.__dict__["s199"]

    class Counts:
        n = 5

    with pytest.raises(TypeError, match="doesn't apply"):
        speedups.fresh_norms_of(Story(), Counts())


def test_rank_stories_holds_its_candidates() -> None:
    # an IDF whose __missing__ empties the list of candidates: its array was read on
    # (freed memory: a crash)
    from types import SimpleNamespace

    candidates = list(range(1000, 1040))

    class Emptying(dict):
        def __missing__(self, term: str) -> float:
            candidates.clear()
            self[term] = 1.0
            return 1.0

    stories = {sid: SimpleNamespace(_norms={}, all={f"t{sid}": 1.0, "common": 1.0}) for sid in candidates}
    vectors = SimpleNamespace(all={"common": 2.0}, all_norm=2.0)
    ranked = speedups.rank_stories(vectors, candidates, stories, SimpleNamespace(n=3, weights=Emptying()), 5)
    assert list(ranked) == [1000, 1001, 1002, 1003, 1004]


def test_the_probabilities_hold_the_numbers_they_read() -> None:
    # a number whose __float__ empties the list it is in: the list's array was read on
    # (freed memory: a crash)
    features: list = []

    class Emptying:
        def __float__(self) -> float:
            features.clear()
            return 1.0

    features.extend([Emptying()] + [i + 0.5 for i in range(100)])
    with pytest.raises(RuntimeError):
        speedups.linear_probability(features, [1.0] * 101, 0.0)


def _emptied_on_compare() -> dict:
    """A bag of one term (of a str subclass) that empties the bag when compared: a term
    and weight read from it are freed then, unless held."""
    bag: dict = {}

    class Emptying(str):
        __hash__ = str.__hash__

        def __eq__(self, other: object) -> bool:
            bag.clear()
            return str.__eq__(self, other)

    bag[Emptying("alpha")] = float("1.5")
    return bag


def test_the_loops_hold_what_they_read_from_a_bag_that_changes() -> None:
    # (read after the bag was emptied, the term and the weight were freed memory: a crash;
    # the references' walks of the items raise)
    other = {"".join(("al", "pha")): 2.0}
    idf = {"alpha": 1.0}
    for loop in (lambda bag: speedups.weighted_dot(bag, other, idf),
                 lambda bag: speedups.story_cosine(bag, 1.0, other, {}, "all", idf),
                 lambda bag: speedups.add_into(dict(other), bag, idf, 4.0),
                 lambda bag: speedups.weighted(bag, idf),
                 lambda bag: speedups.weighted_square_sum(bag, idf),
                 lambda bag: speedups.story_cosine({}, 1.0, bag, {}, "all", idf)):
        for _ in range(3):
            with pytest.raises(RuntimeError, match="changed size"):
                loop(_emptied_on_compare())
    counts: dict = {}
    speedups.count_terms(counts, (dict(other), _emptied_on_compare()))
    assert counts == {"alpha": 1}


_EMPTIED_WHILE_RANKED = """
from types import SimpleNamespace
from storyline import _speedups

entities = {}

class Emptying(float):
    def __lt__(self, other):
        entities.clear()
        return float.__lt__(self, other)

entities.update((f"p:name{i}" + "x" * i, Emptying(i)) for i in range(8))
story = SimpleNamespace(_top=(0, frozenset()), size=1, entities=entities)
top = _speedups.top_entities_of(story)
assert isinstance(top, frozenset) and all(n.startswith("p:name") for n in top), top
"""


def _runs_with_debug_allocator(code: str) -> None:
    """Runs ``code`` in a new interpreter with Python's debug allocator, which makes reading
    freed memory fail for sure."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    # the storyline these tests import
    source = str(Path(speedups.__file__).resolve().parents[1])
    env = {**os.environ, "PYTHONMALLOC": "debug", "PYTHONPATH": os.pathsep.join([source, os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr[-2000:]


def test_top_entities_of_holds_the_names_it_keeps() -> None:
    # weights whose comparison empties the entities: the names and weights kept so far
    # were freed (a crash)
    _runs_with_debug_allocator(_EMPTIED_WHILE_RANKED)


_KINDS_EMPTIED_WHILE_READ = """
from types import SimpleNamespace as NS
from storyline import _speedups

own_kinds = {}

class Emptying(str):
    __hash__ = str.__hash__

    def __eq__(self, other):
        own_kinds.clear()
        return str.__eq__(self, other)

own_kinds.update({k: ({"x": 1.0}, float("1.5")) for k in ("p:", "l:", "o:")})
story_kinds = {Emptying(k): {"x": 1.0} for k in ("p:", "l:", "o:")}
f = NS(body={}, numbers=frozenset(), main=(), day=None, weekdays=frozenset(), months=frozenset(), years={},
       headline_only=False)
vectors = NS(features=f, title={}, title_norm=1.0, all={}, all_norm=1.0, entities={}, entity_norm=1.0,
             kinds=own_kinds, years={}, years_norm=1.0)
story = NS(title={}, body={}, all={}, entities={}, kinds=story_kinds, numbers=frozenset(), day_n=0,
           weekdays=frozenset(), months=frozenset(), year_bag={}, size=1)
try:
    _speedups.pair_features(vectors, story, {"x": 1.0}, {}, None, None)
except KeyError as e:
    assert e.args == ("l:",), e
else:
    raise AssertionError("no KeyError")
"""


def test_pair_features_holds_a_kinds_vector_while_it_finds_the_storys() -> None:
    # a story's kind key whose comparison empties the article's kinds: the (vector, norm)
    # pair found there was freed (a crash)
    _runs_with_debug_allocator(_KINDS_EMPTIED_WHILE_READ)


def test_fresh_norms_of_takes_a_count_of_none_as_none() -> None:
    # the reference reads norms.get("n") and refills where it is None (C compared None)
    from types import SimpleNamespace

    from storyline.cluster import features

    for fn in (speedups.fresh_norms_of, features._KERNEL_REFERENCE["fresh_norms_of"]):
        story = SimpleNamespace(_norms={"n": None, "all": 2.0})
        assert fn(story, SimpleNamespace(n=7)) == {"n": 7}


def _outcome(fn: Callable[..., object], *args: object) -> object:
    """What ``fn(*args)`` returns, or the type of the exception it raises."""
    try:
        return fn(*args)
    except Exception as error:
        return type(error)


def test_the_rankings_order_nan_scores_as_sorted_does() -> None:
    # a NaN compares false both ways: an insertion of doubles ranked it otherwise than
    # sorted(), which the references call (scores of inf + -inf are NaN too)
    from types import SimpleNamespace

    from storyline.cluster import features

    nan, inf = float("nan"), float("inf")
    rng = random.Random(1)
    keys = [f"k{i}" for i in range(8)]
    for _ in range(300):
        idf = {k: rng.choice([nan, 1.0, 2.0, 0.5, -0.0, inf, -inf]) for k in keys}
        compiled, reference = speedups.KeyIndex(), _reference("KeyIndex")()
        for sid in range(12):
            filed = rng.sample(keys, rng.randint(0, 3))
            compiled.file(filed, sid)
            reference.file(filed, sid)
        for limit in (0, 1, 3, 20):
            # retrieval ranks by the sums and then the ids: a NaN or negative weight is refused
            assert (_outcome(compiled.top, keys, dict(idf), 10, limit)
                    == _outcome(reference.top, keys, dict(idf), 10, limit))
        bag = {k: rng.choice([1.0, 2.0]) for k in keys}
        for keep in (0, 3, 9):
            assert (list(speedups.best_terms(bag, dict(idf), keep).items())
                    == list(_reference("best_terms")(bag, dict(idf), keep).items()))
        stories = {sid: SimpleNamespace(_norms={}, all={k: rng.choice([1.0, 2.0]) for k in rng.sample(keys, 3)})
                   for sid in range(10)}
        vectors = SimpleNamespace(all={k: 1.0 for k in rng.sample(keys, 4)}, all_norm=rng.choice([1.0, nan]))
        candidates = rng.sample(range(10), 8)
        for count in (-2, 0, 3, 20):
            got = speedups.rank_stories(vectors, candidates, stories, SimpleNamespace(n=3, weights=dict(idf)), count)
            want = features._KERNEL_REFERENCE["rank_stories"](vectors, candidates, stories,
                                                              SimpleNamespace(n=3, weights=dict(idf)), count)
            assert str(list(got.items())) == str(list(want.items()))  # (nan != nan)


def test_featurize_gives_the_same_features_with_and_without_its_c_loops(monkeypatch: pytest.MonkeyPatch) -> None:
    import dataclasses

    from storyline.cluster import features, timeinfo

    def every_field(f: features.ArticleFeatures) -> list:
        # every field (keys and the embedding are left out of ==), dicts with their order
        values = [getattr(f, field.name) for field in dataclasses.fields(f)]
        return [list(v.items()) if isinstance(v, dict) else v.tobytes() if hasattr(v, "tobytes") else v
                for v in values]

    articles = _annotated_rows()
    compiled = [every_field(features.featurize(a)) for a in articles]
    for name, reference in features._REFERENCE.items():
        monkeypatch.setattr(features, name, reference)
    monkeypatch.setattr(features, "years_in", timeinfo._REFERENCE["years_in"])
    assert features.word_terms is _features_reference("word_terms")
    assert [every_field(features.featurize(a)) for a in articles] == compiled
    assert sum(bool(f[3]) for f in compiled) > 3000  # names, and bodies among the headlines
    assert sum(bool(f[2]) for f in compiled) > 300


def test_the_article_features_match_their_reference() -> None:
    import dataclasses
    from datetime import date

    from storyline.cluster import features
    from storyline.model import AnnotatedArticle, Article, DateMention

    def every_field(f: features.ArticleFeatures) -> list:
        values = [getattr(f, field.name) for field in dataclasses.fields(f)]
        return [list(v.items()) if isinstance(v, dict) else v.tobytes() if hasattr(v, "tobytes") else v
                for v in values]

    reference = _features_reference("article_features")
    articles = _annotated_rows()
    # a headline with an embedding, one with a CJK title (left to the reference) and years known
    headline = Article(id="h", source="t", title="Fishermen rescued in 2014", text="", url="http://x.com/a-b-c-d")
    articles += [AnnotatedArticle(article=headline, embedding=(0.5, 0.25)),
                 AnnotatedArticle(article=dataclasses.replace(headline, title="日本"), event_date=date(2014, 3, 1),
                                  dates=(DateMention(text="x", value=date(2012, 1, 1), start=0, end=1),))]
    read = 0
    for a in articles:
        args = (a, features.stop_words(a.article.language), a.article.headline_only, features.event_date(a),
                features._ARTICLE_SETTINGS)
        got, want = speedups.article_features(*args), reference(*args)
        if got is not None:  # None: input a loop leaves to its reference
            read += 1
            assert type(got) is features.ArticleFeatures and every_field(got) == every_field(want), a.article.title
    assert read > len(articles) * 0.9
    assert got is None and want.title == {"日本": 1.0} and want.years == {"y:2012": 1.0} and want.year == 2012
    assert sum(f.day is not None for f in map(features.featurize, articles)) > 300
    made = speedups.article_features(articles[-2], features._STOP, True, None, features._ARTICLE_SETTINGS)
    assert made.embedding.dtype == "float32" and made.embedding.tolist() == [0.5, 0.25] and "sxsw" not in made.title


def test_the_article_features_read_a_date_as_their_reference() -> None:
    """An exact date's year and day (toordinal) are read by the datetime C API: the same as
    the reference for dates of every year, month and leap day, and a date subclass and a
    datetime (read by their attributes) too."""
    from datetime import date, datetime, timedelta

    from storyline.cluster import features
    from storyline.model import AnnotatedArticle, Article

    class Day(date):
        def toordinal(self) -> int:
            return 7

    reference = _features_reference("article_features")
    rng = random.Random(4)
    annotated = AnnotatedArticle(article=Article(id="a", source="t", title="Fishermen rescued", text="Two men."))
    whens = [date.min, date.max, date(2000, 2, 29), date(1900, 3, 1), date(2100, 12, 31), date(1, 3, 1), date(400, 2, 29),
             Day(2014, 3, 2), datetime(2014, 3, 2, 23, 59)]
    whens += [date.min + timedelta(days=rng.randrange(date.max.toordinal())) for _ in range(3000)]
    for when in whens:
        args = (annotated, features._STOP, False, when, features._ARTICLE_SETTINGS)
        got, want = speedups.article_features(*args), reference(*args)
        assert (got.day, got.year, got.years) == (want.day, want.year, want.years) == (
            when.toordinal(), when.year, {f"y:{when.year}": 1.0}), when


def test_the_article_features_keys_match_their_reference_past_the_keys_kept() -> None:
    """The index keys are read from the title's and the entities' bags as they are made,
    where they hold at most 64 keys, else from the bags: titles, names and bodies of a few
    and of more keys than that, a body's top terms in the title and not."""
    import dataclasses

    from storyline.cluster import features
    from storyline.model import AnnotatedArticle, Article, Entity

    reference = _features_reference("article_features")
    for words in (0, 3, 63, 64, 65, 200):
        title = " ".join(f"t{chr(97 + k % 26)}{chr(97 + k // 26 % 26)}" for k in range(words)) + " Rescue"
        text = "rescue rescue fishermen fishermen fishermen " + " ".join(f"b{chr(97 + k % 26)}" for k in range(words))
        names = tuple(Entity(text="x", label=("PERSON", "GPE", "ORG")[k % 3], canonical=f"Ann Lee{k}", start=0, end=1)
                      for k in range(words))
        article = Article(id="a", source="t", title=title, text=text)
        for annotated in (AnnotatedArticle(article=article, entities=names),
                          AnnotatedArticle(article=dataclasses.replace(article, text=""), entities=names[:2])):
            args = (annotated, features._STOP, not annotated.article.text, None, features._ARTICLE_SETTINGS)
            got, want = speedups.article_features(*args), reference(*args)
            assert got.keys == want.keys and list(got.title) == list(want.title), words
            assert list(got.entities) == list(want.entities)


def test_the_article_features_of_a_text_that_is_its_title_match_their_reference() -> None:
    """A text that is the title (the same str, or an equal one) is not scanned again for years
    and time words: the same features as the reference for titles that open with digits
    (after whitespace of every kind) and end with a month, of several years, of few
    characters, too long for the top to hold both copies or for the body's characters."""
    import dataclasses
    from datetime import date

    from storyline.cluster import features
    from storyline.model import AnnotatedArticle, Article

    def every_field(f: features.ArticleFeatures) -> list:
        values = [getattr(f, field.name) for field in dataclasses.fields(f)]
        return [list(v.items()) if isinstance(v, dict) else v for v in values]

    reference = _features_reference("article_features")
    ends = ["Storm hits Cadiz on Dec", "Storm hits Cadiz on Dec.", "Storm on Friday", "2013 to 2014 dec", "Dec", "x"]
    opens = ["", "1", "12", "123", "12 ", "1 ", "1x ", "12% ", "7,", "2014 ", "\u0663 ", "1\u0663 "]
    leads = ["", " ", "  \n", "\u2003", "\x1c", "\u00a0\t"]
    titles = [lead + head + end for lead in leads for head in opens for end in ends]
    # (the top, title + "\n" + text, cut in the second copy: "friday" of "Fridays", "dec 12" of "Dec 12x")
    titles += ["Fridays" + " " * 1486, "Dec 12x" + " " * 1486, "Dec 12x" + " " * 1485,
               " " * 748 + "Dec", " " * 747 + "Dec", "Dec " + "x" * 745 + " 12", "x" * 2996 + "20145 Dec",
               "x" * 2995 + " 2014", "Mar \u017f 12", "\u0131 Dec", "Dec \u00e9t\u00e9 2014"]
    articles = []
    for title in titles:
        base = Article(id="a", source="t", title=title, text=title, url="http://x.com/2014/03/02/a-b-c")
        copy = "".join(list(title))  # an equal str, not the same one
        for article in (base, dataclasses.replace(base, text=copy)):
            articles.append(AnnotatedArticle(article=article, event_date=date(2014, 3, 1)))
            articles.append(AnnotatedArticle(article=article))
    read = 0
    for a in articles:
        args = (a, features._STOP, True, a.event_date, features._ARTICLE_SETTINGS)
        got, want = speedups.article_features(*args), reference(*args)
        if got is not None:  # None: input a loop leaves to its reference
            read += 1
            assert every_field(got) == every_field(want), a.article.title
    assert read > len(articles) * 0.9


def test_featurize_matches_its_reference_on_odd_articles(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled featurize reads Article's headline_only and event_date as its reference:
    the same features as the reference for whitespace of every kind around title and text,
    year-bound and missing dates (a URL date), other languages, a subclass that overrides
    the properties, a property changed on the class, fields that are no str, no article."""
    import dataclasses
    from datetime import date

    from storyline.cluster import features
    from storyline.model import AnnotatedArticle, Article

    def every_field(f: features.ArticleFeatures) -> list:
        values = [getattr(f, field.name) for field in dataclasses.fields(f)]
        return [list(v.items()) if isinstance(v, dict) else v.tobytes() if hasattr(v, "tobytes") else v
                for v in values]

    class Headline(Article):
        @property
        def headline_only(self) -> bool:
            return True

        @property
        def publication_day(self) -> date | None:
            return date(2001, 9, 11)

    class Text(str):
        pass

    base = Article(id="a", source="t", title="Fishermen rescued off Cadiz", text="", url="http://x.com/2014/03/02/a-b-c",
                   published=date(2014, 3, 3), published_by="meta")
    spaces = ["", " ", "\n", "\u2003", "\x1c", "\u00a0", "\u200b"]
    articles = []
    for left in spaces:
        for right in spaces:
            title = left + "Fishermen rescued off Cadiz" + right
            for text in ("", right, title, title.strip() + right, "Fishermen rescued off Cádiz", title + " Two days."):
                articles.append(dataclasses.replace(base, title=title, text=text))
    articles += [dataclasses.replace(base, published_by="copyright"), dataclasses.replace(base, published=None),
                 dataclasses.replace(base, published=None, url=None), dataclasses.replace(base, language="de"),
                 dataclasses.replace(base, language="pt-BR", text="O pescador foi resgatado."),
                 dataclasses.replace(base, title=None, text=" "), dataclasses.replace(base, text=Text(" x ")),
                 Headline(**{f.name: getattr(base, f.name) for f in dataclasses.fields(base)})]
    annotated = [AnnotatedArticle(article=a, event_date=event) for a in articles
                 for event in (None, date(2014, 3, 1))]
    reference = features._REFERENCE["featurize"]
    assert features.featurize is speedups.featurize
    for a in annotated:
        try:
            want = every_field(reference(a))
        except (AttributeError, TypeError) as error:
            with pytest.raises(type(error)):
                speedups.featurize(a)
            continue
        assert every_field(speedups.featurize(a)) == want, a.article
    with pytest.raises(AttributeError):
        speedups.featurize(object())
    # a property changed on the class after registration is read as the reference reads it
    report = AnnotatedArticle(article=dataclasses.replace(base, text="Two fishermen were rescued."))
    assert speedups.featurize(report).headline_only is False and speedups.featurize(report).body
    monkeypatch.setattr(Article, "headline_only", property(lambda self: True))
    assert speedups.featurize(report).headline_only is True and not speedups.featurize(report).body
    with pytest.raises(TypeError):
        speedups.register_featurize(features._ARTICLE_SETTINGS, features.stop_words, None, None)
    with pytest.raises(TypeError):
        speedups.register_featurize(features._ARTICLE_SETTINGS, print, print)


def test_the_article_features_check_their_input() -> None:
    import dataclasses

    from storyline.cluster import features
    from storyline.model import AnnotatedArticle, Article

    article = AnnotatedArticle(article=Article(id="a", source="t", title="Fishermen rescued", text="Fishermen."))
    settings = features._ARTICLE_SETTINGS
    with pytest.raises(TypeError):
        speedups.article_features(article, features._STOP, False, None, settings[:-1])
    with pytest.raises(TypeError):
        speedups.article_features(article, features._STOP, False, None, (dict, *settings[1:]))
    with pytest.raises(TypeError):
        speedups.article_features(article, features._STOP, False, None, (object, *settings[1:]))
    with pytest.raises(TypeError):
        bad = dataclasses.replace(article, article=dataclasses.replace(article.article, title=None))
        speedups.article_features(bad, features._STOP, False, None, settings)
    with pytest.raises(AttributeError):
        speedups.article_features(object(), features._STOP, False, None, settings)
    with pytest.raises(TypeError):
        speedups.article_features(article, ["the"], False, None, settings)


def test_the_article_records_are_left_to_reference_counting() -> None:
    """A record of article_features, and its tuples and sets of str, are off the collector's
    lists (none can be in a cycle); not where a field is a container the collector tracks."""
    import gc

    from storyline.cluster import features
    from storyline.model import AnnotatedArticle, Article, Entity

    article = AnnotatedArticle(article=Article(id="a", source="t", title="Fishermen rescued on Friday",
                                               text="Fishermen rescued off Cadiz on Friday, Dec. 12: 12 said."),
                               entities=(Entity("12", "CARDINAL", "12", 0, 1),
                                         Entity("Ann Lee", "PERSON", "Ann Lee", 0, 1)),
                               embedding=(0.5, 0.25))
    made = speedups.article_features(article, features._STOP, False, None, features._ARTICLE_SETTINGS)
    assert made.numbers and made.weekdays and made.months and made.main and made.keys
    assert not gc.is_tracked(made) and not any(gc.is_tracked(getattr(made, name)) for name in made.__slots__)
    body = features.ArticleFeatures.__slots__.index("body")
    assert not gc.is_tracked(speedups.with_field(made, body, {"coastgu": 1.0}))
    assert gc.is_tracked(speedups.with_field(made, body, {"coastgu": []}))
    as_list = (*features._ARTICLE_SETTINGS[:-1], list)  # an embedding the collector tracks
    kept = speedups.article_features(article, features._STOP, False, None, as_list)
    assert gc.is_tracked(kept) and kept.embedding == [0.5, 0.25] and not gc.is_tracked(kept.keys)
    assert gc.is_tracked(speedups.with_field(kept, body, {}))  # a copy of a tracked record
    gc.collect()
    assert made.title == features.featurize(article).title


_SLOTS_SET_WHILE_READ = """
from storyline import _speedups

class Record:
    __slots__ = ("a", "b")

class Unslotting(str):
    def __hash__(self):
        type.__setattr__(Record, "__slots__", ())  # frees the tuple of names being read
        return str.__hash__(self)

    __eq__ = str.__eq__

type.__setattr__(Record, "__slots__", (Unslotting("a"), Unslotting("b")))
try:
    _speedups.new_fields(Record, (1, 2))
except TypeError:
    pass
"""


def test_the_record_loops_hold_the_slot_names_they_read() -> None:
    # a slot name whose hash sets the class's __slots__ anew: the tuple of names read was
    # freed (a crash)
    _runs_with_debug_allocator(_SLOTS_SET_WHILE_READ)


_SLOTS_RENAMED_WHILE_FEATURIZED = """
from storyline import _speedups
from storyline.cluster import features
from storyline.model import AnnotatedArticle, Article

class Other:
    __slots__ = ()

class When:
    @property
    def year(self):
        _speedups.new_fields(Other, ())  # another class's offsets kept
        # the record class's __slots__ named anew: more names than fields, most the same
        type.__setattr__(features.ArticleFeatures, "__slots__", ("id",) * 14 + ("title",))
        return 2020

    def toordinal(self):
        return 737700

article = AnnotatedArticle(article=Article(id="a", source="t", title="Fishermen rescued on Friday",
                                           text="Fishermen rescued off Cadiz on Friday."))
made = _speedups.article_features(article, features._STOP, False, When(), features._ARTICLE_SETTINGS)
assert made.id == "a" and made.year == 2020 and made.title and made.embedding is None
"""


def test_article_features_fills_the_slots_it_read_first() -> None:
    # the class's __slots__ set anew while an article is featurized: the record was filled
    # by the names read again, and a slot left empty was read (a crash)
    _runs_with_debug_allocator(_SLOTS_RENAMED_WHILE_FEATURIZED)


_TITLE_GROWN_WHILE_KEYS_MADE = """
import gc
from types import SimpleNamespace
from storyline import _speedups

# more title terms than a tuple off the free lists holds: making the keys' tuple collects
story = SimpleNamespace(title=dict.fromkeys([f"word{i}" for i in range(24)], 1.0), entities={"p:ann lee": 1.0})

class Growing:
    def __del__(self):
        story.title.update((f"term{i}", 1.0) for i in range(64))

class Collecting:
    def __float__(self):
        gc.set_threshold(1)
        gc.enable()  # the next container made collects the cycle below
        return 2.0

story.body = {"cadiz": Collecting(), "rescued": 1.0}
gc.disable()
cycle = Growing()
cycle.me = cycle
del cycle
try:
    _speedups.story_keys(story, 5)
except RuntimeError:
    pass
"""


def test_story_keys_fills_no_more_keys_than_it_made_room_for() -> None:
    # a finalizer run by the collection that making the keys' tuple starts grows the title:
    # its keys were written past the tuple's end (a crash)
    _runs_with_debug_allocator(_TITLE_GROWN_WHILE_KEYS_MADE)


_BAG_EMPTIED_BY_A_WEIGHT = """
from types import SimpleNamespace
from storyline import _speedups

title = {}

class Clearing:
    def __float__(self):
        title.clear()  # frees the term and this weight, read from the bag
        return 1.0

title["".join(["fisher", "men"])] = Clearing()
story = SimpleNamespace(title=title, entities={}, year_bag={}, _top=None, size=1)
try:
    _speedups.article_norms(story, SimpleNamespace(weights={"fishermen": 2.0}))
except RuntimeError:
    pass
"""

_IDF_EMPTIED_BY_A_WEIGHT = """
from storyline import _speedups

class Fraction(float):
    pass

class Clearing:
    def __float__(self):
        idf.clear()  # frees this weight, read from the IDF weights
        return Fraction(2.0)  # whose type the conversion names after the call

index = _speedups.KeyIndex()
index.file(("fishermen",), 1)
idf = {"".join(["fisher", "men"]): Clearing()}
assert index.top(("fishermen",), idf, 10, 5) == [1]
"""


_TITLE_EMPTIED_BY_A_WEIGHT = """
from types import SimpleNamespace
from storyline import _speedups

class Fraction(float):
    pass

class Clearing:
    calls = 0

    def __float__(self):
        Clearing.calls += 1
        if Clearing.calls == 2:  # read for the title's norm, then looked up in the title
            story.title.clear()  # frees this weight
        return Fraction(1.0)

story = SimpleNamespace(title={"".join(["fisher", "men"]): Clearing()}, body={"fishermen": 1.0}, all={})
try:
    _speedups.text_norms(story, SimpleNamespace(weights={"fishermen": 2.0}))
except RuntimeError:
    pass
"""

_OTHER_TITLE_EMPTIED_BY_A_WEIGHT = """
from types import SimpleNamespace
from storyline import _speedups

class Fraction(float):
    pass

class Clearing:
    def __float__(self):
        b.title.clear()  # frees this weight, looked up in the other story's title
        return Fraction(1.0)

df = SimpleNamespace(weights={"fishermen": 2.0}, n=10)
a = SimpleNamespace(title={"fishermen": 1.0}, body={})
b = SimpleNamespace(title={"".join(["fisher", "men"]): Clearing()}, all={}, body={}, _norms={"n": 10, "title": 1.0})
try:
    _speedups.story_shares_words(a, (1.0, 1.0, 1.0, 1, False, None), b, (1.0, 1.0, 1.0, 0, True, None), df, 0.5)
except RuntimeError:
    pass
"""


@pytest.mark.parametrize("code", [_BAG_EMPTIED_BY_A_WEIGHT, _IDF_EMPTIED_BY_A_WEIGHT, _TITLE_EMPTIED_BY_A_WEIGHT,
                                  _OTHER_TITLE_EMPTIED_BY_A_WEIGHT], ids=["bag", "idf", "looked-up", "other-story"])
def test_the_weight_loops_hold_a_weight_that_is_no_float(code: str) -> None:
    # a weight whose __float__ takes it out of its dict: the weight (and a bag's term) was
    # read after it was freed (a crash)
    _runs_with_debug_allocator(code)


class _Weight(float):
    pass


class _Term(str):
    pass


@pytest.mark.parametrize("seed", range(12))
def test_add_article_adds_title_and_body_into_all_as_the_reference_with_live_norms(seed: int) -> None:
    """The compiled add_article walks a title or body once for its own bag and ``all`` where
    their norms are live: the same sums, norms and IDF weights (read in the same order: the
    IDF cache's misses), whichever norms are live, for headlines, odd weights and terms."""
    from copy import deepcopy
    from dataclasses import replace

    from storyline.cluster import features
    from storyline.cluster.features import DocumentFrequencies, StoryFeatures

    rng = random.Random(seed)
    reference = features._KERNEL_REFERENCE["add_article"]

    def article(i: int):  # type: ignore[no-untyped-def]  # names of the three kinds (a story's)
        f = _random_features(rng, i)
        return replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in features.KINDS})

    def odd(bag: dict) -> dict:  # ints, float subclasses and str subclasses among the terms
        kinds = [lambda t, v: (t, v), lambda t, v: (t, int(v * 3)), lambda t, v: (t, _Weight(v)),
                 lambda t, v: (_Term(t), v)]
        return dict(rng.choice(kinds)(t, v) for t, v in bag.items())

    for _ in range(6):
        df = DocumentFrequencies()
        for i in range(rng.randint(1, 15)):
            df.add(_random_features(rng, i))
        story = StoryFeatures()
        for i in range(rng.randint(1, 4)):
            features.add_article(story, article(100 + i), i, df)
        for name, bag in (("title", story.title), ("body", story.body), ("all", story.all)):
            story.norm(name, bag, df)
        for name in ("title", "body", "all"):
            if rng.random() < 0.25:
                story._norms.pop(name, None)
        if rng.random() < 0.5:
            df.weights.clear()  # misses: computed and stored in the order they are read
        f = article(200)
        if rng.random() < 0.5:
            f = replace(f, title=odd(f.title), body=odd(f.body))
        if rng.random() < 0.2:
            f = replace(f, body={})
        other_df = DocumentFrequencies()
        other_df.n, other_df.df, other_df._n_cached = df.n, Counter(df.df), df._n_cached
        other_df.weights.update(df.weights)
        other = object.__new__(StoryFeatures)
        for slot in StoryFeatures.__slots__:
            value = getattr(story, slot)
            shared = value is features._NO_COUNTS or not isinstance(value, (dict, speedups.TermBag))
            setattr(other, slot, value if shared else deepcopy(value))
        reference(other, f, 300, other_df)
        speedups.add_article(story, f, 300, df)
        for slot in StoryFeatures.__slots__:
            got, want = getattr(story, slot), getattr(other, slot)
            if slot == "kinds":
                assert list(got) == list(want) and all(_same_items(got[k], want[k]) for k in got)
            elif slot != "embedding_sum":
                assert _same_items(got, want), slot
        assert list(df.weights.items()) == list(other_df.weights.items())


def _idf_pair() -> tuple:
    """Two DocumentFrequencies, one holding the C table (as compiled), one the pure-Python
    reference (_IdfCache over the Counter)."""
    from storyline.cluster import features

    table, reference = features.DocumentFrequencies(), features.DocumentFrequencies()
    reference.weights, reference.df = features._IdfCache(reference), Counter()
    assert type(table.weights) is speedups.TermTable and type(table.df) is speedups.TermCounts
    return table, reference


def _same_idf(table, reference) -> None:  # type: ignore[no-untyped-def]
    """Both hold the same weights, in the same order (as the mapping shows them)."""
    assert list(table.weights.items()) == list(reference.weights.items())
    assert list(table.weights) == list(reference.weights) == list(table.weights.keys())
    assert table.weights.values() == list(reference.weights.values())
    assert len(table.weights) == len(reference.weights)
    assert table.weights == dict(reference.weights) and table.weights.copy() == dict(reference.weights)
    assert not table.weights != dict(reference.weights)
    assert (table.n, table._n_cached, table.epoch, list(table.df.items())) == (
        reference.n, reference._n_cached, reference.epoch, list(reference.df.items()))


@pytest.mark.parametrize("seed", range(4))
def test_the_term_table_gives_the_idf_caches_weights_sequence_for_sequence(seed: int) -> None:
    """Articles counted (the C count_article and its reference) across many refreshes,
    weights read from Python and from the C loops, pinned, removed and cleared: each read
    gives the same value, bit for bit, as the reference's at the same point."""
    from types import SimpleNamespace

    from storyline.cluster import features

    rng = random.Random(seed)
    table, reference = _idf_pair()
    words = [f"w{i}" for i in range(120)]
    count = features._KERNEL_REFERENCE["count_article"]
    for step in range(600):
        roll = rng.random()
        if roll < 0.3:
            f = SimpleNamespace(title={w: 1.0 for w in rng.sample(words, 3)},
                                body={w: 1.0 for w in rng.sample(words, rng.randrange(12))},
                                entities={w: 1.0 for w in rng.sample(words, 2)}, years={})
            speedups.count_article(table, f)
            count(reference, f)
        elif roll < 0.6:
            term = rng.choice(words + ["never counted"])
            assert table.weights[term] == reference.weights[term]
            assert table.idf(term) == reference.idf(term)
        elif roll < 0.8:  # the C loops' reads (inline) against the reference's __missing__
            bag = {w: rng.random() for w in rng.sample(words, 6)}
            assert speedups.weighted_square_sum(bag, table.weights) == _reference("weighted_square_sum")(
                bag, reference.weights)
            assert speedups.best_terms(bag, table.weights, 3) == _reference("best_terms")(bag, reference.weights, 3)
        elif roll < 0.85:
            term, value = rng.choice(words), rng.random()
            table.weights[term] = value
            reference.weights[term] = value
        elif roll < 0.88:
            term = rng.choice(words)
            if term in reference.weights:
                del table.weights[term]
                del reference.weights[term]
            else:
                with pytest.raises(KeyError):
                    del table.weights[term]
        elif roll < 0.9:
            table.weights.clear()
            reference.weights.clear()
        else:
            term = rng.choice(words)
            assert (term in table.weights) == (term in reference.weights)
            assert table.weights.get(term, "none") == reference.weights.get(term, "none")
            assert table.weights.get(term) == reference.weights.get(term)
        if step % 50 == 0:
            _same_idf(table, reference)
    _same_idf(table, reference)
    assert table.epoch > 5  # refreshed many times over


def test_a_term_counted_after_its_weight_was_read_keeps_it_until_the_next_epoch() -> None:
    from types import SimpleNamespace

    table, reference = _idf_pair()
    for df in (table, reference):
        for k in range(20):
            df.add(SimpleNamespace(title={f"t{k}": 1.0}, body={}, entities={}, years={}))
    assert table.epoch == reference.epoch == 1
    before = table.weights["late"]
    assert before == reference.weights["late"] == math.log(21 / 1) + 1.0
    for df in (table, reference):
        df.add(SimpleNamespace(title={"late": 1.0}, body={}, entities={}, years={}))
    assert table.weights["late"] == reference.weights["late"] == before  # no refresh yet
    for df in (table, reference):
        while df.epoch == 1:
            df.add(SimpleNamespace(title={"late": 1.0}, body={}, entities={}, years={}))
    assert table.weights["late"] == reference.weights["late"] < before
    assert table.weights.epoch == 3  # the table's own epochs: one more than the clusterer's
    _same_idf(table, reference)


def test_the_term_table_takes_str_subclasses_and_other_keys_as_a_dict_does() -> None:
    table, reference = _idf_pair()
    for df in (table, reference):
        df.n = 9
        df.df.update(["a"] * 2 + [3] * 4)

    class Plain(str):
        pass

    class Odd(str):  # its own hash and equality: equal to any str of the same length
        def __hash__(self) -> int:
            return len(self)

        def __eq__(self, other: object) -> bool:
            return isinstance(other, str) and len(other) == len(self)

    for key in ("a", Plain("a"), Plain("b"), 3, 3.0, (1, 2), Odd("xy"), Odd("zw"), "xy", frozenset({"a"})):
        assert table.weights[key] == reference.weights[key], key
        assert (key in table.weights) and table.weights.get(key) == reference.weights.get(key)
    assert speedups.weighted_square_sum({Plain("c"): 2.0, "d": 1.0}, table.weights) == _reference(
        "weighted_square_sum")({Plain("c"): 2.0, "d": 1.0}, reference.weights)
    _same_idf(table, reference)
    assert type(next(iter(table.weights))) is str  # the key first read is kept, as a dict keeps it
    for key in ([1], {}):
        with pytest.raises(TypeError):
            table.weights[key]
        with pytest.raises(TypeError):
            table.weights[key] = 1.0
    with pytest.raises(TypeError):
        table.weights["e"] = "not a number"

    class Failing(str):
        def __hash__(self) -> int:
            return hash("a")

        def __eq__(self, other: object) -> bool:
            raise ValueError("no comparison")

    with pytest.raises(ValueError):
        table.weights[Failing("q")]


def test_a_keys_comparison_that_changes_the_table_is_survived() -> None:
    table, reference = _idf_pair()

    class Growing(str):  # its comparison adds many terms (the table moves its keys)
        def __hash__(self) -> int:
            return 7

        def __eq__(self, other: object) -> bool:
            for df in (table, reference):
                for k in range(200):
                    df.weights[f"{id(self)}-{k}"] = float(k)
            return str.__eq__(self, other)

    for df in (table, reference):
        df.n = 5
    first, second = Growing("p"), Growing("q")
    assert table.weights[first] == reference.weights[first]
    assert table.weights[second] == reference.weights[second]  # compared with ``first``
    assert table.weights["p"] == reference.weights["p"]
    assert dict(table.weights) == dict(reference.weights)


def test_the_term_tables_version_changes_exactly_where_a_read_could_change() -> None:
    table, _ = _idf_pair()
    weights = table.weights
    other = type(weights)(table)
    assert weights.version != other.version  # never the same for two tables
    version = weights.version
    weights["a"], weights.get("b"), len(weights), list(weights)  # reads, computed or not
    assert weights.version == version
    weights["a"] = 2.5
    assert weights.version != version and weights["a"] == 2.5
    version = weights.version
    del weights["a"]
    assert weights.version != version and "a" not in weights
    version, epoch = weights.version, weights.epoch
    weights.clear()
    assert weights.version != version and weights.epoch == epoch + 1 and len(weights) == 0
    version = weights.version
    weights.update({"x": 1.0, "y": 2})
    assert weights.version != version and list(weights.items()) == [("x", 1.0), ("y", 2.0)]
    assert weights.owner is table and "TermTable(" in repr(weights)


def test_the_term_tables_owner_must_give_int_counts() -> None:
    table, _ = _idf_pair()
    table.n = 2.5
    with pytest.raises(TypeError):
        table.weights["a"]
    table.n, table.df = 3, {"a": "many"}
    with pytest.raises(TypeError):
        table.weights["a"]
    table.df = {"a": 2**60}
    with pytest.raises(ValueError):
        table.weights["a"]
    table.df = ["not", "a", "dict"]
    with pytest.raises(TypeError):
        speedups.weighted_square_sum({"a": 1.0}, table.weights)
    assert len(table.weights) == 0


def test_the_c_loops_read_the_term_table_as_they_read_the_idf_cache() -> None:
    """KeyIndex.top (its kept weights), add_into and the bags' loops with the table, against
    the same loops with the IDF cache, as the counts grow and the weights refresh."""
    from types import SimpleNamespace

    rng = random.Random(11)
    table, reference = _idf_pair()
    words = [f"k{i}" for i in range(50)]
    index = speedups.KeyIndex()
    for sid in range(30):
        index.file(rng.sample(words, 5), sid)
    for step in range(300):
        f = SimpleNamespace(title={w: 1.0 for w in rng.sample(words, 4)}, body={}, entities={}, years={})
        table.add(f)
        reference.add(f)
        keys = tuple(rng.sample(words, 6))
        assert index.top(keys, table.weights, 20, 5) == index.top(keys, reference.weights, 20, 5)
        if step % 37 == 0:  # a pinned weight: top reads it again
            term = rng.choice(words)
            table.weights[term] = reference.weights[term] = rng.random()
        a, b = ({w: rng.random() for w in rng.sample(words, 7)} for _ in range(2))
        assert speedups.weighted_dot(a, b, table.weights) == speedups.weighted_dot(a, b, reference.weights)
        assert speedups.weighted(a, table.weights) == speedups.weighted(a, reference.weights)
        bag_t, bag_r = dict(b), dict(b)
        assert speedups.add_into(bag_t, a, table.weights, 3.0) == speedups.add_into(bag_r, a, reference.weights, 3.0)
        assert dict(table.weights) == dict(reference.weights)


def test_a_term_table_in_a_cycle_is_collected() -> None:
    import gc
    import weakref

    from storyline.cluster import features

    class Owner:
        pass

    owner = Owner()
    owner.n, owner.df = 3, {}
    owner.weights = speedups.TermTable(owner)  # owner -> table -> owner
    owner.weights[(1, owner)] = 1.0  # a key that refers back too
    gone = weakref.ref(owner)
    del owner
    gc.collect()
    assert gone() is None
    assert gc.is_tracked(features.DocumentFrequencies().weights)


def test_the_term_tables_counts_are_counted_as_the_counter_is() -> None:
    """DocumentFrequencies.df as the table's counts: counted by the C count_article, by
    count_terms (compiled, and its pure-Python reference through update) as a Counter is,
    read as a Counter reads (0 for a term never counted), in the order first counted."""
    from types import SimpleNamespace

    from storyline.cluster import features

    class Plain(str):
        pass

    rng = random.Random(8)
    table, reference = _idf_pair()
    words: list = [f"c{i}" for i in range(30)] + [Plain("c1"), 7, (1, "x")]
    python_count = features._KERNEL_REFERENCE["count_article"]
    for step in range(200):
        bags = tuple({w: 1.0 for w in rng.sample(words, rng.randrange(6))} for _ in range(4))
        f = SimpleNamespace(title=bags[0], body=bags[1], entities=bags[2], years=bags[3])
        way = step % 3
        if way == 0:
            speedups.count_article(table, f)
        elif way == 1:
            python_count(table, f)  # count_terms (compiled) into the table's counts
        else:
            table.n += 1
            _reference("count_terms")(table.df, bags)  # Counter.update's way: update(keys)
            if table.n > features.IDF_REFRESH_GROWTH * table._n_cached + 10:
                table.weights.clear()
                table._n_cached, table.epoch = table.n, table.epoch + 1
        python_count(reference, f)
        term = rng.choice(words + ["never"])
        assert table.weights[term] == reference.weights[term]
        assert table.df[term] == reference.df[term] and table.df.get(term) == reference.df.get(term)
        assert (term in table.df) == (term in reference.df)
    _same_idf(table, reference)
    assert table.df == reference.df and reference.df == table.df and not table.df != reference.df
    assert Counter(table.df) == reference.df and list(Counter(table.df).items()) == list(reference.df.items())
    assert len(table.df) == len(reference.df) and list(table.df) == list(reference.df)
    assert table.df.values() == list(reference.df.values()) and table.df.copy() == dict(reference.df)
    assert table.df.table is table.weights and "TermCounts(" in repr(table.df)
    with pytest.raises(TypeError):
        table.df.update({"c1": 5})  # Counter would add the values: refused
    with pytest.raises(TypeError):
        table.df[[1]]
    with pytest.raises(TypeError):
        table.df["c1"] = 3  # read-only
    with pytest.raises(TypeError):
        speedups.count_terms(table.df, ({"a": 1.0}, ["not a dict"]))
    with pytest.raises(TypeError):
        speedups.count_terms(["not counts"], ({"a": 1.0},))


def test_the_term_table_reads_a_counter_put_in_place_of_its_counts() -> None:
    table, reference = _idf_pair()
    for df in (table, reference):
        df.n, df.df = 50, Counter({"a": 7, "b": 2})
    assert table.weights["a"] == reference.weights["a"] == math.log(51 / 8) + 1.0
    table.df = table.weights.counts  # its own counts again (none counted)
    table.weights.clear()
    assert table.weights["a"] == math.log(51) + 1.0


def test_the_term_table_grows_keeping_its_orders() -> None:
    """Thousands of terms, counted and read in turns while the table moves its places:
    the weights, counts and both orders stay those of the reference."""
    from types import SimpleNamespace

    table, reference = _idf_pair()
    for k in range(3000):
        f = SimpleNamespace(title={f"n{k}": 1.0, f"n{k // 2}": 1.0}, body={f"b{k % 97}": 1.0}, entities={},
                            years={})
        table.add(f)
        reference.add(f)
        bag = {f"r{k}": 1.0, f"n{k // 3}": 2.0}
        assert speedups.weighted_square_sum(bag, table.weights) == speedups.weighted_square_sum(
            bag, reference.weights)
    _same_idf(table, reference)


def test_the_term_table_refuses_a_corpus_size_beyond_a_long() -> None:
    table, _ = _idf_pair()
    table.n = 2**70
    with pytest.raises(OverflowError):
        table.weights["a"]
    with pytest.raises(OverflowError):
        speedups.weighted_square_sum({"a": 1.0}, table.weights)
    table.n = 4
    assert table.weights["a"] == math.log(5) + 1.0


# ---- TermBag: a story's text bags as C data (termbag.c) ----

class _Term(str):
    """A str subclass as a term: hashed and compared as its text."""


class _Loud(str):
    """A str subclass with its own hash and equality (Python code runs for them)."""

    def __hash__(self) -> int:
        return hash(str(self)) ^ 1

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and str(self) == str(other)


class _Same(str):
    """A str subclass hashed as its text, with its own equality (Python code runs)."""

    def __hash__(self) -> int:
        return str.__hash__(self)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, str) and str(self) == str(other)


def _grown_pair(seed: int, n: int = 400) -> tuple:
    """A TermBag and a dict grown alike (bag[t] = bag.get(t, 0.0) + w, as the references
    grow a story's bags), terms of many kinds among them."""
    rng = random.Random(seed)
    terms: list = [f"t{i}" for i in range(n // 3)] + [_Term(f"t{i}") for i in range(5)] + [
        _Term(f"u{i}") for i in range(5)] + [_Loud(f"v{i}") for i in range(3)] + [
        _Same(f"t{i}") for i in range(3, 6)] + [_Same(f"w{i}") for i in range(3)] + [7, 2.5, ("a", 1), None]
    bag, plain = speedups.TermBag(), {}
    for _ in range(n):
        t = rng.choice(terms)
        w = rng.choice([0.5, 1e-3, 2.0 / 3.0, -0.0, 3, rng.random()])
        bag[t] = bag.get(t, 0.0) + w
        plain[t] = plain.get(t, 0.0) + w
    return bag, plain


@pytest.mark.parametrize("seed", range(6))
def test_a_term_bag_is_the_dict_it_stands_for(seed: int) -> None:
    bag, plain = _grown_pair(seed)
    assert len(bag) == len(plain) and list(bag) == list(plain) and bag.keys() == list(plain.keys())
    assert [(k, math.copysign(1, v), v) for k, v in bag.items()] == [
        (k, math.copysign(1, v), v) for k, v in plain.items()]  # bit for bit, -0.0 kept
    assert all(type(v) is float for v in bag.values())
    assert bag == plain and plain == bag and not (bag != plain) and bag == bag.copy()
    assert type(bag.copy()) is speedups.TermBag and list(bag.copy().items()) == list(bag.items())
    for t in plain:
        assert t in bag and bag[t] == plain[t] and bag.get(t) == plain[t]
    assert "nope" not in bag and bag.get("nope") is None and bag.get("nope", 1) == 1
    with pytest.raises(KeyError):
        bag["nope"]
    with pytest.raises(TypeError):
        bag[[1]]  # unhashable, as a dict says
    with pytest.raises(TypeError):
        del bag["t1"]  # a story's bag never loses a term
    with pytest.raises(TypeError):
        bag["t1"] = "heavy"
    other = dict(plain)
    other["t1"] = other.get("t1", 0.0) + 1.0
    assert bag != other
    assert deepcopy(bag) == bag and type(deepcopy(bag)) is speedups.TermBag
    assert speedups.TermBag(plain) == bag and speedups.TermBag(list(plain.items())) == bag
    assert repr(speedups.TermBag({"a": 1.0})) == "TermBag({'a': 1.0})"


def test_a_term_bag_s_snapshot_and_version_follow_its_writes() -> None:
    bag = speedups.TermBag({"a": 1.0})
    version, snapshot = bag.version, bag.as_dict()
    assert snapshot == {"a": 1.0} and bag.as_dict() is snapshot  # kept while unwritten
    bag["b"] = 2.0
    assert bag.version != version and bag.as_dict() is not snapshot and bag.as_dict() == {"a": 1.0, "b": 2.0}
    version = bag.version
    speedups.add_into(bag, {"a": 0.5}, None, None)
    assert bag.version != version and bag["a"] == 1.5
    assert speedups.TermBag().version != speedups.TermBag().version  # never two alike


def test_a_term_bag_holds_a_key_that_holds_it() -> None:
    import gc
    import weakref

    class Holder:
        pass

    bag, key = speedups.TermBag(), Holder()
    key.bag = bag  # type: ignore[attr-defined]
    bag[key] = 1.0
    gone = weakref.ref(key)
    del key, bag
    gc.collect()
    assert gone() is None  # the cycle traversed and collected


@pytest.mark.parametrize("seed", range(6))
def test_the_bag_loops_read_a_term_bag_as_the_equal_dict(seed: int) -> None:
    rng = random.Random(seed)
    bag, plain = _grown_pair(seed, 300)
    plain_terms = [t for t in plain if isinstance(t, str)]
    idf = {t: rng.random() * 3 for t in plain_terms}
    bag = speedups.TermBag({t: v for t, v in bag.items() if isinstance(t, str)})
    plain = {t: v for t, v in plain.items() if isinstance(t, str)}
    vec = {t: rng.random() for t in rng.sample(plain_terms, min(len(plain_terms), 4 + seed * 20))}
    vec["absent"] = 1.0
    idf["absent"] = 1.0
    norm = math.sqrt(sum(v * v for v in vec.values()))
    for name in ("all", "title"):
        norms_bag: dict = {}
        norms_plain: dict = {}
        got = speedups.story_cosine(vec, norm, bag, norms_bag, name, idf)
        want = speedups.story_cosine(vec, norm, plain, norms_plain, name, idf)
        assert got == want and norms_bag == norms_plain
    assert speedups.weighted_square_sum(bag, idf) == speedups.weighted_square_sum(plain, idf)
    assert speedups.weighted_dot(bag, vec, idf) == speedups.weighted_dot(plain, vec, idf)
    assert speedups.weighted_dot(vec, bag, idf) == speedups.weighted_dot(vec, plain, idf)
    # growing: a dict part and a TermBag part into a TermBag, as into the equal dict
    grown, grown_plain = bag.copy(), dict(plain)
    for part in (vec, speedups.TermBag(vec)):
        squared = speedups.add_into(grown, part, idf, 2.0)
        assert squared == speedups.add_into(grown_plain, dict(part), idf, 2.0)
    assert list(grown.items()) == list(grown_plain.items())


def test_a_stream_of_term_bag_stories_is_the_stream_of_dict_stories(monkeypatch: pytest.MonkeyPatch) -> None:
    from storyline.cluster import features
    from storyline.cluster.online import OnlineClusterer

    def run() -> tuple:
        clusterer = OnlineClusterer()
        for article in _stream(240, seed=5):
            clusterer.add(article)
        streamed = dict(clusterer.labels_)
        clusterer.refine()
        bags = [(sid, [list(getattr(story, name).items()) for name in ("title", "body", "all", "entities", "year_bag")],
                 [list(story.kinds[kind].items()) for kind in features.KINDS],
                 sorted(story._norms.items()), sorted(story.top_entities()))
                for sid, story in clusterer.stories_.items()]
        return streamed, dict(clusterer.labels_), bags

    compiled = run()
    new = features.StoryFeatures()
    assert all(type(bag) is speedups.TermBag
               for bag in (new.title, new.entities, new.year_bag, *(new.kinds[kind] for kind in features.KINDS)))
    monkeypatch.setattr(features, "_StoryBag", dict)
    assert type(features.StoryFeatures().all) is dict
    assert run() == compiled
    assert len(set(compiled[1].values())) > 5


def test_the_entity_loops_read_a_term_bag_story_as_the_dict_story() -> None:
    """top_entities_of, story_keys and article_norms of a story whose entities and year
    bag are TermBags against the same story of dicts (ties, -0.0, NaN, str subclasses)."""
    from storyline.cluster import features, refine
    from storyline.cluster.features import DocumentFrequencies, StoryFeatures

    class Name(str):
        pass

    rng = random.Random(11)
    df = DocumentFrequencies()
    for seed in range(40):
        names = [f"{rng.choice(features.KINDS)}n{i}" for i in range(rng.randrange(0, 14))]
        if seed % 5 == 0:
            names.append(Name("p:odd"))
        entities = {name: rng.choice([1.0, 2.0, -0.0, rng.random() * 3, math.nan if seed % 7 == 0 else 0.5])
                    for name in names}
        years = {f"y{rng.randrange(3)}": 1.0} if seed % 2 else {}
        stories = []
        for bag_type in (speedups.TermBag, dict):
            story = StoryFeatures()
            story.size = 1 + seed % 3
            story.title = bag_type({"w1": 1.0, "w2": 2.0})
            story.body = bag_type({"w2": 1.0, "w3": 3.0})
            story.all = bag_type({"w1": 1.0, "w2": 3.0, "w3": 3.0})
            story.entities = bag_type(entities)
            story.year_bag = bag_type(years)
            story.kinds = {kind: bag_type({t: v for t, v in entities.items() if t[:2] == kind})
                           for kind in features.KINDS}
            stories.append(story)
        on_bags, on_dicts = stories
        assert speedups.top_entities_of(on_bags) == speedups.top_entities_of(on_dicts)
        if seed % 7:  # (a NaN weight sorts otherwise in Python's sorted)
            on_dicts._top = features._NO_TOP
            assert speedups.top_entities_of(on_bags) == features._KERNEL_REFERENCE["top_entities_of"](on_dicts)
        assert speedups.story_keys(on_bags, 2) == speedups.story_keys(on_dicts, 2) \
            == refine._REFERENCE["story_keys"](on_dicts, 2)
        for story in stories:
            story._top = features._NO_TOP
        if seed % 7:
            got = speedups.article_norms(on_bags, df)
            want = speedups.article_norms(on_dicts, df)
            def plain(values: tuple) -> list:
                return [value for value in values if type(value).__name__ != "PyCapsule"]

            assert repr(plain(got)) == repr(plain(want))


# ---- the stream's step in one call (online.c: add_to_stream) ----


def _glue_features(n: int, seed: int = 5) -> list:
    """Features of a synthetic stream (_stream), every fourth with a body past what the
    stream keeps (pruned), and a few headlines with an embedding (the semantic path)."""
    from dataclasses import replace

    import numpy as np

    from storyline.cluster.features import KEEP_BODY_TERMS, featurize

    rng = random.Random(seed)
    out = []
    for i, article in enumerate(_stream(n, seed)):
        f = featurize(article)
        if i % 4 == 1:
            f = replace(f, body={**f.body, **{f"extra{k}": 1.0 + rng.random() for k in range(KEEP_BODY_TERMS + 5)}})
        if f.headline_only and i % 3 == 0:
            f = replace(f, embedding=np.full(4, 0.5, dtype=np.float32))
        out.append(f)
    return out


def _stream_state(clusterer) -> tuple:  # type: ignore[no-untyped-def]
    """Everything the stream's steps write: labels, stories and their sums, members, index,
    expiry heap, counters, corpus counts (None for an attribute the clusterer lacks)."""

    def bag(b) -> list:  # type: ignore[no-untyped-def]
        return list(b.items())

    def story(s) -> tuple:  # type: ignore[no-untyped-def]
        return (s.size, bag(s.title), bag(s.body), bag(s.all), bag(s.entities), bag(s.year_bag),
                {k: bag(v) for k, v in s.kinds.items()}, dict(s.numbers), s.day_sum, s.day_n, s.first_day,
                s.last_day, s.last_seen, bag(s._norms), dict(s.years),
                None if s.embedding_sum is None else s.embedding_sum.tolist())

    def read(name, how=lambda value: value):  # type: ignore[no-untyped-def]
        return how(clusterer.__dict__[name]) if name in clusterer.__dict__ else None

    return (read("labels_", bag), read("stories_", lambda d: [(sid, story(s)) for sid, s in d.items()]),
            read("members_", lambda d: {sid: [f.id for f in m] for sid, m in d.items()}),
            read("_index", lambda i: sorted((k, sorted(v)) for k, v in i.holders().items())),
            read("_expiry", list), read("_next_id"), read("_arrivals"), read("_latest_day"),
            read("df_", lambda df: (df.n, bag(df.df), df.epoch)))


def _glue_run(make, features, *, restore_every: int = 0) -> tuple:  # type: ignore[no-untyped-def]
    clusterer = make()
    placed = []
    for i, f in enumerate(features):
        story = (i % 7) + 1 if restore_every and i % restore_every == 0 else None
        placed.append(clusterer.add_features(f, story=story))
    return placed, _stream_state(clusterer)


@pytest.mark.parametrize("options", [{}, {"min_idle_arrivals": 15, "window_days": 20},
                                     {"min_idle_arrivals": 0, "window_days": 0, "max_candidates": 2},
                                     {"weights": [0.3] * 18, "bias": -1.0, "headline_threshold": 0.2,
                                      "min_text_cosine": 0.0}])
def test_the_stream_step_leaves_the_state_its_reference_leaves(options: dict,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """add_to_stream in one call against its reference (OnlineClusterer's methods): the same
    stories, sums, index, expiry heap and counters, with pruned bodies, headlines with an
    embedding, restored memberships, expiry and detached stories."""
    import sys

    from storyline.cluster import online

    features = _glue_features(260)

    def make():  # type: ignore[no-untyped-def]
        return online.OnlineClusterer(**options)

    reference_code = online._REFERENCE["add_to_stream"].__code__
    for restore_every in (0, 5):
        handed: list = []  # the articles the compiled step handed to its reference

        def count(frame, event, arg, handed=handed):  # type: ignore[no-untyped-def]
            if event == "call" and frame.f_code is reference_code:
                handed.append(frame.f_locals["features"])

        sys.setprofile(count)
        try:
            compiled = _glue_run(make, features, restore_every=restore_every)
        finally:
            sys.setprofile(None)
        # only the headlines with an embedding not placed by the caller (the semantic model)
        assert 0 < len(handed) < len(features) // 5
        assert all(f.headline_only and f.embedding is not None for f in handed)
        with monkeypatch.context() as patch:
            patch.setattr(online, "add_to_stream", online._REFERENCE["add_to_stream"])
            assert _glue_run(make, features, restore_every=restore_every) == compiled
        assert len(set(compiled[0])) > 5


def test_the_stream_step_reads_online_s_constants_and_leaves_swapped_functions_to_the_reference(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The constants are read at each step (a patched one counts), and where online.py holds
    another retrieve_and_decide, count_article or add_article than the compiled one (a test's
    spy, the bench's references) the reference runs the article, calling it."""
    from storyline.cluster import features as features_module
    from storyline.cluster import online

    features = _glue_features(120)
    reference = online._REFERENCE["add_to_stream"]
    for name, value in (("MAX_KEY_SHARE", 0.001), ("FULL_COMPARE", 1), ("KEEP_BODY_TERMS", 3)):
        with monkeypatch.context() as patch:
            patch.setattr(online, name, value)
            compiled = _glue_run(online.OnlineClusterer, features)
            patch.setattr(online, "add_to_stream", reference)
            assert _glue_run(online.OnlineClusterer, features) == compiled, name
    for name, module in (("retrieve_and_decide", online), ("count_article", features_module),
                         ("add_article", features_module)):
        calls = []
        original = getattr(online, name)

        def spy(*args, _original=original, calls=calls):  # type: ignore[no-untyped-def]
            calls.append(args)
            return _original(*args)

        with monkeypatch.context() as patch:
            patch.setattr(online, name, spy)
            clusterer = online.OnlineClusterer()
            for f in features[:30]:
                clusterer.add_features(f)
        assert len(calls) >= 20, name
        assert module is online or getattr(module, name) is original


def test_the_stream_step_runs_a_subclass_s_own_methods(monkeypatch: pytest.MonkeyPatch) -> None:
    """A subclass that overrides _decide, _attach or _story, a class that reads a setting
    through a property, and an instance given a method of its own: the compiled step hands
    the article to the reference, which calls them."""
    from storyline.cluster import online

    features = _glue_features(60)
    calls: Counter = Counter()

    class Decides(online.OnlineClusterer):
        def _decide(self, f):  # type: ignore[no-untyped-def]
            calls["decide"] += 1
            return super()._decide(f)

    class Attaches(online.OnlineClusterer):
        def _attach(self, f, sid):  # type: ignore[no-untyped-def]
            calls["attach"] += 1
            super()._attach(f, sid)

    class Opens(online.OnlineClusterer):
        def _story(self, sid):  # type: ignore[no-untyped-def]
            calls["story"] += 1
            return super()._story(sid)

    class Expires(online.OnlineClusterer):
        def _expire(self) -> None:
            calls["expire"] += 1
            super()._expire()

    class Detaches(online.OnlineClusterer):
        def _detach(self, sid: int) -> None:
            calls["detach"] += 1
            super()._detach(sid)

    class ReadsThreshold(online.OnlineClusterer):
        @property
        def threshold(self) -> float:
            calls["threshold"] += 1
            return 0.5

        @threshold.setter
        def threshold(self, value: float) -> None:
            pass

    want = _glue_run(online.OnlineClusterer, features)
    for cls in (Decides, Attaches, Opens):
        assert _glue_run(cls, features) == want
    assert calls["decide"] == calls["attach"] == len(features) and calls["story"] == len(want[1][2])

    def expiring():  # type: ignore[no-untyped-def]
        return online.OnlineClusterer(min_idle_arrivals=3, window_days=2)

    want_expired = _glue_run(expiring, features)
    for cls in (Expires, Detaches):
        assert _glue_run(lambda cls=cls: cls(min_idle_arrivals=3, window_days=2), features) == want_expired
    assert calls["expire"] > 5 and calls["detach"] > 5
    monkeypatch.setattr(online, "add_to_stream", online._REFERENCE["add_to_stream"])
    threshold_want = _glue_run(ReadsThreshold, features)
    reads = calls.pop("threshold")
    monkeypatch.undo()
    assert _glue_run(ReadsThreshold, features) == threshold_want and calls["threshold"] == reads > 0

    clusterer = online.OnlineClusterer()
    clusterer._decide = lambda f: 41  # type: ignore[method-assign]
    assert [clusterer.add_features(f) for f in features[:3]] == [41, 41, 41]
    assert clusterer._next_id == 42
    # after the class changed: checked again
    monkeypatch.setattr(online.OnlineClusterer, "_decide", lambda self, f: 43)
    assert online.OnlineClusterer().add_features(features[0]) == 43
    monkeypatch.undo()
    assert _glue_run(online.OnlineClusterer, features) == want


def test_the_stream_step_fails_where_its_reference_fails() -> None:
    """Odd clusterers and arguments: a missing attribute raises the reference's exception at
    the same step (the state written before it the same), odd counters and containers are
    read as Python reads them, and the entry points check their arguments."""
    from storyline.cluster import online

    reference = online._REFERENCE["add_to_stream"]
    features = _glue_features(40)

    def outcome(step, clusterer, f, story=None) -> tuple:  # type: ignore[no-untyped-def]
        try:
            got = step(clusterer, f, story)
        except Exception as error:  # noqa: BLE001
            got = type(error)
        return got, _stream_state(clusterer)

    def pair(change) -> None:  # type: ignore[no-untyped-def]
        outcomes = []
        for step in (speedups.add_to_stream, reference):
            clusterer = online.OnlineClusterer()
            for f in features[:20]:
                clusterer.add_features(f)
            change(clusterer)
            outcomes.append([outcome(step, clusterer, f) for f in features[20:]])
        assert outcomes[0] == outcomes[1]

    for name in ("labels_", "_expiry", "min_idle_arrivals", "df_", "_latest_day", "members_", "_index",
                 "window_days", "max_candidates"):
        def drop(clusterer, name=name) -> None:  # type: ignore[no-untyped-def]
            clusterer.__dict__.pop(name)

        if name in ("df_", "_index", "members_"):
            with pytest.raises(AttributeError):
                speedups.add_to_stream(drop_from(online.OnlineClusterer(), name), features[0], None)
            continue
        pair(drop)
    pair(lambda c: setattr(c, "_arrivals", 7.5))  # a float counter: float heap entries
    pair(lambda c: setattr(c, "_next_id", 10**30))  # past a long long: compared as Python does
    # the expiry test's ints past a long long, or no ints: as Python computes it
    pair(lambda c: setattr(c, "_arrivals", 2**63 - 2))
    pair(lambda c: setattr(c, "_arrivals", -(2**63)))
    pair(lambda c: setattr(c, "_expiry", [(-(2**63), 1), *c._expiry]))
    pair(lambda c: setattr(c, "_expiry", [(-(2**70), 1), *c._expiry]))
    pair(lambda c: setattr(c, "_expiry", [(0.5, 1), *c._expiry]))
    pair(lambda c: setattr(c, "_expiry", [[3, 1], *c._expiry]))
    for bound in (2**70, 5.5, 5):
        pair(lambda c, bound=bound: setattr(c, "min_idle_arrivals", bound))
    # _expire's reads: odd heap entries, days and windows, stories gone from stories_
    for entry in ((-5, 1, 9), (-5,), [-5, 1], (-5, 10**6)):
        pair(lambda c, entry=entry: setattr(c, "_expiry", [entry, *c._expiry]))
    for window in (10**30, 0.5, -(2**70)):
        pair(lambda c, window=window: (setattr(c, "window_days", window), setattr(c, "min_idle_arrivals", 2)))
    pair(lambda c: (setattr(c, "_latest_day", 1e9), setattr(c, "min_idle_arrivals", 2)))
    pair(lambda c: (c.stories_.clear(), setattr(c, "min_idle_arrivals", 2)))
    pair(lambda c: (setattr(c, "members_", _NoisyDict(c.members_)), setattr(c, "min_idle_arrivals", 2)))
    pair(lambda c: setattr(c, "labels_", _NoisyDict(c.labels_)))
    pair(lambda c: setattr(c, "stories_", _NoisyDict(c.stories_)))
    pair(lambda c: setattr(c, "weights", None))
    with pytest.raises(TypeError):
        speedups.add_to_stream(online.OnlineClusterer(), features[0])
    with pytest.raises(TypeError):
        speedups.register_stream_glue({}, None, online.OnlineClusterer)
    # not a clusterer: the reference's AttributeError
    with pytest.raises(AttributeError):
        speedups.add_to_stream(object(), features[0], None)
    clusterer = online.OnlineClusterer()
    with pytest.raises(TypeError):
        speedups.add_to_stream(clusterer, features[0], "a story")  # "a story" >= 1
    assert clusterer._arrivals == 1 and clusterer.labels_ == {}


def drop_from(clusterer, name: str):  # type: ignore[no-untyped-def]
    clusterer.__dict__.pop(name)
    return clusterer


class _NoisyDict(dict):
    """A dict subclass whose reads and writes are Python code (they may run anything)."""

    def get(self, key, default=None):  # type: ignore[no-untyped-def]
        return super().get(key, default)

    def __setitem__(self, key, value) -> None:  # type: ignore[no-untyped-def]
        super().__setitem__(key, value)


def test_the_stream_step_reads_what_python_wrote_between_articles() -> None:
    """The compiled step keeps what it read of the clusterer while its dict is unchanged:
    attributes set from Python between articles (by specialised stores too) are read anew."""
    from storyline.cluster.online import OnlineClusterer

    features = _glue_features(120)
    clusterer = OnlineClusterer()
    for i, f in enumerate(features):
        clusterer._arrivals = 10**6 * (i + 1)
        clusterer._next_id = 500 + 2 * i
        story = clusterer.add_features(f)
        assert clusterer._arrivals == 10**6 * (i + 1) + 1
        assert clusterer._next_id == max(500 + 2 * i, story + 1)


# ---- decide: the stream's join decision (stream.c, compare.c) ----


def _decide_runs(articles: list, made: list, calls: list) -> list:
    """Each decide (compiled, then the reference) over fresh stories of ``made``: for each
    article, the outcome of each call (count, window, weights, bias, threshold) and the
    stories' norm caches after."""
    from storyline.cluster import online
    from storyline.cluster.features import DocumentFrequencies, StoryFeatures

    runs = []
    for decide in (speedups.decide, online._REFERENCE["decide"]):
        df = DocumentFrequencies()
        stories: dict[int, StoryFeatures] = {}
        for k, f in enumerate(made):
            df.add(f)
            stories[k] = StoryFeatures()
            stories[k].add(f, df=df)
        picked = [_outcome(decide, article, list(stories), stories, df, *call)
                  for article in articles for call in calls]
        runs.append((picked, [list(s._norms.items()) for s in stories.values()]))
    return runs


def test_decide_reads_headlines_and_bodies_as_the_reference() -> None:
    """decide reads its article's title + body as one vector only (no one-article story):
    a headline's (no body) is its title bag itself; an article of a body alone, of both,
    of neither, ranked (count below the candidates) or not, picks and caches as the
    reference does."""
    from dataclasses import replace

    from storyline.cluster.features import KINDS

    rng = random.Random(21)
    made = [_random_features(rng, i) for i in range(10)]
    made = [replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in KINDS}) for f in made]
    base = made[0]
    title = {"w1": 1.5, "w2": 2.0, "w3": 1.0}
    articles = [replace(base, title=title, body={}, headline_only=True),
                replace(base, title={}, body={"w1": 1.0, "w4": 2.5}),
                replace(base, title=title, body={"w2": 1.0, "w9": 3.0, "w1": 0.5}),
                replace(base, title={}, body={}, headline_only=True)]
    calls = [(count, 0.0, 400, [0.5] * 18, -1.0, 0.1) for count in (2, 20)]
    runs = _decide_runs(articles, made, calls)
    assert runs[0] == runs[1]
    assert any(p is not None for p in runs[0][0])


def test_decide_reads_its_models_weights_as_the_reference_when_they_change() -> None:
    """decide keeps the last two models' weights as doubles while their list or tuple holds
    the same float objects: a list changed in place between decides (an item replaced),
    weights of ints, of a float subclass, of the interaction model, two models taking
    turns, and too few weights (ValueError) decide as the reference does."""
    from dataclasses import replace

    from storyline.cluster.features import KINDS

    class Weight(float):
        pass

    rng = random.Random(23)
    made = [_random_features(rng, i) for i in range(8)]
    made = [replace(f, entities={k: v for k, v in f.entities.items() if k[:2] in KINDS}) for f in made]
    articles = [made[1], made[4]]
    weights = [0.5] * 18
    pairs = [0.1] * (18 + 18 * 17 // 2)
    calls = [(3, 0.0, 400, weights, -1.0, 0.5), (3, 0.0, 400, tuple(weights), -1.0, 0.5),
             (3, 0.0, 400, [-0.5] * 18, 1.0, 0.5), (3, 0.0, 400, weights, -1.0, 0.5),
             (3, 0.0, 400, [1] * 18, -1.0, 0.5), (3, 0.0, 400, [Weight(0.5)] * 18, -1.0, 0.5),
             (3, 0.0, 400, pairs, -1.0, 0.5), (3, 0.0, 400, [0.5] * 5, -1.0, 0.5)]
    first = _decide_runs(articles, made, calls)
    assert first[0] == first[1]
    assert ValueError in first[0][0]
    weights[0] = -40.0  # the same list, another value: read again
    second = _decide_runs(articles, made, calls)
    assert second[0] == second[1]
    assert second[0][0] != first[0][0]


def test_decide_reads_story_days_off_their_slots_as_the_reference() -> None:
    """decide's window test reads a story's day fields off its slots where they are exact
    ints or floats: days of one digit and of several (beyond 2**30, negative), float sums,
    a story of undated articles only (its day None: TypeError, as the reference raises)
    and fields of other numbers (Fraction) decide as the reference does."""
    from dataclasses import replace

    from storyline.cluster import online
    from storyline.cluster.features import KINDS, DocumentFrequencies, StoryFeatures

    rng = random.Random(29)
    made = [_random_features(rng, i) for i in range(6)]
    made = [replace(f, day=735000 + 30 * i, entities={k: v for k, v in f.entities.items() if k[:2] in KINDS})
            for i, f in enumerate(made)]
    article = replace(made[0], day=735050)
    calls = [(count, 0.0, window, [0.5] * 18, -1.0, 0.1) for count in (2, 9) for window in (40, 100.5)]
    for day_sum, day_n in ((735040, 1), (735040.5, 1), (2**40 + 3, 1500000), (-(2**31), -2), (Fraction(735045), 1),
                           (735000 * 3, 3), (0, 0)):
        runs = []
        for decide in (speedups.decide, online._REFERENCE["decide"]):
            df = DocumentFrequencies()
            stories: dict[int, StoryFeatures] = {}
            for k, f in enumerate(made[1:]):
                df.add(f)
                stories[k] = StoryFeatures()
                stories[k].add(f, df=df)
            stories[2].day_sum, stories[2].day_n = day_sum, day_n
            runs.append([_outcome(decide, article, list(stories), stories, df, *call) for call in calls])
        assert runs[0] == runs[1], (day_sum, day_n)


def test_decide_reads_norm_caches_changed_between_decides_as_the_reference() -> None:
    """The norms decide (and refinement) read of a story's norm cache are kept while the
    dict keeps its version: a norm replaced, deleted, the cache emptied, another put in its
    place, or the story replaced by a new one between decides, reads as the reference
    does (the same picks, the same caches after)."""
    from dataclasses import replace

    from storyline.cluster import online
    from storyline.cluster.features import KINDS, DocumentFrequencies, StoryFeatures

    rng = random.Random(31)
    made = [_random_features(rng, i) for i in range(8)]
    made = [replace(f, day=None, entities={k: v for k, v in f.entities.items() if k[:2] in KINDS}) for f in made]
    articles = made[:3]

    def meddle(step: int, stories: dict) -> None:
        story = stories[step % len(stories)]
        if step % 5 == 0:
            story._norms["title"] = 7.5
        elif step % 5 == 1:
            story._norms.pop("all", None)
        elif step % 5 == 2:
            story._norms.clear()
        elif step % 5 == 3:
            story._norms = {"n": story._norms.get("n"), "all": 0.25, "entities": 3}
        else:
            fresh = StoryFeatures()
            fresh.add(made[step % len(made)], df=df)
            stories[step % len(stories)] = fresh

    runs = []
    for decide in (speedups.decide, online._REFERENCE["decide"]):
        df = DocumentFrequencies()
        stories: dict[int, StoryFeatures] = {}
        for k, f in enumerate(made[3:]):
            df.add(f)
            stories[k] = StoryFeatures()
            stories[k].add(f, df=df)
        picked = []
        for step in range(15):
            for count in (2, 9):
                picked.extend(_outcome(decide, f, list(stories), stories, df, count, 0.0, 400, [0.5] * 18, -1.0, 0.1)
                              for f in articles)
            meddle(step, stories)
        runs.append((picked, [list(s._norms.items()) for s in stories.values()]))
    assert runs[0] == runs[1]


def test_decide_reads_kinds_changed_between_decides_as_the_reference() -> None:
    """A story's kinds dict is read through the same memo as its norms: a kind's bag
    replaced or deleted (KeyError where the article names someone of it) between decides
    reads as the reference does."""
    from dataclasses import replace

    from storyline.cluster import online
    from storyline.cluster.features import DocumentFrequencies, StoryFeatures

    base = replace(_random_features(random.Random(37), 0), title={"w1": 1.0, "w2": 2.0}, day=None)
    others = [replace(base, id=f"o{i}", entities={"p:ann": 1.0 + i, "o:acme": 2.0, "l:rome": 1.0}) for i in range(3)]
    article = replace(base, entities={"p:ann": 1.0, "o:acme": 1.0})
    runs = []
    for decide in (speedups.decide, online._REFERENCE["decide"]):
        df = DocumentFrequencies()
        stories: dict[int, StoryFeatures] = {}
        for k, f in enumerate(others):
            df.add(f)
            stories[k] = StoryFeatures()
            stories[k].add(f, df=df)
        picked = []
        for step in range(4):
            picked.append(_outcome(decide, article, list(stories), stories, df, 5, 0.0, 400, [0.5] * 18, -1.0, 0.1))
            story = stories[step % len(stories)]
            if step == 0:
                story.kinds["p:"] = {"p:bob": 4.0}
            elif step == 1:
                story.kinds["o:"] = {"o:acme": 9.0}
                story._norms.pop("o:", None)
            elif step == 2:
                del story.kinds["p:"]
        runs.append((picked, [list(s._norms.items()) for s in stories.values()]))
    assert runs[0] == runs[1]
    assert KeyError in runs[0][0]


# ---- refine: the pair loops' inline reads (storyline.cluster.refine, _c/refine.c) ----


class _Text(str):
    """A str subclass equal to its text, hashed as it (its __eq__ runs Python code)."""

    def __eq__(self, other: object) -> bool:
        return str(self) == other

    __hash__ = str.__hash__


class _Frozen(frozenset):
    pass


@pytest.mark.parametrize("seed", range(4))
def test_pair_scores_read_numbers_weekdays_and_months_of_any_set_type(seed: int,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The C reads frozensets inline (their sizes, their items without an iterator); sets,
    frozenset subclasses, str subclasses and empty ones score as the reference scores them."""
    from dataclasses import replace

    from storyline.cluster import refine

    rng = random.Random(seed)
    articles, clusterer = _pair_articles(rng)
    kinds = (frozenset, set, _Frozen, lambda items: frozenset(map(_Text, items)), lambda items: frozenset())
    mixed = []
    for f in articles:
        make = rng.choice(kinds)
        mixed.append(replace(f, numbers=make(f.numbers), weekdays=rng.choice(kinds)(f.weekdays),
                             months=make(f.months)))
    monkeypatch.setattr(refine, "pair_probability", refine._REFERENCE["pair_probability"])
    compiled, reference = refine.PairScores(clusterer), refine.PairScores(clusterer)
    for a in mixed:
        for b in mixed[:12]:
            assert speedups.pair_probability(compiled, a, b) == refine._REFERENCE["pair_probability"](reference, a, b)
    xs, ys = mixed[:5], mixed[5:11]
    fresh, fresh_reference = refine.PairScores(clusterer), refine.PairScores(clusterer)
    assert speedups.mean_probability(fresh, xs, ys, 0.0) == refine._REFERENCE["mean_probability"](
        fresh_reference, xs, ys, 0.0)


def test_the_norms_tuples_hold_what_the_references_give() -> None:
    """article_norms and text_norms (their tuples packed without a format string): floats,
    ints, a bool and the title side, as the references' items."""
    from storyline.cluster import refine
    from storyline.cluster.features import single_story

    rng = random.Random(3)
    articles, clusterer = _pair_articles(rng)
    for f in articles[:10]:
        story = single_story(f)
        for compiled, reference in ((speedups.article_norms(story, clusterer.df_),
                                     refine._REFERENCE["article_norms"](story, clusterer.df_)),
                                    (speedups.text_norms(story, clusterer.df_),
                                     refine._REFERENCE["text_norms"](story, clusterer.df_))):
            assert len(compiled) == len(reference)
            assert [type(v) for v in compiled[:-1]] == [type(v) for v in reference[:-1]]
            assert compiled[:-1] == reference[:-1]


def _time_clusterer(rng: random.Random, window: object) -> object:
    """A clusterer's stories and window as near_in_time reads them: dated stories (int and
    float day sums, one past 2**53), undated ones, StoryFeatures and plain objects."""
    from dataclasses import replace
    from types import SimpleNamespace

    from storyline.cluster.features import single_story

    stories: dict[int, object] = {}
    for sid in range(30):
        day_n = rng.choice([0, 0, 1, 2, 5])
        day_sum: object = sum(rng.randint(735_000, 735_400) for _ in range(day_n))
        if day_n and rng.random() < 0.3:
            day_sum = float(day_sum) + rng.random()
        if day_n and sid == 7:
            day_sum = 2**60 + 3  # an int no double holds exactly: Python's division
        if rng.random() < 0.5:
            story = single_story(replace(_random_features(rng, sid), entities={}))
            story.day_sum, story.day_n = day_sum, day_n
        else:
            story = SimpleNamespace(day_sum=day_sum, day_n=day_n)
        stories[sid] = story
    return SimpleNamespace(stories_=stories, window_days=window)


@pytest.mark.parametrize("seed", range(6))
def test_near_in_time_matches_its_reference(seed: int) -> None:
    from fractions import Fraction

    from storyline.cluster import refine

    rng = random.Random(seed)
    reference = refine._REFERENCE["near_in_time"]
    for window in (30, 30.5, 0, Fraction(61, 2), 2**60):
        clusterer = _time_clusterer(rng, window)

        def years_apart(c: object, a: int, b: int) -> object:
            return rng.choice([0, 1, "", "yes", None])

        for _ in range(40):
            sid = rng.randrange(30)
            others = rng.sample(range(30), rng.randint(0, 8)) + rng.choice([[], [sid]])
            state = rng.getstate()
            got = speedups.near_in_time(clusterer, sid, others, years_apart)
            rng.setstate(state)  # the same answers from years_apart, in the same order
            assert got == reference(clusterer, sid, others, years_apart)
            rng.setstate(state)
            assert speedups.near_in_time(clusterer, sid, tuple(others), years_apart) == got
    assert refine.near_in_time is speedups.near_in_time  # what refinement calls


def test_near_in_time_raises_what_its_reference_raises() -> None:
    from types import SimpleNamespace

    from storyline.cluster import refine

    reference = refine._REFERENCE["near_in_time"]
    dated, undated = SimpleNamespace(day_sum=10, day_n=1), SimpleNamespace(day_sum=0, day_n=0)

    def never(c: object, a: int, b: int) -> bool:
        return False

    def broken(c: object, a: int, b: int) -> bool:
        raise ValueError("no years")

    for near in (speedups.near_in_time, reference):
        clusterer = SimpleNamespace(stories_={1: dated, 2: undated}, window_days=5)
        with pytest.raises(KeyError):
            near(clusterer, 3, [1], never)
        with pytest.raises(KeyError):
            near(clusterer, 1, [2, 4], never)
        with pytest.raises(ValueError):
            near(clusterer, 1, [2], broken)
        with pytest.raises(TypeError):
            near(SimpleNamespace(stories_={1: dated, 2: SimpleNamespace(day_sum="x", day_n=1)}, window_days=5),
                 1, [2], never)
        assert near(clusterer, 2, [1, 2], never) == [1]
    with pytest.raises(TypeError):
        speedups.near_in_time(SimpleNamespace(stories_=[], window_days=5), 1, [], never)

    # a years test that empties the list it is walked from: the walk ends there, as a for loop's
    def emptying(c: object, a: int, b: int) -> bool:
        others.clear()
        return False

    for near in (speedups.near_in_time, reference):
        others = [2, 1]
        assert near(SimpleNamespace(stories_={1: dated, 2: undated}, window_days=5), 1, others, emptying) == [2]


# ---- speed round 5, add: a story's sums grown in place (termbag.c's one search per term
# and room made per part, bags.c's inline add_weight, terms.c's dict_next and the weights
# read again per count) ----


class _SameHash(str):
    """A str that hashes as its text but compares by its own __eq__ (equal to that text)."""

    def __eq__(self, other: object) -> bool:
        return str(self) == other

    __hash__ = str.__hash__


@pytest.mark.parametrize("seed", range(6))
def test_a_term_bag_grows_as_the_dict_it_stands_for_part_by_part(seed: int) -> None:
    # parts of every size into bags of every size (room made per part, new terms put where
    # their search ended), with and without a norm, an IDF table or a dict; keys that are
    # no exact str (an equal str subclass, ints) take the compared path
    table, reference = _idf_pair()
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(400)]
    bag, plain = speedups.TermBag(), {}
    plain_idf = {w: 1.5 for w in words} | {k: 0.5 for k in range(60)}
    squared_c = squared_r = 0.0
    for step in range(60):
        part = {w: rng.choice([1.0, 0.5, rng.random() * 3]) for w in rng.sample(words, rng.choice([1, 3, 9, 40, 120]))}
        if step % 7 == 3:
            part[_SameHash(rng.choice(words))] = 2.0  # equal to a str key: the same entry
            part[step] = 1.5  # an int key
        with_norm = step % 3 != 0
        idf_c, idf_r = (table.weights, reference.weights) if step % 2 else (plain_idf, plain_idf)
        if with_norm:
            squared_c = speedups.add_into(bag, part, idf_c, squared_c)
            squared_r = _reference("add_into")(plain, part, idf_r, squared_r)
            assert squared_c == squared_r
        else:
            assert speedups.add_into(bag, part, None, None) is None
            _reference("add_into")(plain, part, None, None)
        assert list(bag.items()) == list(plain.items())
        assert [type(k) for k in bag] == [type(k) for k in plain]
    assert len(bag) > 300


def test_the_bag_loops_walk_dicts_of_every_layout() -> None:
    # dict_next: a dict with removed items (holes), one with keys that are no str, a dict
    # subclass and an instance's __dict__ (a split table): each walked as its items() are
    class Holder:
        pass

    holed = {f"w{i}": float(i) for i in range(30)}
    for i in range(0, 30, 3):
        del holed[f"w{i}"]
    general = {"w1": 1.0, 2: 2.0, ("w", 3): 0.5, "w4": 4.0}
    sub = type("Sub", (dict,), {})(w1=1.0, w5=5.0)
    holder = Holder()
    holder.w1, holder.w2, holder.w7 = 1.0, 2.0, 7.0
    split = vars(holder)
    idf = _Idf({"w1": 0.5, 2: 1.5, ("w", 3): 2.5})  # (the str terms missing are computed)
    for part in (holed, general, sub, split, {}):
        items = list(part.items())
        for loops in (speedups, None):
            add_into = loops.add_into if loops else _reference("add_into")
            bag: dict = {"w1": 1.0}
            squared = add_into(bag, part, _Idf(idf), 2.0)
            if loops:
                term_bag = speedups.TermBag({"w1": 1.0})
                assert speedups.add_into(term_bag, part, _Idf(idf), 2.0) == squared
                assert list(term_bag.items()) == list(bag.items())
            assert list(bag.items())[1:] == [(t, w) for t, w in items if t != "w1"]
        assert speedups.add_into({"w1": 1.0}, part, _Idf(idf), 2.0) == \
            _reference("add_into")({"w1": 1.0}, part, _Idf(idf), 2.0)
        assert speedups.weighted_square_sum(part, _Idf(idf)) == _reference("weighted_square_sum")(part, _Idf(idf))
        assert speedups.square_sum(part) == _reference("square_sum")(part)
        assert list(speedups.best_terms(part, _Idf(idf), 3).items()) == \
            list(_reference("best_terms")(part, _Idf(idf), 3).items())
        counts_c, counts_r = Counter({"w1": 2}), Counter({"w1": 2})
        speedups.count_terms(counts_c, (part, holed, general))
        _reference("count_terms")(counts_r, (part, holed, general))
        assert list(counts_c.items()) == list(counts_r.items())
        table, reference = _idf_pair()
        speedups.count_terms(table.df, (part, general))
        _reference("count_terms")(reference.df, (part, general))
        assert list(table.df.items()) == list(reference.df.items())


def test_weights_read_again_at_each_corpus_size_are_the_reference_caches() -> None:
    # term_refresh keeps the weights of small counts per corpus size: counts below and
    # above what it keeps, read at sizes that change between reads and within an epoch,
    # through the C loops (inline, and again at an entry of an older epoch) and Python
    from types import SimpleNamespace

    from storyline.cluster import features

    rng = random.Random(5)
    table, reference = _idf_pair()
    common = [f"c{i}" for i in range(8)]  # counted in most articles: counts past 64
    words = [f"w{i}" for i in range(200)]
    count = features._KERNEL_REFERENCE["count_article"]
    for step in range(400):
        f = SimpleNamespace(title={w: 1.0 for w in rng.sample(common, 6)},
                            body={w: 1.0 for w in rng.sample(words, rng.randrange(1, 20))},
                            entities={}, years={})
        speedups.count_article(table, f)
        count(reference, f)
        if step % 3 == 0:
            bag = {w: rng.random() for w in rng.sample(common + words, 30)}
            assert speedups.best_terms(bag, table.weights, 10) == \
                _reference("best_terms")(bag, reference.weights, 10)
            assert speedups.weighted_square_sum(bag, table.weights) == \
                _reference("weighted_square_sum")(bag, reference.weights)
        if step % 5 == 0:
            term = rng.choice(common + words)
            assert table.weights[term] == reference.weights[term]
    _same_idf(table, reference)
    assert max(table.df[c] for c in common) > 64 and table.epoch > 10


def test_add_bags_finds_norms_under_keys_equal_to_its_names() -> None:
    # dict_get_str: a norm cached under a str equal to the bag's name but another object
    # (made at run time, not interned), beside keys of other hashes, in norms of many keys
    # and in norms with a key that is no str, as the reference's lookups find it
    from storyline.cluster.features import _BAG_NAMES

    def made(text: str) -> str:
        return "".join(list(text))  # equal, not the same object

    idf = {"t": 2.0, "u": 0.5, "p:x": 1.5}
    many = {f"x{i}": 1.0 for i in range(20)}
    for extra in ({}, many, {3: 1.0}):
        norms = [{"n": 17, made("title"): 2.5, made("all"): 1.5, made("p:"): 3.0, made("years"): 1.0} | extra
                 for _ in range(2)]
        for loops, n in zip((speedups, None), norms, strict=True):
            add = loops.add_bags if loops else _reference("add_bags")
            bags = ({"t": 1.0}, {}, {"t": 1.0}, {"t": 1.0}, {"p:x": 1.0}, {})
            add(n, idf, _BAG_NAMES, bags, ({"t": 1.0, "u": 2.0}, {}, {"t": 1.0, "u": 2.0}, {}, {"p:x": 1.0}, {}),
                {"p:": {}, "l:": {}, "o:": {}}, {"p:x": 1.0})
        assert list(norms[0].items()) == list(norms[1].items())


def test_a_storys_counts_and_day_sums_add_as_the_reference_for_ints_of_every_size() -> None:
    # add_to_attr: ints of one digit or none (negative, zero) added in the slot straight,
    # larger ones and a class with its own __setattr__ as getattr and setattr add them
    from dataclasses import replace

    from storyline.cluster.features import _KERNEL_REFERENCE, StoryFeatures, add_article

    class Watched(StoryFeatures):
        __slots__ = ("sets",)

        def __setattr__(self, name: str, value: object) -> None:
            object.__setattr__(self, name, value)
            if name != "sets":
                object.__setattr__(self, "sets", getattr(self, "sets", 0) + 1)

    days = [-3, 0, 5, -(2**30) + 1, 2**30 - 1, 2**30, 2**40, -1, 7]
    for cls in (StoryFeatures, Watched):
        stories = []
        for add in (add_article, _KERNEL_REFERENCE["add_article"]):
            story = cls()
            for k, day in enumerate(days * 3):
                f = replace(_random_features(random.Random(k), 0), day=day, entities={"p:n1": 1.0})
                add(story, f, k, None)
            stories.append(story)
        compiled, reference = stories
        for name in ("size", "day_sum", "day_n", "first_day", "last_day", "last_seen"):
            assert getattr(compiled, name) == getattr(reference, name)
            assert type(getattr(compiled, name)) is type(getattr(reference, name))
        if cls is Watched:
            assert compiled.sets > 3 * len(days)  # its __setattr__ ran for each sum


def test_a_storys_years_are_found_under_keys_equal_to_the_year() -> None:
    # dict_get_small_int: a year counted under the same int, an equal int made anew, a float
    # or a bool of its value (found by the lookup), zero, and a Counter of many years
    from dataclasses import replace

    from storyline.cluster.features import _KERNEL_REFERENCE, StoryFeatures, add_article

    def made(value: int) -> int:
        return int(str(value))  # equal, another object where not a small int

    starts = [{}, {made(2014): 2}, {2014.0: 3}, {True: 1, 0: 2}, {y: 1 for y in range(1990, 2010)}, {2**40: 1}]
    for start in starts:
        for year in (2014, made(2014), 1, 0, 1995, 2**40):
            stories = []
            for add in (add_article, _KERNEL_REFERENCE["add_article"]):
                story = StoryFeatures()
                story.years = Counter(start)
                for k in range(3):
                    add(story, replace(_random_features(random.Random(k), 0), year=year, entities={"p:n1": 1.0}), k, None)
                stories.append(story)
            compiled, reference = stories
            assert list(compiled.years.items()) == list(reference.years.items())
            assert [type(k) for k in compiled.years] == [type(k) for k in reference.years]


# ---- round 6, inputs: featurize reads the model's records at their slots' offsets ----


def _record_fields(made: object) -> list:
    import dataclasses

    values = [getattr(made, field.name) for field in dataclasses.fields(made)]  # type: ignore[arg-type]
    return [list(v.items()) if isinstance(v, dict) else v.tobytes() if hasattr(v, "tobytes") else v for v in values]


def _same_as_reference(annotated: object) -> None:
    from storyline.cluster import features

    try:
        want = _record_fields(features._REFERENCE["featurize"](annotated))
    except (AttributeError, TypeError) as error:
        with pytest.raises(type(error)):
            speedups.featurize(annotated)
        return
    assert _record_fields(speedups.featurize(annotated)) == want


def _as_class(cls: type, record: object) -> object:
    """A record's fields set in a new instance of ``cls`` (a subclass of its class) through its
    class's slots, without __init__ (which a subclass's property without setter refuses)."""
    import dataclasses

    made = object.__new__(cls)
    for field in dataclasses.fields(record):  # type: ignore[arg-type]
        type(record).__dict__[field.name].__set__(made, getattr(record, field.name))
    return made


def _inputs_article() -> object:
    from datetime import date

    from storyline.model import AnnotatedArticle, Article, DateMention, Entity

    article = Article(id="a", source="t", title="Fishermen rescued off Cadiz on Friday",
                      text="Two fishermen were rescued off Cadiz on Friday, March 2, 2014. Ann Lee of Acme said so.",
                      url="http://x.com/2014/03/02/a-b-c", published=date(2014, 3, 3), published_by="meta")
    return AnnotatedArticle(article=article,
                            entities=(Entity("12", "CARDINAL", "12", 0, 3), Entity("Cadiz", "GPE", "Cadiz", 4, 9),
                                      Entity("Ann Lee", "PERSON", "Ann Lee", 10, 17), Entity("Acme", "ORG", "Acme", 20, 24),
                                      Entity("2014", "DATE", "2014", 30, 34)),
                            dates=(DateMention("March 2, 2014", date(2014, 3, 2), 40, 53),
                                   DateMention("2012", date(2012, 1, 1), 60, 64, "year")),
                            event_date=date(2014, 3, 2), embedding=(0.6, 0.8))


def test_featurize_reads_records_of_other_classes_as_getattr_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """The compiled featurize reads the model's records (slots) at their offsets, learnt per
    class: duck-typed records with instance dicts, subclasses that read a field through a
    property, __getattr__ or __getattribute__, records of several classes in turn, an unset
    slot and a class changed after its offsets were learnt read as getattr reads them."""
    import dataclasses
    from datetime import date
    from types import SimpleNamespace

    from storyline.model import AnnotatedArticle, Article, DateMention, Entity

    annotated = _inputs_article()
    _same_as_reference(annotated)

    def duck(record: object) -> object:
        """A plain object (an instance dict) with the record's fields, records within made so too."""
        fields = {f.name: getattr(record, f.name) for f in dataclasses.fields(record)}  # type: ignore[arg-type]
        for name, value in fields.items():
            if dataclasses.is_dataclass(value):
                fields[name] = duck(value)
            elif isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
                fields[name] = tuple(duck(v) for v in value)
        if isinstance(record, Article):  # its properties, as the model defines them
            fields["headline_only"] = record.headline_only
            fields["publication_day"] = record.publication_day
        return SimpleNamespace(**fields)

    _same_as_reference(duck(annotated))
    _same_as_reference(annotated)  # the model's classes again, after the sites learnt others
    _same_as_reference(dataclasses.replace(annotated, article=duck(annotated.article)))  # type: ignore[arg-type]

    class Shouting(Entity):
        @property
        def canonical(self) -> str:  # type: ignore[override]
            return self.text.upper() + "!"

    class Missing(Entity):
        def __getattr__(self, name: str) -> object:
            return "Acme"

    class Counting(Entity):
        reads = 0

        def __getattribute__(self, name: str) -> object:
            type(self).reads += 1
            return object.__getattribute__(self, name)

    unset = object.__new__(Entity)
    object.__setattr__(unset, "label", "ORG")  # canonical never set
    for cls in (Shouting, Missing, Counting):
        ents = tuple(_as_class(cls, e) for e in annotated.entities)
        mixed = tuple(e if k % 2 else c for k, (e, c) in enumerate(zip(annotated.entities, ents, strict=True)))
        for entities in (ents, mixed, mixed[::-1]):
            _same_as_reference(dataclasses.replace(annotated, entities=entities))
    assert Counting.reads > 0
    _same_as_reference(dataclasses.replace(annotated, entities=(*annotated.entities, unset)))
    no_label = object.__new__(Entity)
    _same_as_reference(dataclasses.replace(annotated, entities=(no_label,)))

    class Dated(DateMention):
        @property
        def value(self) -> date:  # type: ignore[override]
            return date(1999, 1, 1)

    class Later(date):
        @property
        def year(self) -> int:  # type: ignore[override]
            return 2031

    mention = DateMention("x", date(2014, 1, 1), 0, 1)
    for dates in ((_as_class(Dated, mention),), (DateMention("x", Later(2014, 1, 1), 0, 1),),
                  (mention, _as_class(Dated, mention))):
        _same_as_reference(dataclasses.replace(annotated, dates=dates))

    class Retitled(Article):
        def __getattribute__(self, name: str) -> object:
            return "Fishermen saved" if name == "title" else object.__getattribute__(self, name)

    _same_as_reference(dataclasses.replace(annotated, article=_as_class(Retitled, annotated.article)))

    class Wrapped(AnnotatedArticle):
        @property
        def entities(self) -> tuple:  # type: ignore[override]
            return ()

    _same_as_reference(_as_class(Wrapped, annotated))
    # a class changed after its offsets were learnt: read anew
    _same_as_reference(annotated)
    monkeypatch.setattr(Entity, "label", property(lambda self: "PERSON"))
    made = speedups.featurize(annotated)
    assert all(k.startswith("p:") for k in made.entities)
    _same_as_reference(annotated)
    monkeypatch.undo()
    _same_as_reference(annotated)
    assert speedups.featurize(annotated).numbers


def test_featurize_computes_the_model_articles_properties_as_model_py(monkeypatch: pytest.MonkeyPatch) -> None:
    """For a model.Article, featurize computes headline_only, publication_day and so
    event_date in C: the same as the properties and features.event_date for whitespace of
    every width around title and text (the stripped parts of other widths), str subclasses,
    year-bound, missing and odd days, a changed YEAR_BOUND_SOURCES; event_date itself is
    called only where the day is the URL's or the article is of another class."""
    import dataclasses
    from datetime import date

    from storyline import model
    from storyline.cluster import features
    from storyline.model import AnnotatedArticle, Article

    class Text(str):
        def strip(self, chars: str | None = None) -> str:  # type: ignore[override]
            return "Fishermen rescued"

    class Meta(str):
        pass

    base = _inputs_article()
    article = base.article  # type: ignore[attr-defined]
    spaces = ["", " ", "\t\n", "\u2003", "\u3000", "\x85", "\u2028", "\U0001f600"]  # (the last is no space)
    words = ["Fishermen rescued", "Fishermen rescuéd", "Fishermen rescued\u0101", "Fishermen \U0001f600 rescued", ""]
    for left in spaces:
        for right in spaces:
            for title_words in words:
                for text_words in words[:3]:
                    title = left + title_words + right
                    for text in (right + text_words, text_words + left, left + text_words + right, left + right):
                        _same_as_reference(dataclasses.replace(base, article=dataclasses.replace(
                            article, title=title, text=text)))
    odd = [dataclasses.replace(article, text=Text(" x ")), dataclasses.replace(article, title=Text("Fishermen rescued"),
                                                                              text="Fishermen rescued"),
           dataclasses.replace(article, title=None, text=" "), dataclasses.replace(article, title=None, text="x"),
           dataclasses.replace(article, text=None)]
    for by in ("", "meta", "copyright", "latest-year", Meta("copyright"), Meta("meta"), None, 3):
        for published in (date(2014, 3, 3), None, "2014-03-03"):
            odd.append(dataclasses.replace(article, published_by=by, published=published))
    odd.append(dataclasses.replace(article, published=None, url=None))
    for a in odd:
        for event in (None, date(2014, 3, 1), "soon"):
            _same_as_reference(dataclasses.replace(base, article=a, event_date=event))
    for bound in ({"meta"}, frozenset(), ("copyright",), None):
        monkeypatch.setattr(model, "YEAR_BOUND_SOURCES", bound)
        for a in odd[-6:]:
            _same_as_reference(dataclasses.replace(base, article=a))
        _same_as_reference(base)
    monkeypatch.undo()

    calls = []

    def event_date(annotated: AnnotatedArticle) -> date | None:
        calls.append(annotated)
        return features.event_date(annotated)

    reference = features._REFERENCE["article_features"]
    try:
        speedups.register_featurize(features._ARTICLE_SETTINGS, features.stop_words, event_date, reference, Article)
        made = speedups.featurize(base)
        assert not calls and made.day == date(2014, 3, 2).toordinal()
        undated = dataclasses.replace(base, article=dataclasses.replace(article, published=None))
        assert speedups.featurize(undated).day == date(2014, 3, 2).toordinal() and calls == [undated]
        monkeypatch.setattr(Article, "publication_day", property(lambda self: None))  # another property: called
        assert speedups.featurize(base).day == date(2014, 3, 2).toordinal() and len(calls) == 2
        monkeypatch.undo()
        del calls[:]
        Article.unrelated = 1  # type: ignore[attr-defined]  # a new version of the class, the same properties
        del Article.unrelated  # type: ignore[attr-defined]
        assert _record_fields(speedups.featurize(base)) == _record_fields(made) and not calls
        speedups.register_featurize(features._ARTICLE_SETTINGS, features.stop_words, event_date, reference, None)
        assert _record_fields(speedups.featurize(base)) == _record_fields(made) and calls == [base]
        with pytest.raises(TypeError):
            speedups.register_featurize(features._ARTICLE_SETTINGS, features.stop_words, event_date, reference, int)
        with pytest.raises(TypeError):
            speedups.register_featurize(features._ARTICLE_SETTINGS, features.stop_words, event_date, reference, "x")
    finally:
        speedups.register_featurize(features._ARTICLE_SETTINGS, features.stop_words, features.event_date, reference,
                                    Article)
    assert _record_fields(speedups.featurize(base)) == _record_fields(made)


# ---- speed round 6, refine: near_in_time reads the clusterer's attributes by names interned
# once; StoryViews looks its views up inline ----


def test_near_in_time_reads_the_clusterers_attributes_as_its_reference() -> None:
    # stories_ and window_days as properties (each read counted), a missing window, and a
    # str subclass' equal names nowhere involved: the same reads and results as the reference
    from types import SimpleNamespace

    from storyline.cluster import refine

    reference = refine._REFERENCE["near_in_time"]
    stories = {1: SimpleNamespace(day_sum=10, day_n=1), 2: SimpleNamespace(day_sum=30, day_n=1),
               3: SimpleNamespace(day_sum=0, day_n=0)}

    class Counted:
        def __init__(self) -> None:
            self.reads: list[str] = []

        @property
        def stories_(self) -> dict:
            self.reads.append("stories_")
            return stories

        @property
        def window_days(self) -> int:
            self.reads.append("window_days")
            return 5

    def never(c: object, a: int, b: int) -> bool:
        return False

    for sid in (1, 3):
        compiled, ref = Counted(), Counted()
        assert speedups.near_in_time(compiled, sid, [1, 2, 3], never) == reference(ref, sid, [1, 2, 3], never)
        assert compiled.reads == ref.reads
    for near in (speedups.near_in_time, reference):
        with pytest.raises(AttributeError):
            near(SimpleNamespace(stories_=stories), 1, [2], never)  # a dated story needs the window
        assert near(SimpleNamespace(stories_=stories), 3, [1, 2], never) == [1, 2]


def test_story_views_follow_a_story_as_it_grows_and_is_rebuilt() -> None:
    # keys, norms and text_norms (inline lookups) against views made anew each time: a story
    # grown in place gets new ones, one replaced by a new object too
    from dataclasses import replace

    from storyline.cluster import OnlineClusterer, refine

    rng = random.Random(5)
    clusterer = OnlineClusterer()
    articles = [replace(_random_features(rng, i), entities={f"p:n{i % 3}": 1.0}, keys=(f"w{i % 4}",))
                for i in range(12)]
    for f in articles:
        clusterer.add_features(f)
    # one views object per kind of view, each asked for that kind alone (one lookup cannot
    # stand in for another's)
    views = {kind: refine.StoryViews(clusterer) for kind in ("keys", "norms", "text_norms")}

    def fresh(sid: int, kind: str) -> object:
        return getattr(refine.StoryViews(clusterer), kind)(sid)

    for _ in range(3):
        for sid in list(clusterer.stories_):
            for kind, kept in views.items():
                got, want = getattr(kept, kind)(sid), fresh(sid, kind)
                assert (got == want) if kind == "keys" else (got[:-1] == want[:-1])
                assert getattr(kept, kind)(sid) is got
        sids = sorted(clusterer.stories_)
        if len(sids) > 1:  # a story grows in place, another is rebuilt as a new object
            refine._absorb(clusterer, sids[0], sids[1], {})
            members = clusterer.members_[sids[-1]]
            clusterer._detach(sids[-1])
            clusterer._attach_all(members, sids[-1])
        clusterer.add_features(replace(articles[_], id=f"extra{_}"))


def _views_clusterer() -> object:
    from dataclasses import replace

    from storyline.cluster import OnlineClusterer

    rng = random.Random(9)
    clusterer = OnlineClusterer()
    for i in range(14):
        f = replace(_random_features(rng, i), entities={f"p:n{i % 3}": 1.0}, keys=(f"w{i % 4}",))
        clusterer.add_features(f)
    return clusterer


def _same_view(got: object, want: object) -> bool:
    """Equal views: norms tuples less their last item (a capsule, made anew for each, or the
    reference's None), vectors slot by slot."""
    from storyline.cluster.features import ArticleVectors

    if isinstance(want, ArticleVectors):
        return type(got) is ArticleVectors and all(
            getattr(got, slot, None) == getattr(want, slot, None) for slot in ArticleVectors.__slots__)
    if isinstance(want, tuple) and want and (want[-1] is None or type(want[-1]).__name__ == "PyCapsule"):
        return type(got) is tuple and got[:-1] == want[:-1]
    return got == want


def test_compiled_story_views_match_the_reference() -> None:
    # each kind of view, the vectors with and without text_only, as the stories grow in place
    # and are rebuilt: the same views, each made once per story version
    from storyline.cluster import refine

    clusterer = _views_clusterer()
    compiled, reference = speedups.StoryViews(clusterer), refine._REFERENCE["StoryViews"](clusterer)
    assert compiled.clusterer is clusterer
    asks = [("keys", {}), ("norms", {}), ("text_norms", {}), ("vectors", {"text_only": True}), ("vectors", {})]
    for round_ in range(3):
        for sid in list(clusterer.stories_):
            for name, kw in asks[round_:] + asks[:round_]:
                got, want = getattr(compiled, name)(sid, **kw), getattr(reference, name)(sid, **kw)
                assert _same_view(got, want), (name, kw)
                assert getattr(compiled, name)(sid, **kw) is got
        sids = sorted(clusterer.stories_)
        refine._absorb(clusterer, sids[0], sids[1], {})
        members = clusterer.members_[sids[-1]]
        clusterer._detach(sids[-1])
        clusterer._attach_all(members, sids[-1])


def test_compiled_story_views_read_refines_globals_and_odd_input() -> None:
    from types import SimpleNamespace

    from storyline.cluster import refine

    clusterer = _views_clusterer()
    sid = next(iter(clusterer.stories_))
    seen: list = []

    def keys_of(story: object, most: object) -> tuple:
        seen.append(most)
        return ("k",)

    # the functions and constant of refine.py as they are when a view is made
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(refine, "story_keys", keys_of)
        patch.setattr(refine, "STORY_BODY_KEYS", 3)
        for views in (speedups.StoryViews(clusterer), refine._REFERENCE["StoryViews"](clusterer)):
            assert views.keys(sid) == ("k",) and views.keys(sid) == ("k",)
        assert seen == [3, 3]
    with pytest.MonkeyPatch.context() as patch:
        patch.delattr(refine, "article_norms")
        for views in (speedups.StoryViews(clusterer), refine._REFERENCE["StoryViews"](clusterer)):
            with pytest.raises(NameError):
                views.norms(sid)

    # a subclass' keys are what vectors reads
    class Keyed(speedups.StoryViews):
        def keys(self, sid: int) -> tuple:
            return ("w1",)

    assert Keyed(clusterer).vectors(sid).features.keys == ("w1",)

    # stories of odd sizes (a NaN is a new version each time), a mapping that is no dict,
    # missing stories and attributes, bad arguments
    class Sized:
        def __init__(self, size: object) -> None:
            self.size = size

    odd = {1: Sized(float("nan")), 2: Sized(2.0), 3: Sized("x"), 4: object()}

    class Stories(dict):
        def __missing__(self, sid: object) -> object:
            return odd[1]

    for views_type in (speedups.StoryViews, refine._REFERENCE["StoryViews"]):
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(refine, "story_keys", lambda story, most: (id(story), object()))
            for stories in (odd, Stories(odd)):
                views = views_type(SimpleNamespace(stories_=stories))
                assert views.keys(1) is not views.keys(1)  # nan != nan: made again
                assert views.keys(2) is views.keys(2) and views.keys(3) is views.keys(3)
                with pytest.raises(AttributeError):
                    views.keys(4)
                with pytest.raises(AttributeError):
                    views.norms(2)  # no df_
            assert views_type(SimpleNamespace(stories_=Stories(odd))).keys(99)[0] == id(odd[1])
            with pytest.raises(KeyError):
                views_type(SimpleNamespace(stories_=odd)).keys(99)
            with pytest.raises(TypeError):
                views_type(SimpleNamespace(stories_=odd)).keys([])  # unhashable
            with pytest.raises(AttributeError):
                views_type(SimpleNamespace())
    views = speedups.StoryViews(clusterer)
    for bad in ((), (sid, 1), (sid, sid)):
        with pytest.raises(TypeError):
            views.vectors(*bad)
    with pytest.raises(TypeError):
        views.vectors(sid, text=True)
    with pytest.raises(TypeError):
        speedups.StoryViews.__new__(speedups.StoryViews).keys(sid)
    # a cycle through the views is collected
    import gc
    import weakref

    class Holder:
        pass

    holder = Holder()
    holder.stories_ = {}
    holder.views = speedups.StoryViews(holder)
    gone = weakref.ref(holder)
    del holder
    gc.collect()
    assert gone() is None


def test_the_pair_loops_read_and_order_ids_as_the_reference() -> None:
    # ids read off ArticleFeatures' slot (its offset learnt per class and version), of a
    # subclass, a class whose id is a property or comes from __getattr__, a slot left unset;
    # ordered inline where both are ASCII: prefixes, one non-ASCII, str subclasses
    from dataclasses import replace

    from storyline.cluster import refine
    from storyline.cluster.features import ArticleFeatures

    rng = random.Random(3)
    articles, clusterer = _pair_articles(rng)

    class Sub(ArticleFeatures):
        __slots__ = ()

    class Id(str):
        pass

    names = ["a", "ab", "abc", "b", "a\u00e9", "\u00e9", "", "aa" * 20, "aa" * 20 + "\u4e2d", "B"]
    odd = [replace(articles[k % len(articles)], id=name) for k, name in enumerate(names)]
    odd.append(Sub(**{slot: getattr(articles[0], slot) for slot in ArticleFeatures.__slots__}))
    odd[-1] = replace(odd[-1], id="sub")  # (replace keeps the class)
    odd.append(replace(articles[1], id=Id("zz")))

    class Proxy:
        def __init__(self, f: ArticleFeatures, id_: str) -> None:
            self._f, self._id = f, id_

        def __getattr__(self, name: str) -> object:
            return self._id if name == "id" else getattr(self._f, name)

    class Prop:
        __slots__ = ("_f",)

        def __init__(self, f: ArticleFeatures) -> None:
            self._f = f

        @property
        def id(self) -> str:
            return "prop" + self._f.id

        def __getattr__(self, name: str) -> object:
            return getattr(self._f, name)

    assert type(odd[-2]) is Sub
    compiled, reference = refine.PairScores(clusterer), refine.PairScores(clusterer)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(refine, "pair_probability", refine._REFERENCE["pair_probability"])
        for xs, ys in ((odd[:6], odd[4:]), (odd, odd[::-1]), ([Proxy(articles[2], "px")], odd[:3]),
                       ([Prop(articles[3])], odd[5:9])):
            got = speedups.mean_probability(compiled, xs, ys, 0.0)
            assert got == refine._REFERENCE["mean_probability"](reference, xs, ys, 0.0)
            assert {k: list(row.items()) for k, row in compiled._cache.items()} == {
                k: list(row.items()) for k, row in reference._cache.items()}
            assert list(compiled._sides) == list(reference._sides)
    # the subclass changed once its slot's offset is learnt: its id a property now
    Sub.id = property(lambda self: "changed")  # type: ignore[assignment]
    compiled, reference = refine.PairScores(clusterer), refine.PairScores(clusterer)
    for scores, mean in ((compiled, speedups.mean_probability), (reference, refine._REFERENCE["mean_probability"])):
        mean(scores, [odd[-2]], odd[:3], 0.0)
    assert "changed" in compiled._cache["abc"] and list(compiled._cache) == list(reference._cache)
    unset = object.__new__(ArticleFeatures)
    for mean in (speedups.mean_probability, refine._REFERENCE["mean_probability"]):
        with pytest.raises(AttributeError):
            mean(refine.PairScores(clusterer), [articles[0]], [unset], 0.0)


def test_merge_scores_matches_its_reference() -> None:
    # merge_stories' loop over a story's candidates: each story with the others, with and
    # without the headline model, every or not, thresholds of either type, both views, a
    # scored mapping that is no dict; the same scores, cache and fallback calls in the same order
    from collections import UserDict

    from storyline.cluster import refine

    clusterer = _views_clusterer()
    sids = list(clusterer.stories_)
    model = clusterer.merge_model(headline=True)
    floor = clusterer.text_floor(headline=True)
    settings = [(0.5, 0.3, model, False), (1, 0.4, model, True), (0.2, 1.0, None, 1), (1.0, 1, model, "")]
    for threshold, headline_threshold, headline_model, every in settings:
        for scored_type in (dict, UserDict):
            results = []
            for merge_scores, views_type in ((speedups.merge_scores, speedups.StoryViews),
                                             (refine._REFERENCE["merge_scores"], refine._REFERENCE["StoryViews"])):
                views, scored, calls = views_type(clusterer), scored_type(), []

                def fallback(a: int, b: int, calls: list = calls) -> float:
                    calls.append((a, b))
                    return 0.25 + 0.01 * a

                found = []
                for sid in sids + sids[:3]:  # a second time: read from scored
                    others = [o for o in sids if o != sid][: 3 + sid % 4]
                    found.append(merge_scores(clusterer.stories_, sid, iter(others), every, threshold,
                                              headline_threshold, scored, views, clusterer, headline_model, floor,
                                              fallback))
                results.append((found, list(scored.items()), calls))
            compiled, reference = results
            assert compiled == reference
            assert any(found for found in compiled[0]) == (threshold < 1 or headline_threshold < 1 or bool(every))


def test_merge_scores_raises_what_its_reference_raises() -> None:
    from storyline.cluster import refine

    clusterer = _views_clusterer()
    sids = list(clusterer.stories_)
    headlines = [sid for sid in sids if not clusterer.stories_[sid].body]
    assert len(headlines) > 1
    model = clusterer.merge_model(headline=True)

    def broken(a: int, b: int) -> float:
        raise ValueError("no probability")

    def args(**changed: object) -> tuple:
        values = {"stories": clusterer.stories_, "sid": headlines[0], "others": [headlines[1]], "every": False,
                  "threshold": 0.5, "headline_threshold": 0.5, "scored": {}, "views": refine.StoryViews(clusterer),
                  "clusterer": clusterer, "headline_model": None, "floor": 0.1, "fallback": broken}
        values.update(changed)
        return tuple(values.values())

    for merge_scores in (speedups.merge_scores, refine._REFERENCE["merge_scores"]):
        with pytest.raises(ValueError):
            merge_scores(*args())
        with pytest.raises(KeyError):
            merge_scores(*args(others=[10_000]))
        with pytest.raises(KeyError):
            merge_scores(*args(sid=10_000))
        with pytest.raises(TypeError):
            merge_scores(*args(others=5))
        with pytest.raises(TypeError):
            merge_scores(*args(headline_model=3))
        with pytest.raises(TypeError):
            merge_scores(*args(threshold="x", headline_threshold="x"))
        assert merge_scores(*args(threshold=1, headline_threshold=1.0)) == []  # the pass is off: nothing read
        assert merge_scores(*args(others=[])) == []
        scored = {}
        found = merge_scores(*args(headline_model=model, scored=scored))
        assert [other for _, _, other in found] == [headlines[1]] and list(scored.values()) == [found[0][0]]
    with pytest.raises(TypeError):
        speedups.merge_scores(*args()[:-1])


def test_link_scores_matches_its_reference() -> None:
    # link_stories' loop over a story's candidates: each story with the others at thresholds
    # on, off (0, negative) and of either type, every or not, both views, refine.py's
    # _sample and LINK_MAX_MEMBERS as they are (a bound of 1 samples every story larger)
    from storyline.cluster import refine

    clusterer = _views_clusterer()
    sids = list(clusterer.stories_)
    settings = [(0.5, 0.3, False), (0, 0.4, True), (0.2, 0, 1), (-1.0, 0, ""), (1, 0.5, None)]
    for bound in (12, 1, True):  # (True: a bound of 1 that is no exact int)
        for threshold, headline_threshold, every in settings:
            results = []
            for link_scores, views_type in ((speedups.link_scores, speedups.StoryViews),
                                            (refine._REFERENCE["link_scores"], refine._REFERENCE["StoryViews"])):
                with pytest.MonkeyPatch.context() as patch:
                    patch.setattr(refine, "LINK_MAX_MEMBERS", bound)
                    pairs, views = refine.PairScores(clusterer), views_type(clusterer)
                    found = [link_scores(clusterer.stories_, clusterer.members_, sid,
                                         iter([o for o in sids if o != sid][: 2 + sid % 5]), every, threshold,
                                         headline_threshold, 0.05, 0.1, views, clusterer.df_, pairs)
                             for sid in sids]
                results.append((found, {k: list(row.items()) for k, row in pairs._cache.items()}))
            compiled, reference = results
            assert compiled == reference
            on = threshold > 0 or headline_threshold > 0 or bool(every)
            assert any(found for found in compiled[0]) == on
            assert bool(compiled[1]) == (on and any(p > 0 for found in compiled[0] for p, _, _ in found))


def test_link_scores_raises_what_its_reference_raises() -> None:
    from storyline.cluster import refine

    clusterer = _views_clusterer()
    sids = list(clusterer.stories_)

    def args(**changed: object) -> tuple:
        values = {"stories": clusterer.stories_, "members": clusterer.members_, "sid": sids[0], "others": sids[1:4],
                  "every": False, "threshold": 0.5, "headline_threshold": 0.5, "headline_floor": 0.0,
                  "body_floor": 0.0, "views": refine.StoryViews(clusterer), "df": clusterer.df_,
                  "pair": refine.PairScores(clusterer)}
        values.update(changed)
        return tuple(values.values())

    for link_scores in (speedups.link_scores, refine._REFERENCE["link_scores"]):
        with pytest.raises(KeyError):
            link_scores(*args(others=[10_000]))
        with pytest.raises(KeyError):
            link_scores(*args(sid=10_000))
        with pytest.raises(KeyError):
            link_scores(*args(members={}))  # words meet at a floor of 0: the members are read
        with pytest.raises(TypeError):
            link_scores(*args(others=5))
        with pytest.raises(TypeError):
            link_scores(*args(threshold="x", headline_threshold="x"))
        with pytest.raises(TypeError):
            link_scores(*args(headline_floor="x", body_floor="x"))
        assert link_scores(*args(threshold=0, headline_threshold=0.0)) == []  # the pass is off: nothing read
        assert link_scores(*args(others=())) == []
        with pytest.MonkeyPatch.context() as patch:
            patch.delattr(refine, "LINK_MAX_MEMBERS")
            with pytest.raises(NameError):
                link_scores(*args())
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(refine, "LINK_MAX_MEMBERS", "x")
            with pytest.raises(TypeError):
                link_scores(*args())
    with pytest.raises(TypeError):
        speedups.link_scores(*args()[:-1])


# ---- decide, round six: the stories found inline, the kernel's reads trimmed (stream.c, compare.c) ----


def _stories_for(made, df, keys):
    from storyline.cluster.features import StoryFeatures

    stories = {}
    for key, f in zip(keys, made, strict=True):
        df.add(f)
        stories[key] = StoryFeatures()
        stories[key].add(f, df=df)
    return stories


def test_decide_finds_its_candidates_under_keys_equal_to_their_ids() -> None:
    # story_of: ids of one digit or none found by CPython's probe of the dict's index (one
    # byte, two bytes a place), under the same int or an equal one made anew; ids past a
    # digit, negative ones, a float or a bool key of an id's value (looked up); places left
    # by deleted stories; a missing id raises KeyError as the reference does
    from dataclasses import replace

    from storyline.cluster import online
    from storyline.cluster.features import KINDS, DocumentFrequencies

    def made_anew(value: int) -> int:
        return int(str(value))  # equal, another object where not a small int

    rng = random.Random(5)
    made = [_random_features(rng, i) for i in range(8)]
    made = [replace(f, day=735000 + 5 * i, entities={k: v for k, v in f.entities.items() if k[:2] in KINDS})
            for i, f in enumerate(made)]
    article = made.pop()
    key_sets = [[0, 1, 2, 3, 4, 5, 6], [1000, 2**30 - 1, 2**30, 2**40, -1, -5, 7],
                [5.0, True, 3, 4, 1234567, 8, 9]]
    for keys in key_sets:
        for filler in (0, 300):  # a dict of one-byte places, and of two-byte ones
            runs = []
            for decide in (speedups.decide, online._REFERENCE["decide"]):
                df = DocumentFrequencies()
                stories = {10_000 + k: None for k in range(filler)}
                stories.update(_stories_for(made, df, keys))
                for k in range(filler):
                    del stories[10_000 + k]  # dummies in the index
                df.add(article)
                candidates = [made_anew(int(k)) for k in keys]  # 5 for 5.0, 1 for True
                picked = [decide(article, order, stories, df, count, 0.0, 400, [0.5] * 18, -1.0, 0.1)
                          for order in (candidates, candidates[::-1]) for count in (2, 20)]
                with pytest.raises(KeyError):
                    decide(article, [*candidates, 77], stories, df, 20, 0.0, 400, [0.5] * 18, -1.0, 0.1)
                runs.append((picked, [list(s._norms.items()) for s in stories.values()]))
            assert runs[0] == runs[1]


def test_decide_reads_story_bags_whose_terms_are_no_exact_str() -> None:
    # side_cosine_of: the article's terms (exact str) and a story's TermBag compared as dicts
    # compare their keys, where a key of the same hash is no exact str (a str subclass equal
    # to the term, one whose __eq__ says otherwise, an object equal to the str): the bag
    # walked (smaller than the article's bag) or looked up; the norms it caches by their
    # memo places, as the reference caches them
    from dataclasses import replace

    from storyline.cluster import online
    from storyline.cluster.features import KINDS, DocumentFrequencies

    class Never(str):
        __hash__ = str.__hash__

        def __eq__(self, other: object) -> bool:
            return False

    class Alike:  # no str, equal to the str of its text
        def __init__(self, text: str) -> None:
            self.text = text

        def __hash__(self) -> int:
            return hash(self.text)

        def __eq__(self, other: object) -> bool:
            return other == self.text

    rng = random.Random(9)
    made = [_random_features(rng, i) for i in range(7)]
    made = [replace(f, day=735000 + i, entities={k: v for k, v in f.entities.items() if k[:2] in KINDS})
            for i, f in enumerate(made)]
    article = made.pop()
    article = replace(article, title={**article.title, "shared": 2.0}, entities={**article.entities, "p:ann": 1.5})
    for cls in (_Term, Never, Alike):
        runs = []
        for decide in (speedups.decide, online._REFERENCE["decide"]):
            df = DocumentFrequencies()
            stories = _stories_for(made, df, range(len(made)))
            for k, story in stories.items():
                if k % 2:
                    for bag in (story.title, story.all, story.entities, story.kinds["p:"]):
                        bag[cls("shared" if bag is not story.entities and bag is not story.kinds["p:"]
                                else "p:ann")] = 1.0 + k
            df.add(article)
            picked = [decide(article, list(stories), stories, df, count, None, 400, [0.5] * 18, -1.0, -0.5)
                      for count in (2, 20)]
            runs.append((picked, [list(s._norms.items()) for s in stories.values()]))
        assert runs[0] == runs[1]


def test_a_storys_top_names_are_kept_while_its_size_equals_the_cached_one() -> None:
    # story_top: the cached size compared with the story's as doubles where both are exact
    # ints below 2 ** 53 (equal ints made anew, sizes past a digit, past 2 ** 53, negative),
    # else as Python compares them (a float, a bool); truth: a story's day count of 0, of
    # many digits, a bool, read as the reference reads them
    from dataclasses import replace

    from storyline.cluster import online
    from storyline.cluster.features import (
        _KERNEL_REFERENCE,
        KINDS,
        DocumentFrequencies,
        StoryFeatures,
    )

    def made_anew(value: int) -> int:
        return int(str(value))

    kept = frozenset({"p:kept"})
    for cached, size in ((7, made_anew(7)), (7, 8), (2**40, made_anew(2**40)), (2**40, 2**40 + 1),
                         (2**60, 2**60 + 1), (-3, made_anew(-3)), (7.0, 7), (7.5, 7), (True, 1), (1, False)):
        tops = []
        for top_of in (speedups.top_entities_of, _KERNEL_REFERENCE["top_entities_of"]):
            story = StoryFeatures()
            story.entities.update({"p:a": 2.0, "p:b": 3.0})
            story.size, story._top = size, (cached, kept)
            tops.append((top_of(story), story._top))
        assert tops[0] == tops[1]
    rng = random.Random(4)
    made = [_random_features(rng, i) for i in range(5)]
    made = [replace(f, day=735000 + i, entities={k: v for k, v in f.entities.items() if k[:2] in KINDS})
            for i, f in enumerate(made)]
    dated = made.pop()
    for day_n, article in itertools.product((0, 1, 2**40, True, False, 3.0), (dated, replace(dated, day=None))):
        runs = []
        for decide in (speedups.decide, online._REFERENCE["decide"]):
            df = DocumentFrequencies()
            stories = _stories_for(made, df, range(len(made)))
            for story in stories.values():
                story.day_n = day_n
                story.day_sum = 735000 * day_n
            df.add(article)
            try:
                picked = [decide(article, list(stories), stories, df, count, 0.0, 400, [0.5] * 18, -1.0, 0.3)
                          for count in (2, 20)]
            except TypeError as error:  # an undated story in the window test, as the reference raises
                picked = str(error)
            runs.append((picked, [list(s._norms.items()) for s in stories.values()]))
        assert runs[0] == runs[1]


@pytest.mark.parametrize("swap", ["title", "body"])
def test_add_article_looks_up_the_weights_of_a_bag_other_than_the_one_decide_read(swap: str) -> None:
    # decide keeps the weights of the title and body its side read (those very dicts): where
    # the article holds another (an equal copy, or one changed) by add_article, they are looked
    # up again, as the reference looks them up
    from storyline.cluster.features import DocumentFrequencies, StoryFeatures

    articles = _kernel_kind_articles(23, 40)
    runs = []
    for decide, count_article, add_article in _decide_and_add_kernels():
        df = DocumentFrequencies()
        stories: dict[int, StoryFeatures] = {}
        picked = []
        for i, f in enumerate(deepcopy(articles)):
            sid = decide(f, list(stories), stories, df, 3, 0.0, 400, [0.5] * 18, -1.0, 0.3) if stories else None
            picked.append(sid)
            copy = dict(getattr(f, swap))
            if i % 2 and copy:
                copy[next(iter(copy))] += 0.5
            object.__setattr__(f, swap, copy)
            count_article(df, f)
            if sid is None:
                sid = len(stories)
                stories[sid] = StoryFeatures()
            add_article(stories[sid], f, i, df)
        runs.append((picked, [[list(getattr(s, name).items()) for name in ("title", "body", "all", "_norms")]
                              for s in stories.values()]))
    assert runs[0] == runs[1]


# ---- Round 6, retrieve: KeyIndex.top's sums kept at -0.0 between retrievals, its ranking
# of the touched stories on the stack, unfile's early end, best_of placing by halving ----


@pytest.mark.parametrize("seed", range(8))
def test_the_index_sums_start_anew_after_each_retrieval_even_a_failed_one(seed: int) -> None:
    # zero weights (+0.0, -0.0, an int 0) still retrieve their stories, each sum starts
    # at the reference's 0.0 however the retrieval before ended (done, or failed half-way
    # through), and limits past what is ranked on the stack agree too
    rng = random.Random(seed)
    words = [f"k{i}" for i in range(30)]
    compiled, reference = speedups.KeyIndex(), _reference("KeyIndex")()
    for sid in rng.sample(range(200), 60):
        keys = tuple(rng.sample(words, rng.randint(1, 6)))
        compiled.file(keys, sid)
        reference.file(keys, sid)
    for index in (compiled, reference):
        index.file(["missing", "k0"], 999)  # "missing": no IDF weight
    idf = {w: rng.choice([0.0, -0.0, 0, 0.5, 1.0, 2, 1e-300]) for w in words}
    assert any(math.copysign(1.0, v) < 0 for v in idf.values() if v == 0)
    for step in range(40):
        keys = rng.sample(words, rng.randint(0, 12))
        for limit in (0, 1, 6, 16, 17, 100):
            assert compiled.top(keys, idf, 50, limit) == reference.top(keys, idf, 50, limit)
        failing = [*rng.sample(words, 5), "missing" if step % 2 else "negative", *rng.sample(words, 3)]
        if step % 2 == 0:
            compiled.file(["negative"], 1000 + step)
            reference.file(["negative"], 1000 + step)
        bad_idf = dict(idf, negative=-1.0)
        for index in (compiled, reference):
            with pytest.raises(KeyError if step % 2 else ValueError):
                index.top(failing, bad_idf, 50, 6)
    only_zero = speedups.KeyIndex()
    for sid in (4, 9, 2):
        only_zero.file(["z"], sid)
    assert only_zero.top(["z", "z"], {"z": -0.0}, 5, 6) == [9, 4, 2]
    assert only_zero.top(["z"], {"z": 1.0}, 5, 2) == [9, 4]


def test_the_index_unfiles_a_story_under_repeated_keys_as_its_reference() -> None:
    compiled, reference = speedups.KeyIndex(), _reference("KeyIndex")()
    members = [("a", "b", "c"), ("b", "c", "d"), ("a", "d"), ("c",)]
    for index in (compiled, reference):
        for keys in members:
            index.file(keys, 7)
        index.file(("a", "e"), 8)
        index.unfile([*members, ("a", "b")], 7)
    assert compiled.holders() == reference.holders() == {"a": {8}, "e": {8}}
    with pytest.raises(TypeError):  # keys are str, also past the last one the story was under
        compiled.unfile([["a"], [b"a"]], 8)
    assert compiled.holders() == {"e": {8}}
    assert compiled.top(["a", "e"], {"a": 1.0, "e": 1.0}, 5, 3) == [8]


def test_the_best_terms_of_a_large_bag_match_their_reference() -> None:
    # more kept terms than best_of keeps on its stack, with many equal products
    rng = random.Random(6)
    words = [f"w{i}" for i in range(300)]
    bag = {w: rng.choice([1.0, 0.5, 2.0, rng.random()]) for w in rng.sample(words, 250)}
    idf = {w: rng.choice([0.5, 1.0, 2.0, 0.0]) for w in words}
    for keep in (0, 1, 40, 64, 65, 200, 250, 400):
        got = speedups.best_terms(bag, idf, keep)
        assert list(got.items()) == list(_reference("best_terms")(bag, idf, keep).items())


def test_the_stream_steps_small_int_tests_match_their_reference() -> None:
    # glue_compare and the expiry test read ints of one digit straight: negative ones, zero,
    # a bool (no exact int) and a one-digit bound beside a larger counter, as Python does
    from storyline.cluster import online

    reference = online._REFERENCE["add_to_stream"]
    features = _glue_features(30)

    def outcomes(step, change) -> list:  # type: ignore[no-untyped-def]
        clusterer = online.OnlineClusterer()
        for f in features[:12]:
            clusterer.add_features(f)
        change(clusterer)
        got = []
        for f in features[12:]:
            try:
                got.append((step(clusterer, f, None), _stream_state(clusterer)))
            except Exception as error:  # noqa: BLE001
                got.append((type(error), _stream_state(clusterer)))
        return got

    changes = [lambda c, bound=bound: setattr(c, "min_idle_arrivals", bound) for bound in (0, 1, True, 2**31)]
    changes += [lambda c: setattr(c, "_arrivals", -7), lambda c: setattr(c, "_arrivals", 2**30 - 3),
                lambda c: setattr(c, "_next_id", -2), lambda c: setattr(c, "_latest_day", -1),
                lambda c: (setattr(c, "window_days", 0), setattr(c, "min_idle_arrivals", 1))]
    for change in changes:
        assert outcomes(speedups.add_to_stream, change) == outcomes(reference, change)
