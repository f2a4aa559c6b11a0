"""One-pass story clustering over a stream of annotated articles.

Each article is compared with the few active stories an inverted index retrieves
(stories sharing its title words, entities or top body terms); a logistic model over
the pair features of :mod:`.features` gives the probability that it reports the same
event, and the article joins the most probable story above :data:`JOIN_THRESHOLD`, or
opens a new one. :meth:`OnlineClusterer.refine` then splits, merges and links stories
with learned story-level and article-pair decisions (:mod:`.refine`). Stories leave the
index once they are out of the time window, so the work per article and the memory stay
bounded as the stream grows.
"""

from __future__ import annotations

import heapq
import logging
import math
from collections.abc import Iterable, Sequence
from itertools import chain
from operator import mul

from ..model import AnnotatedArticle
from . import _semantic_weights, _weights
from ._sparse import COMPILED, KeyIndex
from .features import (
    FEATURE_NAMES,
    KEEP_BODY_TERMS,
    ArticleFeatures,
    ArticleVectors,
    DocumentFrequencies,
    StoryFeatures,
    add_article,
    count_article,
    featurize,
    fresh_norms_of,
    pair_features,
    prune,
    rank_stories,
    semantic_cosine,
    words_meet,
)

logger = logging.getLogger(__name__)

#: join the best story when the model's same-event probability reaches this; chosen by
#: topic-wise cross-validation of BCubed F1 on ecbplus-dev (scripts/fit_cluster_model.py).
JOIN_THRESHOLD = _weights.THRESHOLD
#: the same for an article that is only a headline (its own model, fitted on ECB+ headlines).
HEADLINE_THRESHOLD = _weights.HEADLINE_THRESHOLD
#: stories compared per article (the best by shared IDF-weighted index keys); 6 scored
#: like 12 in cross-validated F1 on ecbplus-dev at half the cost.
MAX_CANDIDATES = 6
#: of those, the ones scored with the full features after a one-cosine ranking.
FULL_COMPARE = 3
#: a story whose latest article is this many days older than the stream's newest is
#: out of the window. ECB+ events collect reports over two months.
WINDOW_DAYS = 90
#: ... and it leaves memory only when also idle this many arrivals (undated streams,
#: out-of-order arrivals); the bound on memory is (arrivals per window + this).
MIN_IDLE_ARRIVALS = 5000
#: index keys held by more than this share of active stories are too common to retrieve by.
MAX_KEY_SHARE = 0.2
#: an article and a story (or two stories) whose words barely meet (title, body and
#: title-to-body cosines all below this) are never one event, whatever else they share:
#: the learned decisions, fitted on candidates that mostly share a topic, would otherwise
#: join two reports that share only a place or a company. Chosen with the thresholds by
#: the cross-validations of scripts/fit_cluster_model.py (topic-wise on ecbplus-dev).
MIN_TEXT_COSINE = _weights.TEXT_FLOOR
#: the same for headline-only articles and stories (time-split CV on uci-headlines).
HEADLINE_MIN_TEXT_COSINE = _weights.HEADLINE_TEXT_FLOOR
#: with the ``semantic`` extra, a headline joins a story by the headline model with one
#: more feature, the cosine of its sentence embedding and the story's (FEATURE_NAMES +
#: ["semantic_cos"]); its threshold and text floor come from the same time-split CV on
#: uci-headlines (scripts/fit_semantic_cluster_model.py). Paraphrased headlines share few
#: words, which is where the embedding helps; on full reports (ECB+) it did not.
SEMANTIC_HEADLINE_THRESHOLD = _semantic_weights.THRESHOLD
SEMANTIC_HEADLINE_MIN_TEXT_COSINE = _semantic_weights.TEXT_FLOOR


def _sigmoid(x: float) -> float:
    if x < -30:
        return 0.0
    return 1.0 / (1.0 + math.exp(-x))


def interactions(features: Sequence[float]) -> list[float]:
    """The features followed by every product of two of them (the pair model's inputs):
    a linear model over products can learn that, e.g., shared people count only when the
    years agree."""
    out = list(features)
    n = len(features)
    for i in range(n):
        xi = features[i]
        out.extend(xi * features[j] for j in range(i + 1, n))
    return out


def weighs(weights: Sequence[float], feature: int) -> bool:
    """Whether a model (linear, or over :func:`interactions`) gives the feature at index
    ``feature`` of :data:`FEATURE_NAMES` any weight, alone or in a product."""
    n = len(FEATURE_NAMES)
    if len(weights) == n:
        return weights[feature] != 0
    # the inputs that change when the feature does: it and its products
    on = interactions([1.0] * n)
    off = interactions([0.0 if i == feature else 1.0 for i in range(n)])
    return any(w != 0 for w, a, b in zip(weights, on, off, strict=True) if a != b)


def symmetric(x: Sequence[float], y: Sequence[float]) -> list[float]:
    """The pair features of two articles compared both ways, averaged (the pair model's view)."""
    return [(a + b) / 2 for a, b in zip(x, y, strict=True)]


def interaction_probability(features: Sequence[float], weights: Sequence[float], bias: float) -> float:
    """:func:`probability` of ``interactions(features)`` without building it (zeros skipped)."""
    n = len(features)
    nonzero = [i for i in range(n) if features[i]]
    z = bias
    for a, i in enumerate(nonzero):
        xi = features[i]
        z += weights[i] * xi
        # weights[n:] hold the products (i, j), j > i, row by row: row i starts at
        # n + i * (n - 1) - i * (i - 1) // 2, and (i, j) is j - i - 1 into it.
        row = n + i * (n - 1) - i * (i - 1) // 2 - i - 1
        inner = 0.0
        for j in nonzero[a + 1:]:
            inner += weights[row + j] * features[j]
        z += xi * inner
    return _sigmoid(z)


def probability(features: Sequence[float], *, weights: Sequence[float] | None = None,
                bias: float | None = None) -> float:
    """The learned same-event probability for one pair-feature vector.

    ``weights`` as long as the features: a linear model; as long as their
    :func:`interactions`: a model over the features and their pairwise products.
    """
    w = _weights.WEIGHTS if weights is None else weights
    b = _weights.BIAS if bias is None else bias
    if len(w) != len(features):
        n = len(features)
        if len(w) != n + n * (n - 1) // 2:
            raise ValueError(f"{len(w)} weights fit neither {n} features nor their products")
        return interaction_probability(features, w, b)
    return linear_probability(features, w, b)


def linear_probability(features: Sequence[float], weights: Sequence[float], bias: float) -> float:
    """:func:`probability` of a linear model (as many weights as features)."""
    return _sigmoid(bias + sum(map(mul, weights, features)))


def best_story(vectors: ArticleVectors, ranked: dict[int, float | None], stories: dict[int, StoryFeatures],
               df: DocumentFrequencies, floor: float, window_days: int, weights: Sequence[float], bias: float,
               threshold: float) -> int | None:
    """The stream's join decision for an article (its ``vectors``): of the stories
    ``ranked`` (id -> their :func:`~.features.text_cosine` with it where known, else None),
    those within ``window_days`` of it whose pair features reach the text ``floor``, the one
    the model (``weights``, ``bias``: see :func:`probability`) finds most probable by its
    margin over ``threshold`` (the later of equal margins), or None where none reaches it."""
    f = vectors.features
    idf = df.weights
    best, best_margin = None, 0.0
    for sid, cross in ranked.items():
        story = stories[sid]
        if f.day is not None and story.last_day is not None and abs(f.day - story.day) > window_days:  # type: ignore[operator]
            continue
        # compare(..., with_conflict=False), one call less
        compared = pair_features(vectors, story, idf, fresh_norms_of(story, df), cross, floor)
        if compared is None:
            continue  # too few shared words to be one event
        margin = probability(compared, weights=weights, bias=bias) - threshold
        if margin >= best_margin:
            best, best_margin = sid, margin
    return best


def ranked_stories(vectors: ArticleVectors, candidates: Sequence[int], stories: dict[int, StoryFeatures],
                   df: DocumentFrequencies, count: int) -> dict[int, float | None]:
    """The stories of ``candidates`` (distinct ids into ``stories``) to compare in full, with
    their text_cosine where it is known: the ``count`` best by it (:func:`~.features.rank_stories`)
    where there are more candidates, else all of them, in order (cosine None)."""
    if len(candidates) > count:
        return rank_stories(vectors, candidates, stories, df, count)  # type: ignore[return-value]
    return dict.fromkeys(candidates)


def in_window(features: ArticleFeatures, story: StoryFeatures, window_days: int) -> bool:
    """Whether a story's event day lies within ``window_days`` of the article's (where either
    is undated, it may): the veto that :func:`best_story` applies."""
    return features.day is None or story.last_day is None or abs(features.day - story.day) <= window_days  # type: ignore[operator]


def decide(features: ArticleFeatures, candidates: Sequence[int], stories: dict[int, StoryFeatures],
           df: DocumentFrequencies, count: int, floor: float, window_days: int, weights: Sequence[float],
           bias: float, threshold: float) -> int | None:
    """The stream's join decision for an article: :func:`best_story` over its
    :func:`ranked_stories` (``count`` of them where there are more) among the candidates
    within the time window. The compiled one makes the article's vectors, ranks and
    decides in one call."""
    # Out-of-window stories go before the ranking: the best-matching candidate of a report
    # re-published months later is often its own earlier story, which can never be joined
    # and would otherwise take a place among the ``count`` compared in full.
    candidates = [sid for sid in candidates if in_window(features, stories[sid], window_days)]
    vectors = ArticleVectors(features, df)
    ranked = ranked_stories(vectors, candidates, stories, df, count)
    return best_story(vectors, ranked, stories, df, floor, window_days, weights, bias, threshold)


def retrieve_and_decide(index: KeyIndex, keys: Sequence[str], most: int, limit: int, features: ArticleFeatures,
                        stories: dict[int, StoryFeatures], df: DocumentFrequencies, count: int, floor: float,
                        window_days: int, weights: Sequence[float], bias: float, threshold: float) -> int | None:
    """:func:`decide` over the stories the index retrieves for ``keys`` (``index.top(keys,
    df.weights, most, limit)``), None where it retrieves none: the stream's decision for an
    article in one call (the compiled one passes the retrieved ids to its decide without a
    list of them)."""
    candidates = index.top(keys, df.weights, most, limit)
    if not candidates:
        return None
    return decide(features, candidates, stories, df, count, floor, window_days, weights, bias, threshold)


def add_to_stream(clusterer: OnlineClusterer, features: ArticleFeatures, story: int | None) -> int:
    """:meth:`OnlineClusterer.add_features`: one article put in a story (``story`` where
    given, else the one :meth:`~OnlineClusterer._decide` picks, else a new one) and the
    stream's bookkeeping (counts, index, labels, latest day, expiry) done; returns the story id.
    The compiled one does these steps in one call where the clusterer's methods and this
    module's functions are the plain ones, and calls this otherwise."""
    clusterer._arrivals += 1
    df = clusterer.df_
    if len(features.body) > KEEP_BODY_TERMS:  # most keep theirs (prune's own test, one call less)
        features = prune(features, df)
    if story is None:
        story = clusterer._decide(features)
    if story is None:
        story = clusterer._next_id
    if story >= clusterer._next_id:
        clusterer._next_id = story + 1
    count_article(df, features)  # df.add, without the method call
    clusterer._attach(features, story)
    clusterer.labels_[features.id] = story
    if features.day is not None and (clusterer._latest_day is None or features.day > clusterer._latest_day):
        clusterer._latest_day = features.day
    expiry = clusterer._expiry
    if expiry and clusterer._arrivals - expiry[0][0] > clusterer.min_idle_arrivals:
        clusterer._expire()
    return story


#: the pure-Python references of the compiled probabilities, join decision and stream step,
#: by name (tests and bench/bench_cluster.py --python-loops swap them in)
_REFERENCE = {f.__name__: f for f in (symmetric, interaction_probability, linear_probability, best_story, decide,
                                      retrieve_and_decide, add_to_stream)}

if COMPILED:
    from .._speedups import (  # type: ignore  # noqa: F811
        add_to_stream,
        best_story,
        decide,
        interaction_probability,
        linear_probability,
        register_stream_glue,
        retrieve_and_decide,
        symmetric,
    )


class OnlineClusterer:
    """Assign each article, in arrival order, to a story (an int id) or open a new one."""

    def __init__(
        self,
        *,
        threshold: float = JOIN_THRESHOLD,
        max_candidates: int = MAX_CANDIDATES,
        window_days: int = WINDOW_DAYS,
        min_idle_arrivals: int = MIN_IDLE_ARRIVALS,
        first_story_id: int = 1,
        merge_threshold: float | None = None,
        split_ratio: float | None = None,
        headline_split_ratio: float | None = None,
        weights: Sequence[float] | None = None,
        bias: float | None = None,
        headline_threshold: float = HEADLINE_THRESHOLD,
        headline_merge_threshold: float | None = None,
        headline_weights: Sequence[float] | None = None,
        headline_bias: float | None = None,
        merge_weights: Sequence[float] | None = None,
        merge_bias: float | None = None,
        headline_merge_weights: Sequence[float] | None = None,
        headline_merge_bias: float | None = None,
        link_threshold: float | None = None,
        headline_link_threshold: float | None = None,
        pair_weights: Sequence[float] | None = None,
        pair_bias: float | None = None,
        headline_pair_weights: Sequence[float] | None = None,
        headline_pair_bias: float | None = None,
        min_text_cosine: float = MIN_TEXT_COSINE,
        headline_min_text_cosine: float = HEADLINE_MIN_TEXT_COSINE,
        attach_threshold: float | None = None,
        headline_attach_threshold: float | None = None,
        semantic_weights: Sequence[float] | None = None,
        semantic_bias: float | None = None,
        semantic_threshold: float = SEMANTIC_HEADLINE_THRESHOLD,
        semantic_min_text_cosine: float = SEMANTIC_HEADLINE_MIN_TEXT_COSINE,
    ) -> None:
        self.semantic_weights = _semantic_weights.WEIGHTS if semantic_weights is None else semantic_weights
        self.semantic_bias = _semantic_weights.BIAS if semantic_bias is None else semantic_bias
        self.semantic_threshold = semantic_threshold
        self.semantic_min_text_cosine = semantic_min_text_cosine
        self.min_text_cosine = min_text_cosine
        self.headline_min_text_cosine = headline_min_text_cosine
        self.link_threshold = link_threshold
        self.headline_link_threshold = headline_link_threshold
        self.pair_weights = pair_weights
        self.pair_bias = pair_bias
        self.headline_pair_weights = headline_pair_weights
        self.headline_pair_bias = headline_pair_bias
        self.merge_weights = merge_weights
        self.merge_bias = merge_bias
        self.headline_merge_weights = headline_merge_weights
        self.headline_merge_bias = headline_merge_bias
        self.headline_threshold = headline_threshold
        self.headline_merge_threshold = headline_merge_threshold
        self.headline_weights = headline_weights
        self.headline_bias = headline_bias
        self.merge_threshold = merge_threshold
        self.split_ratio = split_ratio
        self.attach_threshold = attach_threshold
        self.headline_attach_threshold = headline_attach_threshold
        self.headline_split_ratio = headline_split_ratio
        self.threshold = threshold
        self.max_candidates = max_candidates
        self.window_days = window_days
        self.min_idle_arrivals = min_idle_arrivals
        self.first_story_id = first_story_id
        self.weights = weights
        self.bias = bias
        self.labels_: dict[str, int] = {}
        self.df_ = DocumentFrequencies()
        #: active stories: id -> running sums, and their members' features (for refine()).
        self.stories_: dict[int, StoryFeatures] = {}
        self.members_: dict[int, list[ArticleFeatures]] = {}
        #: index key -> the active stories filed under it (a story under each key of its members).
        self._index = KeyIndex()
        self._next_id = first_story_id
        self._arrivals = 0
        self._latest_day: int | None = None
        #: (arrival, story id) min-heap, an entry per active story (at most a few): at its
        #: latest arrival or before, when it is moved up to that (see :meth:`_expire`).
        self._expiry: list[tuple[int, int]] = []

    # -- public API -----------------------------------------------------------------

    def add(self, article: AnnotatedArticle, *, story: int | None = None) -> int:
        """Put one article in a story and return the story id.

        With ``story`` given, the membership is taken as is (restoring stored state):
        no comparison is made.
        """
        features = featurize(article)
        return self.add_features(features, story=story)

    def add_features(self, features: ArticleFeatures, *, story: int | None = None) -> int:
        """:meth:`add` for features already computed (the steps: :func:`add_to_stream`)."""
        return add_to_stream(self, features, story)

    def partial_fit(self, articles: Iterable[AnnotatedArticle]) -> OnlineClusterer:
        for article in articles:
            self.add(article)
        return self

    def reassign(self, article_id: str, story: int) -> None:
        """Move a placed article to another story, when the caller knows better
        (a copy follows its original); the old story's features are rebuilt."""
        old = self.labels_.get(article_id)
        if old is None or old == story:
            return
        members = self.members_.get(old, [])
        moved = next((f for f in members if f.id == article_id), None)
        if old in self.stories_:
            self._detach(old)
            for features in members:
                if features.id != article_id:
                    self._attach(features, old)
        self.labels_[article_id] = story
        self._next_id = max(self._next_id, story + 1)
        if moved is not None:
            self._attach(moved, story)

    def refine(self) -> dict[str, int]:
        """Merge active stories that are one event and split stories that grew two.

        Returns ``{article_id: new_story_id}`` for the articles that moved; a merged
        story keeps the older (smaller) id, a split-off part gets a new id.
        """
        from .refine import refine_stories

        return refine_stories(self, merge_threshold=self.merge_threshold,
                              headline_merge_threshold=self.headline_merge_threshold,
                              split_ratio=self.split_ratio,
                              headline_split_ratio=self.headline_split_ratio,
                              link_threshold=self.link_threshold,
                              headline_link_threshold=self.headline_link_threshold,
                              attach_threshold=self.attach_threshold,
                              headline_attach_threshold=self.headline_attach_threshold)

    def text_floor(self, *, headline: bool = False) -> float:
        """The least title, body or title-to-body cosine at which two texts can be one event."""
        return self.headline_min_text_cosine if headline else self.min_text_cosine

    def join_model(self, *, headline: bool = False) -> tuple[Sequence[float], float]:
        """The join model's weights and bias (the stream's decision), for headlines alone or not."""
        if headline:
            return (_weights.HEADLINE_WEIGHTS if self.headline_weights is None else self.headline_weights,
                    _weights.HEADLINE_BIAS if self.headline_bias is None else self.headline_bias)
        return (_weights.WEIGHTS if self.weights is None else self.weights,
                _weights.BIAS if self.bias is None else self.bias)

    def probability(self, features: Sequence[float], *, headline: bool = False) -> float:
        w, b = self.join_model(headline=headline)
        return probability(features, weights=w, bias=b)

    def semantic_probability(self, features: Sequence[float], similarity: float) -> float:
        """The semantic headline model's probability: the pair features and the cosine of
        the two sentence embeddings (:func:`~.features.semantic_cosine`)."""
        return probability([*features, similarity], weights=self.semantic_weights, bias=self.semantic_bias)

    def merge_model(self, *, headline: bool = False) -> tuple[Sequence[float], float]:
        """The merge model's weights and bias (refinement), for headline-only stories or not."""
        if headline:
            w = _weights.HEADLINE_MERGE_WEIGHTS if self.headline_merge_weights is None else self.headline_merge_weights
            b = _weights.HEADLINE_MERGE_BIAS if self.headline_merge_bias is None else self.headline_merge_bias
        else:
            w = _weights.MERGE_WEIGHTS if self.merge_weights is None else self.merge_weights
            b = _weights.MERGE_BIAS if self.merge_bias is None else self.merge_bias
        return w, b

    def merge_probability(self, features: Sequence[float], *, headline: bool = False) -> float:
        """The merge model's probability that two stories are one event (refinement)."""
        w, b = self.merge_model(headline=headline)
        return probability(features, weights=w, bias=b)

    def pair_model(self, *, headline: bool = False) -> tuple[Sequence[float], float]:
        """The pair model's weights and bias (refinement's linkage), for two headlines or not."""
        if headline:
            w = _weights.HEADLINE_PAIR_WEIGHTS if self.headline_pair_weights is None else self.headline_pair_weights
            b = _weights.HEADLINE_PAIR_BIAS if self.headline_pair_bias is None else self.headline_pair_bias
        else:
            w = _weights.PAIR_WEIGHTS if self.pair_weights is None else self.pair_weights
            b = _weights.PAIR_BIAS if self.pair_bias is None else self.pair_bias
        return w, b

    def pair_probability(self, features: Sequence[float], *, headline: bool = False) -> float:
        """The pair model's probability that two articles report one event (linkage),
        from their :func:`symmetric` pair features."""
        w, b = self.pair_model(headline=headline)
        return interaction_probability(features, w, b)

    # -- internals ---------------------------------------------------------------------

    def _retrieve(self, keys: Sequence[str], *, limit: int | None = None) -> list[int]:
        """The stories sharing the most IDF-weighted index ``keys`` (an article's, or a story's
        in refinement): by the summed IDF of the keys they share, of equal sums the newer story first."""
        most = int(MAX_KEY_SHARE * len(self.stories_))
        if most < 50:  # max(50, ...) without the call
            most = 50
        return self._index.top(keys, self.df_.weights, most, self.max_candidates if limit is None else limit)

    def _decide(self, features: ArticleFeatures) -> int | None:
        # _retrieve, without its call (one per article)
        stories = self.stories_
        most = int(MAX_KEY_SHARE * len(stories))
        if most < 50:
            most = 50
        headline = features.headline_only
        # text_floor() and join_model() below read without their calls (one per article)
        if headline:
            threshold, floor = self.headline_threshold, self.headline_min_text_cosine
        else:
            threshold, floor = self.threshold, self.min_text_cosine
        # One cosine each ranks the retrieved stories; the best are compared in full.
        # A headline with an embedding is read by the semantic headline model where the
        # story has embeddings too (a story restored from a run without them has none).
        if headline and features.embedding is not None:
            candidates = self._index.top(features.keys, self.df_.weights, most, self.max_candidates)
            if not candidates:
                return None
            candidates = [sid for sid in candidates if in_window(features, self.stories_[sid], self.window_days)]
            vectors = ArticleVectors(features, self.df_)
            ranked = ranked_stories(vectors, candidates, self.stories_, self.df_, FULL_COMPARE)
            return self._best_semantic(vectors, ranked, min(floor, self.semantic_min_text_cosine), threshold)
        if headline:
            weights = _weights.HEADLINE_WEIGHTS if self.headline_weights is None else self.headline_weights
            bias = _weights.HEADLINE_BIAS if self.headline_bias is None else self.headline_bias
        else:
            weights = _weights.WEIGHTS if self.weights is None else self.weights
            bias = _weights.BIAS if self.bias is None else self.bias
        return retrieve_and_decide(self._index, features.keys, most, self.max_candidates, features, stories, self.df_,
                                   FULL_COMPARE, floor, self.window_days, weights, bias, threshold)

    def _best_semantic(self, vectors: ArticleVectors, ranked: dict[int, float | None], floor: float,
                       threshold: float) -> int | None:
        """:func:`best_story` for a headline with an embedding: by the semantic headline model
        where the story has embeddings, else by the plain one above its own text floor."""
        features, df = vectors.features, self.df_
        best, best_margin = None, 0.0
        for sid, cross in ranked.items():
            story = self.stories_[sid]
            if (features.day is not None and story.last_day is not None
                    and abs(features.day - story.day) > self.window_days):  # type: ignore[operator]
                continue
            compared = pair_features(vectors, story, df.weights, fresh_norms_of(story, df), cross, floor)
            if compared is None:
                continue  # too few shared words to be one event
            similar = semantic_cosine(features, story)
            if similar is not None:
                margin = self.semantic_probability(compared, similar) - self.semantic_threshold
            elif not words_meet(compared, self.text_floor(headline=True)):
                continue  # the plain headline model's own floor
            else:
                margin = self.probability(compared, headline=True) - threshold
            if margin >= best_margin:
                best, best_margin = sid, margin
        return best

    def _story(self, sid: int) -> StoryFeatures:
        """Story ``sid``, opened (empty, with its expiry entry) where it is not active."""
        story = self.stories_.get(sid)
        if story is None:
            story = self.stories_[sid] = StoryFeatures()
            self.members_[sid] = []
            heapq.heappush(self._expiry, (self._arrivals, sid))
        return story

    def _attach(self, features: ArticleFeatures, sid: int) -> None:
        # StoryFeatures.add, without the method call; an open story found without _story's
        story = self.stories_.get(sid)
        add_article(self._story(sid) if story is None else story, features, self._arrivals, self.df_)
        self.members_[sid].append(features)
        self._index.file(features.keys, sid)

    def _attach_all(self, members: list[ArticleFeatures], sid: int) -> None:
        """:meth:`_attach` each of ``members`` in turn (refinement moves whole groups): the
        same sums, members, index and expiry entry, with one call to file their keys."""
        if not members:
            return
        story = self._story(sid)
        seen, df = self._arrivals, self.df_
        for f in members:
            add_article(story, f, seen, df)
        self.members_[sid].extend(members)
        self._index.file(chain.from_iterable([f.keys for f in members]), sid)

    def _detach(self, sid: int) -> None:
        """Drop a story from the index and memory (its labels stay)."""
        self.stories_.pop(sid, None)
        self._index.unfile([f.keys for f in self.members_.pop(sid, ())], sid)

    def _expire(self) -> None:
        while self._expiry and self._arrivals - self._expiry[0][0] > self.min_idle_arrivals:
            seen, sid = heapq.heappop(self._expiry)
            story = self.stories_.get(sid)
            if story is None:
                continue  # detached since
            if story.last_seen != seen:
                # The story has grown since: its entry moves up to its latest arrival,
                # which comes out of the heap where an entry pushed then would.
                heapq.heappush(self._expiry, (story.last_seen, sid))
                continue
            in_window = (story.last_day is not None and self._latest_day is not None
                         and self._latest_day - story.last_day <= self.window_days)
            if in_window:
                # Still in the time window: check again after another idle period.
                heapq.heappush(self._expiry, (self._arrivals, sid))
                story.last_seen = self._arrivals
                continue
            self._detach(sid)


if COMPILED:
    # the compiled add_to_stream's checks: these globals, and the class's own methods (a
    # subclass that overrides _decide, _attach or _story is run by the reference)
    register_stream_glue(globals(), _REFERENCE["add_to_stream"], OnlineClusterer)
