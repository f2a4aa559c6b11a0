"""Batch refinement of the online clusterer's active stories.

One pass in arrival order cannot undo an early decision: a report that opened its own
story because it arrived before the reports that connect it stays apart. Refinement
looks at whole stories: it merges two stories when the merge model, applied to the
stories themselves, says they are one event; joins stories by average linkage, while the
mean pair-model probability over two stories' article pairs reaches a threshold (what a
TF-IDF + average-linkage clusterer does well, with a learned pair score in place of one
cosine); joins each small fragment left over to the larger story holding its nearest
report (single linkage, where average linkage over a large story cannot see one close
report); moves an undated report whose years place it outside its dated story's time to
the undated story of that other event; splits the undated reports off a dated story when
all those naming years place it in another time; and finally splits a story whose members fall into
two groups that agree with each other far less than within themselves (two events of one
kind that the joins lumped). Each pass is on or off by its fitted threshold. Besides the
time window, every join between stories respects the years undated reports name
(:func:`_years_contradict`). Ids stay stable: a joined story keeps the older id, the
largest part of a split keeps the id.
"""

from __future__ import annotations

import heapq
import logging
from array import array
from datetime import date
from typing import TYPE_CHECKING

from . import _weights
from ._sparse import COMPILED
from .features import (
    FEATURE_NAMES,
    KINDS,
    ArticleFeatures,
    ArticleVectors,
    DocumentFrequencies,
    StoryFeatures,
    compare,
    largest,
    new_fields,
    pair_features,
    rank_stories,
    shares_words,
    single_story,
    text_dict,
    words_meet,
)
from .online import interaction_probability, probability, symmetric, weighs

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator, Sequence

    from .online import OnlineClusterer

logger = logging.getLogger(__name__)

#: merge two stories at this symmetric same-event probability; chosen with the join
#: threshold by topic-wise cross-validation on ecbplus-dev (scripts/fit_cluster_model.py).
MERGE_THRESHOLD = _weights.MERGE_THRESHOLD
#: a split leaves parts of at least this many articles; single outliers stay where the
#: stream put them.
SPLIT_MIN_PART = 2
#: members of a story that a split may leave out of both parts (outliers stay in the
#: larger part).
SPLIT_MAX_OUTLIERS = 3
#: split a story when the mean same-event probability between its two groups is below
#: this share of the mean within the less cohesive group (0: no splitting); chosen by
#: topic-wise cross-validation on ecbplus-dev (scripts/fit_cluster_model.py).
SPLIT_RATIO = _weights.SPLIT_RATIO
#: the same for stories that are only headlines (time-split CV on uci-headlines).
HEADLINE_SPLIT_RATIO = _weights.HEADLINE_SPLIT_RATIO
#: story pairs scored with the full features per story, after a one-cosine ranking.
FULL_COMPARE = 3
#: stories larger than this are not split-checked (the check is quadratic in members).
SPLIT_MAX_MEMBERS = 80
#: average-linkage pass: join two stories while the mean same-event probability over
#: their article pairs reaches this; chosen by topic-wise cross-validation on ecbplus-dev
#: (scripts/fit_cluster_model.py). 0 turns the pass off.
LINK_THRESHOLD = _weights.LINK_THRESHOLD
#: the same between two stories that are only headlines (fitted on ECB+ headlines).
HEADLINE_LINK_THRESHOLD = _weights.HEADLINE_LINK_THRESHOLD
#: the text floor of the linkage pass between stories with bodies: their title, body or
#: title-to-body cosine must reach this before the pair model's mean is read (the stream's
#: floor, TEXT_FLOOR 0.25, guards one article's join; the lower of the two applies). On
#: ECB+ this pass's floor changes little from 0.05 to 0.25 (in-sample 0.9289 / 0.9288,
#: 0.9262 with none; topic-wise CV 0.9264 at 0.1 against 0.9246 at 0.25, with
#: scripts/fit_cluster_model.py --main-only). On the stories of `storyline eval pairs` (semeval2022-train: real
#: reports of a paragraph or two, mostly undated), floors 0 / 0.05 / 0.1 / 0.15 / 0.2 /
#: 0.25 give F1 0.685 / 0.683 / 0.698 / 0.674 / 0.641 / 0.627 (precision 0.723 / 0.727 /
#: 0.752 / 0.755 / 0.768 / 0.817): the highest floor within 0.01 of the best F1.
LINK_TEXT_FLOOR = 0.1
#: articles of a story read for the mean (evenly spaced beyond this): bounds the cost of
#: one story pair at LINK_MAX_MEMBERS^2 comparisons; ECB+ events hold 5-22 articles.
LINK_MAX_MEMBERS = 12
#: stories the index retrieves for each story in the linkage pass (by shared IDF-weighted keys).
LINK_CANDIDATES = 6
#: an undated story's years place it in time (see _years_contradict) only where at least
#: this many of its reports name a year: one report's years are as often background
#: ("since 2009") as its own time. Topic-wise CV on ecbplus-dev (whose older
#: half has no dates) with 1 / 2 / 3: 0.9353 / 0.9361 / 0.9361, against 0.9264 without the
#: test (in-sample 0.9428 each, 0.9289 without); the stream's own test of one report's
#: years against a story's fell to 0.9338 in-sample. (Figures for the earlier-years test
#: alone; with the later-years test below: 0.9421 CV.)
YEAR_EVIDENCE_REPORTS = 2
#: reports of such a story that must each name a year more than LATER_YEAR_SLACK after a
#: dated story's last day before they date it later than that story: reports also name
#: contracts, plans and seasons to come, so this way needs more of them. Topic-wise CV with
#: 2 / 3 / 4: 0.9421 each, against 0.9361 without (in-sample 0.9446 / 0.9472 / 0.9472);
#: slack 0 / 1 / 2 give the same, 3 none of the gain.
LATER_YEAR_REPORTS = 3
LATER_YEAR_SLACK = 1
#: undated reports of a dated story that must each name a year outside its time, and none
#: inside it, before the story's undated reports are taken for another event (see
#: :func:`split_off_other_years`). Held-out topics pooled (fold models at the shipped
#: thresholds) 0.9621 / 0.9662 / 0.9588 with 2 / 3 / 4:
#: at 2, two undated reports of a 2013 story naming 2009 as background were split off.
OTHER_YEARS_REPORTS = 3
#: and dated reports that must place the story in time: one dated report can be misdated.
OTHER_YEARS_DATED = 2
#: how much closer (mean pair probability) an undated report that names no year must read
#: to the dated reports than to those naming other years to stay with the dated reports.
#: Held out, as above: 0.9543 at 0.1, 0.9662 at 0.3 and at 1 (no report stays).
OTHER_YEARS_MARGIN = 0.3
#: a story of at most this many articles is a fragment: a report the stream put apart
#: because it came before the reports that connect it, or told the event in other words.
ATTACH_MAX_SIZE = 5
#: reports of a candidate story the pair model reads for a fragment (those sharing the
#: most IDF-weighted index keys with it): a bound on the cost of large stories. ECB+
#: topic-wise CV 0.9214 at 4, 0.9229 at 8, 0.9246 at 12, 20 and all reports.
ATTACH_NEAREST = 12
#: stories the index retrieves for each fragment.
ATTACH_CANDIDATES = 3
#: the most frequent body terms a story is retrieved by in refinement, beside its title
#: terms and names (an article's index keys hold 20).
STORY_BODY_KEYS = 20
#: a fragment joins the larger story that holds its nearest report when the pair model's
#: mean same-event probability of the fragment's articles with that report reaches this
#: (0: off). Average linkage cannot place such a fragment: its mean over a large story's
#: reports is low even where one of them tells the same event. Chosen by topic-wise
#: cross-validation on ecbplus-dev (scripts/fit_cluster_model.py --attach).
ATTACH_THRESHOLD = 0.6
#: the same between stories that are only headlines: off, by the time-split CV on
#: uci-headlines (0.6 lowered it from 0.8525 to 0.842, though in-sample F1 rose by 0.004).
HEADLINE_ATTACH_THRESHOLD = 0.0


def story_keys(story: StoryFeatures, most: int) -> tuple[str, ...]:
    """A story's index keys as an article's: its title, names and ``most`` most frequent
    body terms (:data:`STORY_BODY_KEYS`; a story of reports without headlines would
    otherwise be found by its names alone)."""
    title, body = story.title, story.body
    if not body:
        return (*title, *story.entities)  # a story of headlines alone
    # each key once: title terms (letters) and names ("p:...") never meet, body terms may
    # repeat title terms
    return (*title, *story.entities, *[t for t in largest(body, most) if t not in title])


def as_article(sid: int, story: StoryFeatures, keys: tuple[str, ...] | None = None) -> ArticleFeatures:
    """A story seen as one long article, so :func:`compare` can compare two stories
    (``keys``: its :func:`story_keys`, where the caller has them)."""
    # the dataclass's fields set at once, in field order (its frozen __init__ sets each by a
    # Python call)
    day = story.day
    return new_fields(ArticleFeatures, (
        f"story:{sid}", text_dict(story.title), text_dict(story.body), text_dict(story.entities),
        frozenset(story.numbers) if story.numbers else _NONE,
        round(day) if day is not None else None, story.year, text_dict(story.year_bag), not story.body,
        tuple(sorted(story.top_entities())),
        frozenset(story.weekdays) if story.weekdays else _NONE,
        frozenset(story.months) if story.months else _NONE,
        story_keys(story, STORY_BODY_KEYS) if keys is None else keys, None,
    ))


#: one empty set for every story that names no numbers, weekdays or months
_NONE: frozenset[str] = frozenset()


class StoryViews:
    """What refinement derives from a story, kept per story version: its
    :func:`story_keys`, and the weighted vectors of :func:`as_article` or their
    :func:`article_norms` or :func:`text_norms` (each is asked for again and again while a
    story waits for its next join). A story only grows in place, so its size tells its
    versions apart; one rebuilt after a split is a new object."""

    def __init__(self, clusterer: OnlineClusterer) -> None:
        self.clusterer = clusterer
        self._stories = clusterer.stories_  # (the clusterer's dict: it stays while refinement runs)
        #: by the story object (hashed by identity, and held here): a story rebuilt after a
        #: split, a new object, has views of its own
        self._views: dict[StoryFeatures, _View] = {}

    def _view(self, sid: int) -> _View:
        story = self._stories[sid]
        view = self._views.get(story)
        if view is None or view.size != story.size:
            view = self._views[story] = _View(story)
        return view

    def keys(self, sid: int) -> tuple[str, ...]:
        view = self._view(sid)
        story = view.story
        keys = view.keys
        if keys is None:
            keys = view.keys = story_keys(story, STORY_BODY_KEYS)
        return keys

    def norms(self, sid: int) -> tuple[object, ...]:
        """The story's :func:`article_norms`."""
        view = self._view(sid)
        story = view.story
        norms = view.norms
        if norms is None:
            norms = view.norms = article_norms(story, self.clusterer.df_)
        return norms

    def text_norms(self, sid: int) -> TextNorms:
        """The story's :func:`text_norms`."""
        view = self._view(sid)
        story = view.story
        norms = view.text_norms
        if norms is None:
            # (the merge pass's article_norms of this version, where it made them, give the title's)
            norms = view.text_norms = text_norms(story, self.clusterer.df_, view.norms)
        return norms

    def vectors(self, sid: int, *, text_only: bool = False) -> ArticleVectors:
        """The story's :func:`as_article` vectors (``text_only``: see :class:`ArticleVectors`;
        the full ones serve for them where they are there already)."""
        view = self._view(sid)
        if view.vectors is not None:
            return view.vectors
        if text_only and view.text is not None:
            return view.text
        vectors = ArticleVectors(as_article(sid, view.story, self.keys(sid)), self.clusterer.df_, text_only=text_only)
        if text_only:
            view.text = vectors
        else:
            view.vectors = vectors
        return vectors


class _View:
    __slots__ = ("story", "size", "keys", "vectors", "text", "norms", "text_norms")

    def __init__(self, story: StoryFeatures) -> None:
        self.story = story
        self.size = story.size
        self.keys: tuple[str, ...] | None = None
        self.vectors: ArticleVectors | None = None
        self.text: ArticleVectors | None = None
        self.norms: tuple[object, ...] | None = None
        self.text_norms: TextNorms | None = None


#: what :func:`text_norms` gives (see there)
TextNorms = tuple[float, float, float, int, bool, object]


def _story_probability(clusterer: OnlineClusterer, a: int, b: int, views: StoryViews | None = None,
                       reads_conflict: dict[bool, bool] | None = None) -> float:
    """The merge models' mean probability of two stories, each compared with the other
    (the same either way round). ``reads_conflict[headline]``: whether that merge model
    weighs entity_conflict (the costliest feature is computed only then; without it, always)."""
    if reads_conflict is None:
        reads_conflict = {False: True, True: True}
    views = views or StoryViews(clusterer)
    sa, sb = clusterer.stories_[a], clusterer.stories_[b]
    df = clusterer.df_
    va, vb = views.vectors(a), views.vectors(b)
    fa = compare(va, sb, df, with_conflict=reads_conflict[va.features.headline_only])
    fb = compare(vb, sa, df, with_conflict=reads_conflict[vb.features.headline_only])
    floor = clusterer.text_floor(headline=not sa.body and not sb.body)
    if not (words_meet(fa, floor) or words_meet(fb, floor)):
        return 0.0
    pa = clusterer.merge_probability(fa, headline=va.features.headline_only)
    pb = clusterer.merge_probability(fb, headline=vb.features.headline_only)
    return (pa + pb) / 2


def article_norms(story: StoryFeatures, df: DocumentFrequencies) -> tuple[object, ...]:
    """The norms of the :class:`ArticleVectors` of :func:`as_article`'s story: of its title,
    entity and year vectors, of each kind's entities (:data:`~.features.KINDS`), how many
    entities each kind holds, whether its title + body bag is its title bag item for
    item (:func:`_same_bag`: a story of headlines alone; the compiled merge loop then reads
    a cosine with the one as the cosine with the other), and the title as the compiled loop
    reads it (None here; there a capsule of its terms, weights and IDF, made once per
    version of the story rather than read from the dicts once per pair)."""
    vectors = ArticleVectors(as_article(0, story, ()), df)
    return (vectors.title_norm, vectors.entity_norm, vectors.years_norm, *(vectors.kinds[k][1] for k in KINDS),
            *(len(vectors.kinds[k][0]) for k in KINDS), _same_bag(text_dict(story.title), text_dict(story.all)), None)


def _same_bag(a: object, b: object) -> bool:
    """Whether two bags are plain dicts of the same items in the same order: the same key
    objects, with equal float values (every product read of the one is that of the other)."""
    return (type(a) is dict and type(b) is dict and len(a) == len(b)
            and all(k is j and type(v) is float and type(w) is float and v == w
                    for (k, v), (j, w) in zip(a.items(), b.items(), strict=True)))


def headline_merge_probability(a: StoryFeatures, norms_a: tuple[object, ...], b: StoryFeatures,
                               norms_b: tuple[object, ...], df: DocumentFrequencies, floor: float,
                               weights: Sequence[float], bias: float) -> float | None:
    """:func:`_story_probability` of two stories of headlines alone by the merge model
    ``weights``, ``bias`` (one that gives entity_conflict no weight; ``floor``: the
    headline text floor); None where either story has a body. The compiled loop compares
    the stories' bags without building their vectors, from their :func:`article_norms`
    (``norms_a``, ``norms_b``; this reference builds the vectors), and reads more than
    their words only where those meet (elsewhere it caches the norms the rest would)."""
    if a.body or b.body:
        return None
    va, vb = ArticleVectors(as_article(0, a, ()), df), ArticleVectors(as_article(0, b, ()), df)
    fa = compare(va, b, df, with_conflict=False)
    fb = compare(vb, a, df, with_conflict=False)
    if not (words_meet(fa, floor) or words_meet(fb, floor)):
        return 0.0
    return (probability(fa, weights=weights, bias=bias) + probability(fb, weights=weights, bias=bias)) / 2


def text_norms(story: StoryFeatures, df: DocumentFrequencies, known: tuple[object, ...] | None = None) -> TextNorms:
    """The norms of the text-only :class:`ArticleVectors` of :func:`as_article`'s story (of
    its title, body and title + body vectors), how many terms the title + body one holds,
    whether its title + body bag is its title bag item for item (:func:`_same_bag`: the
    compiled :func:`story_shares_words` then reads the title cosine's dot product for the
    other), and the title as the compiled loop reads it (None here; there a capsule of its
    terms, weights and IDF). Made once per version of the story rather than once per pair.
    ``known``: the story's :func:`article_norms` of this version, where the caller has them:
    their title norm, sameness and title are these (the same title bag and IDF), and are
    read rather than made again."""
    vectors = ArticleVectors(as_article(0, story, ()), df, text_only=True)
    if known is not None:
        return (known[0], vectors.body_norm, vectors.all_norm, len(vectors.all), known[9], known[10])
    return (vectors.title_norm, vectors.body_norm, vectors.all_norm, len(vectors.all),
            _same_bag(text_dict(story.title), text_dict(story.all)), None)


def story_shares_words(a: StoryFeatures, norms_a: TextNorms, b: StoryFeatures,
                       norms_b: TextNorms, df: DocumentFrequencies, floor: float) -> bool:
    """:func:`~.features.shares_words` of story ``a`` read as one article (:func:`as_article`'s
    text-only vectors) and story ``b``. The compiled loop reads ``a``'s bags without building
    its vectors, from its :func:`text_norms` (``norms_a``, and ``b``'s ``norms_b``; this
    reference builds the vectors)."""
    return shares_words(ArticleVectors(as_article(0, a, ()), df, text_only=True), b, df, floor)


#: the pure-Python references of the story views' C loops and type, by name (see _REFERENCE
#: below; the compiled StoryViews makes a missing view by the functions named here, as read
#: from this module's globals at that time)
_VIEW_REFERENCE = {f.__name__: f for f in (story_keys, text_norms, story_shares_words, StoryViews)}

if COMPILED:
    from .._speedups import StoryViews, story_keys, story_shares_words, text_norms  # type: ignore  # noqa: F811


def rank_by_title(story: StoryFeatures, norms: tuple[object, ...], candidates: Sequence[int],
                  stories: dict[int, StoryFeatures], df: DocumentFrequencies, count: int) -> dict[int, float] | None:
    """:func:`~.features.rank_stories` of a story of headlines alone read as one article
    (:func:`as_article`'s text-only vectors); None where it has a body. Such a story's
    title + body vector is its title vector: the compiled loop reads it from the title its
    :func:`article_norms` of this version (``norms``) hold, without building the vectors
    (this reference builds them)."""
    if story.body:
        return None
    return rank_stories(ArticleVectors(as_article(0, story, ()), df, text_only=True), candidates, stories, df, count)


#: the pure-Python references of the merge pass's C loops, by name (see _REFERENCE below)
_MERGE_REFERENCE = {f.__name__: f for f in (article_norms, headline_merge_probability, rank_by_title)}

if COMPILED:
    from .._speedups import article_norms, headline_merge_probability, rank_by_title  # type: ignore  # noqa: F811


def _too_far_apart(clusterer: OnlineClusterer, a: int, b: int) -> bool:
    """Stories whose event days lie further apart than the window are two events,
    however alike their words: the same veto the online decision applies. So are a story
    of undated reports and a dated story whose years its reports contradict
    (:func:`_years_contradict`). Two distinct stories ``a`` and ``b``; the test itself is
    :func:`near_in_time`'s."""
    return not near_in_time(clusterer, a, [b], _years_apart)


def near_in_time(clusterer: OnlineClusterer, sid: int, others: list[int],
                 years_apart: Callable[[OnlineClusterer, int, int], bool]) -> list[int]:
    """The stories of ``others``, less ``sid``, that are not too far apart in time from
    story ``sid`` (:func:`_too_far_apart`): where both are dated, their days (as
    StoryFeatures.day gives them) lie within the window; else neither's undated reports
    name years that place it apart (``years_apart``: :func:`_years_apart`). Story ``sid``'s
    day is read once for all of them, without a call per story (the compiled loop reads
    the days in doubles where that is exact)."""
    stories = clusterer.stories_
    story = stories[sid]
    if not story.day_n:
        return [o for o in others if o != sid and not years_apart(clusterer, sid, o)]
    day, window = story.day_sum / story.day_n, clusterer.window_days
    near = []
    for o in others:
        if o == sid:
            continue
        other = stories[o]
        if other.day_n:
            gap = day - other.day_sum / other.day_n
            if gap > window or -gap > window:  # abs(gap) > window, without the call
                continue
        elif years_apart(clusterer, sid, o):
            continue
        near.append(o)
    return near


#: the pure-Python reference of the time veto's C loop (see _REFERENCE below)
_TIME_REFERENCE = {near_in_time.__name__: near_in_time}

if COMPILED:
    from .._speedups import near_in_time  # type: ignore  # noqa: F811


def _years_apart(clusterer: OnlineClusterer, a: int, b: int) -> bool:
    """Whether either story's undated reports name years that place it apart from the other
    (:func:`_years_contradict`, which is one-way). Its first test, that the undated one is
    undated, is read here before its call (near_in_time asks where either story is undated)."""
    stories = clusterer.stories_
    return ((stories[a].first_day is None and _years_contradict(clusterer, a, b))
            or (stories[b].first_day is None and _years_contradict(clusterer, b, a)))


def _years_contradict(clusterer: OnlineClusterer, undated: int, dated: int) -> bool:
    """Whether story ``undated`` (no report with a date) tells another event than story
    ``dated`` by the years its reports name: every one lies before the first day of
    ``dated``, or at least :data:`LATER_YEAR_REPORTS` of its reports name a year after it.

    Reports of an event name its year, earlier years, or no year at all; reports that name
    only earlier years tell an earlier event of the same kind (the same team's star on
    injured reserve two seasons before, a rule made by one administration and reversed by
    the next), and many reports naming later years a later one (a coach fired three years
    after his predecessor). The stream has no such test: one report's years are too often
    background. Only stories whose reports name years (:data:`YEAR_EVIDENCE_REPORTS`) count.
    """
    if clusterer.stories_[undated].first_day is not None:
        return False  # not an undated story
    bounds = _year_bounds(clusterer.stories_[dated])
    if bounds is None:
        return False  # not a dated story
    first_year, later_than = bounds
    # an undated report's year is the latest year it names (features.featurize)
    named = [f.year for f in clusterer.members_[undated] if f.year is not None]
    if len(named) < YEAR_EVIDENCE_REPORTS:
        return False
    if max(named) < first_year:
        return True
    return sum(1 for year in named if year > later_than) >= LATER_YEAR_REPORTS


def _year_bounds(story: StoryFeatures) -> tuple[int, int] | None:
    """The year of a dated story's first day, and the year after which a year named by an
    undated report places it later (LATER_YEAR_SLACK past the last day's); None if undated."""
    if story.first_day is None or story.last_day is None:
        return None
    return date.fromordinal(story.first_day).year, date.fromordinal(story.last_day).year + LATER_YEAR_SLACK


def _dated_stories(clusterer: OnlineClusterer, *, undated: int = 0, dated: int = 0) -> Iterator[tuple[int, int, int]]:
    """Each dated story's id with its year bounds (:func:`_year_bounds`), of the stories with
    at least ``undated`` undated and ``dated`` dated reports (a story counts its dated
    reports in day_n: the others are not walked); safe to change the clusterer's stories
    while iterating."""
    for sid in list(clusterer.stories_):
        story = clusterer.stories_[sid]
        if story.size - story.day_n < undated or story.day_n < dated:
            continue
        bounds = _year_bounds(story)
        if bounds is not None:
            yield sid, *bounds


def _take_out(clusterer: OnlineClusterer, sid: int, leaving: list[ArticleFeatures], to: int | None,
              moved: dict[str, int]) -> int:
    """Move the reports ``leaving`` from story ``sid`` to story ``to`` (a new story when
    None) and return that story's id. A story's features are sums over its reports, so
    the story is rebuilt from the reports that stay; its id stays."""
    out = {id(f) for f in leaving}
    staying = [f for f in clusterer.members_[sid] if id(f) not in out]
    clusterer._detach(sid)
    clusterer._attach_all(staying, sid)
    if to is None:
        to = clusterer._next_id
        clusterer._next_id += 1
    clusterer._attach_all(leaving, to)
    labels = clusterer.labels_
    for f in leaving:
        labels[f.id] = to
        moved[f.id] = to
    return to


def _mean_probability(pair: PairScores, report: ArticleFeatures, group: list[ArticleFeatures]) -> float:
    """The pair model's mean same-event probability of ``report`` with (a sample of) the
    other members of ``group``."""
    read = _sample([f for f in group if f is not report])
    return mean_probability(pair, [report], read, 0.0) if read else 0.0  # pair.mean


def merge_scores(stories: dict[int, StoryFeatures], sid: int, others: list[int], every: bool, threshold: float,
                 headline_threshold: float, scored: dict[tuple[int, int, int, int], float], views: StoryViews,
                 clusterer: OnlineClusterer, headline_model: tuple[Sequence[float], float] | None,
                 headline_floor: float, fallback: Callable[[int, int], float]) -> list[tuple[float, float, int]]:
    """:func:`merge_stories`' scores: (probability, cut, other) for each of ``others``: the
    merge models' probability of stories ``sid`` and ``other`` (scored once for each pair
    of their versions, in ``scored``), and the threshold ``cut`` of the pair (two stories of
    headlines alone have their own); a pair for which the pass is off (cut 1) is left out
    unless ``every``. Two stories of headlines alone are compared by
    :func:`headline_merge_probability` where ``headline_model`` (weights, bias) is given,
    any others by ``fallback(a, b)``. Story sid's norms, where read, are read once (in the
    order the pair's two are read)."""
    story = stories[sid]
    headline = not story.body
    own_norms = None
    found = []
    for other in others:
        so = stories[other]
        cut = headline_threshold if headline and not so.body else threshold
        if cut >= 1 and not every:
            continue
        a, b, sa, sb = (sid, other, story, so) if sid < other else (other, sid, so, story)
        key = (a, sa.size, b, sb.size)
        p = scored.get(key)
        if p is None:
            if headline_model is not None:
                if a == sid:
                    own_norms = norms_a = own_norms or views.norms(a)
                    norms_b = views.norms(b)
                else:
                    norms_a = views.norms(a)
                    own_norms = norms_b = own_norms or views.norms(b)
                p = headline_merge_probability(sa, norms_a, sb, norms_b, clusterer.df_, headline_floor,
                                               headline_model[0], headline_model[1])
            if p is None:
                p = fallback(a, b)
            scored[key] = p
        found.append((p, cut, other))
    return found


#: the pure-Python reference of the merge pass's loop over a story's candidates (see
#: _REFERENCE below)
_MERGE_REFERENCE[merge_scores.__name__] = merge_scores

if COMPILED:
    from .._speedups import merge_scores  # type: ignore  # noqa: F811


def merge_stories(clusterer: OnlineClusterer, *, threshold: float, headline_threshold: float | None = None,
                  views: StoryViews | None = None) -> dict[str, int]:
    """Merge story pairs above the threshold, most probable first (the older id stays)."""
    if headline_threshold is None:
        headline_threshold = threshold

    moved: dict[str, int] = {}
    heap: list[tuple[float, int, int]] = []
    views = views or StoryViews(clusterer)
    conflict = FEATURE_NAMES.index("entity_conflict")
    reads_conflict = {h: weighs(clusterer.merge_model(headline=h)[0], conflict) for h in (False, True)}
    # by both stories' ids and sizes (here a story only grows, and a joined one is gone for
    # good): a pair comes up from both sides, and again when it leaves the heap
    scored: dict[tuple[int, int, int, int], float] = {}

    # two stories of headlines alone are compared in one call where the headline model
    # gives entity_conflict no weight (it is computed in Python)
    headline_model = None if reads_conflict[True] else clusterer.merge_model(headline=True)
    headline_floor = clusterer.text_floor(headline=True)

    stories = clusterer.stories_

    def fallback(a: int, b: int) -> float:
        return _story_probability(clusterer, a, b, views, reads_conflict)

    def push_pairs(sid: int) -> None:
        if stories[sid].body and threshold >= 1:
            return  # every pair with a story that has a body is off: skip its retrieval
        others = near_in_time(clusterer, sid, clusterer._retrieve(views.keys(sid)), _years_apart)
        if len(others) > FULL_COMPARE:
            # as in the stream: one cosine to rank, the full features for the best (a story of
            # headlines alone ranked by the title its norms hold: scores reads them next)
            if stories[sid].body:
                ranked = rank_stories(views.vectors(sid, text_only=True), others, stories, clusterer.df_,
                                      FULL_COMPARE)
            else:
                ranked = rank_by_title(stories[sid], views.norms(sid), others, stories, clusterer.df_, FULL_COMPARE)
            others = list(ranked)
        for p, cut, other in merge_scores(stories, sid, others, False, threshold, headline_threshold, scored, views,
                                          clusterer, headline_model, headline_floor, fallback):
            if p >= cut:
                heapq.heappush(heap, (-p, sid, other) if sid < other else (-p, other, sid))

    for sid in list(clusterer.stories_):
        push_pairs(sid)
    version: dict[int, int] = {}
    while heap:
        _, keep, gone = heapq.heappop(heap)
        if keep not in clusterer.stories_ or gone not in clusterer.stories_:
            continue
        # Re-check: either story may have grown since this pair was scored.
        if version.get(keep) or version.get(gone):
            if _too_far_apart(clusterer, keep, gone):
                continue
            p, cut, _ = merge_scores(stories, keep, [gone], True, threshold, headline_threshold, scored, views,
                                     clusterer, headline_model, headline_floor, fallback)[0]
            if p < cut:
                continue
        _absorb(clusterer, keep, gone, moved)
        version[keep] = version.get(keep, 0) + 1
        push_pairs(keep)
    return moved


def _absorb(clusterer: OnlineClusterer, keep: int, gone: int, moved: dict[str, int]) -> None:
    """Move every article of story ``gone`` into story ``keep`` (recorded in ``moved``)."""
    members = clusterer.members_[gone]
    clusterer._detach(gone)
    clusterer._attach_all(members, keep)
    labels = clusterer.labels_
    for f in members:
        labels[f.id] = keep
        moved[f.id] = keep


def move_reports_by_year(clusterer: OnlineClusterer, *, threshold: float,
                         pairs: PairScores | None = None) -> dict[str, int]:
    """Move each undated report of a dated story whose years place it in another time (the
    latest year it names is before the story's first day, or over LATER_YEAR_SLACK years
    after its last) to the undated story the pair model places it in best, where that mean
    probability reaches ``threshold``.

    The report's mean with its own story is not asked to be lower: reports of two events of
    one kind share actors and words, so the pair model rates the report high with both, and
    its years are what tell the two apart. Held out, a 2009 Saints report rated 0.86 with the
    2011 story and 0.74 with the 2008 one stayed put while that was asked (held-out topics
    pooled 0.9487 -> 0.9522, fit_cluster_model's CV 0.9484 -> 0.9519; in sample unchanged).

    The stream cannot read one report's years (they are as often background, or plans to
    come, as its own time), so an undated report of another event of the same kind can join
    a dated story there; once that other event has a story of its own, the report's years
    and the pair model agreeing on that story are evidence enough (see
    :func:`_years_contradict`). On ecbplus-dev it moves three reports, rightly (in-sample
    BCubed F1 0.9472 -> 0.9570, topic-wise CV 0.9421 -> 0.9484; with earlier years only,
    one report: 0.9507 in-sample, CV unchanged).
    """
    pair = pairs or PairScores(clusterer)
    moved: dict[str, int] = {}
    for sid, first_year, later_than in _dated_stories(clusterer, undated=1):
        for report in [f for f in clusterer.members_[sid] if f.day is None and f.year is not None
                       and (f.year < first_year or f.year > later_than)]:
            best, best_p = None, threshold
            for other in clusterer._retrieve(report.keys, limit=LINK_CANDIDATES):
                if other == sid or clusterer.stories_[other].first_day is not None:
                    continue  # only an undated story can hold the other event's undated reports
                p = _mean_probability(pair, report, clusterer.members_[other])
                if p >= best_p:
                    best, best_p = other, p
            if best is not None:
                _take_out(clusterer, sid, [report], best, moved)
    return moved


def split_off_other_years(clusterer: OnlineClusterer, *, pairs: PairScores | None = None) -> dict[str, int]:
    """Split the undated reports off a dated story when those that name years all place it
    in another time: at least :data:`OTHER_YEARS_REPORTS` of them name a year outside its
    bounds (:func:`_year_bounds`), none names one inside, and at least
    :data:`OTHER_YEARS_DATED` reports carry a date. The undated reports that name no year go
    with them unless they read clearly closer to the dated reports
    (:data:`OTHER_YEARS_MARGIN`): nothing else places them in time, and the words they
    share with the dated reports are the words two events of one kind share.

    The stream joins an undated report to a dated story one report at a time, where one
    report's years are too weak to act on, and the other event may never get a story of its
    own for :func:`move_reports_by_year` to move reports to. Held out on ecbplus-dev, the
    2008 and 2013 Turkmen elections and the Bush rule on endangered species and its
    reversal were each one story this way (held-out topics pooled 0.9522 -> 0.9662,
    fit_cluster_model's CV 0.9519 -> 0.9659; in sample
    unchanged, 0.9570: fitted on their own topic, the models keep them apart in the stream).
    """
    pair = pairs or PairScores(clusterer)
    moved: dict[str, int] = {}
    for sid, first_year, later_than in _dated_stories(clusterer, undated=OTHER_YEARS_REPORTS, dated=OTHER_YEARS_DATED):
        members = clusterer.members_[sid]
        dated = [f for f in members if f.day is not None]
        undated = [f for f in members if f.day is None]
        naming = [f for f in undated if f.year is not None]
        elsewhen = [f for f in naming if f.year < first_year or f.year > later_than]
        if len(elsewhen) < OTHER_YEARS_REPORTS or len(elsewhen) < len(naming) or len(dated) < OTHER_YEARS_DATED:
            continue
        part = elsewhen + [f for f in undated if f.year is None and _mean_probability(pair, f, dated)
                           < _mean_probability(pair, f, elsewhen) + OTHER_YEARS_MARGIN]
        _take_out(clusterer, sid, part, None, moved)
        logger.debug("story %d: %d undated reports naming other years split off", sid, len(part))
    return moved


def split_stories(clusterer: OnlineClusterer, *, ratio: float, headline_ratio: float | None = None,
                  pairs: PairScores | None = None) -> dict[str, int]:
    """Split stories whose members fall into two groups that agree within far more than across.

    Each story's members are partitioned in two by average linkage over the pair model's
    same-event probabilities; the story is split when the mean probability between the two
    groups is below ``ratio`` times the mean within the less cohesive group. A relative
    test, because how probable a same-event pair looks varies from story to story (long
    wire reports, short rewrites, pages without a headline), while reports of one event
    agree with each other more than with the reports of a sibling event. The largest part
    keeps the id; each part is checked again.
    """
    if headline_ratio is None:
        headline_ratio = ratio
    pairs = pairs or PairScores(clusterer)
    moved: dict[str, int] = {}
    todo = list(clusterer.stories_)
    while todo:
        sid = todo.pop()
        story = clusterer.stories_.get(sid)
        members = clusterer.members_.get(sid, [])
        cut = headline_ratio if story is not None and not story.body else ratio
        if cut <= 0 or not (2 * SPLIT_MIN_PART <= len(members) <= SPLIT_MAX_MEMBERS):
            continue
        window = clusterer.window_days
        prob = [[1.0 if i == j else 0.0 if _days_apart(a, b) > window else pairs(a, b)
                 for j, b in enumerate(members)] for i, a in enumerate(members)]
        found = _two_groups(prob)
        if found is None:
            continue
        first, second, outliers = found
        within = min(_mean_within(prob, first), _mean_within(prob, second))
        between = sum(prob[i][j] for i in first for j in second) / (len(first) * len(second))
        if between >= cut * within:
            continue
        new = _take_out(clusterer, sid, [members[i] for i in sorted(second)], None, moved)
        logger.debug("split story %d: %d + %d articles (between %.2f, within %.2f)",
                     sid, len(first) + len(outliers), len(second), between, within)
        todo.extend((sid, new))
    return moved


def _two_groups(prob: list[list[float]]) -> tuple[list[int], list[int], list[int]] | None:
    """The two largest groups of an average-linkage tree over ``1 - prob``, cut as high as
    gives both at least :data:`SPLIT_MIN_PART` members (what the cut leaves in smaller
    groups, at most :data:`SPLIT_MAX_OUTLIERS` members, are outliers); None if no cut does."""
    import numpy as np
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    distances = squareform(np.clip(1.0 - np.array(prob), 0.0, 1.0), checks=False)
    tree = linkage(distances, method="average")
    for k in range(2, 3 + SPLIT_MAX_OUTLIERS):
        labels = fcluster(tree, k, criterion="maxclust")
        groups: dict[int, list[int]] = {}
        for i, label in enumerate(labels.tolist()):
            groups.setdefault(label, []).append(i)
        ordered = sorted(groups.values(), key=lambda g: (-len(g), g[0]))
        if len(ordered) < 2:
            continue
        first, second = ordered[0], ordered[1]
        outliers = [i for g in ordered[2:] for i in g]
        if len(outliers) > SPLIT_MAX_OUTLIERS or len(first) < SPLIT_MIN_PART:
            return None
        if len(second) >= SPLIT_MIN_PART:
            return first, second, outliers
    return None


def _days_apart(a: ArticleFeatures, b: ArticleFeatures) -> float:
    """Days between two articles' events (0 when either is undated): past the window, two
    reports are two events whatever the pair model says, as in the stream."""
    return abs(a.day - b.day) if a.day is not None and b.day is not None else 0.0


def _mean_within(prob: list[list[float]], group: list[int]) -> float:
    total = sum(prob[i][j] for a, i in enumerate(group) for j in group[a + 1:])
    return total / (len(group) * (len(group) - 1) / 2)


class PairScores:
    """The pair model's same-event probability of two articles, cached by their ids
    (the splitting and linkage passes ask for the same pairs)."""

    def __init__(self, clusterer: OnlineClusterer) -> None:
        self.clusterer = clusterer
        #: the corpus whose IDF weights the pairs are scored by (it does not change while
        #: refinement runs)
        self._df = clusterer.df_
        #: article id -> what :func:`pair_probability` compares of it: its vectors and its
        #: one-article story (the two sides of pair_features); the compiled loop keeps
        #: its own side, one object the garbage collector does not track
        self._sides: dict[str, object] = {}
        #: the pair model's weights (as doubles, which the compiled loop reads in place) and
        #: bias, by whether either article is a headline alone
        self._models: dict[bool, tuple[array[float], float]] = {}
        for headline in (False, True):
            weights, bias = clusterer.pair_model(headline=headline)
            self._models[headline] = (array("d", weights), bias)
        #: the smaller id -> the larger -> probability: a dict per report rather than a tuple
        #: key per pair (some 10k at 10k articles), each of which counts towards the cyclic
        #: garbage collector's next run
        self._cache: dict[str, dict[str, float]] = {}

    def __call__(self, a: ArticleFeatures, b: ArticleFeatures) -> float:
        return pair_probability(self, a, b)

    def mean(self, xs: list[ArticleFeatures], ys: list[ArticleFeatures], *, at_least: float = 0.0) -> float:
        """The mean probability over every pair of ``xs`` with ``ys`` (summed in that
        order), or, as soon as it cannot reach ``at_least``, some value below it (the
        pairs left are then not scored)."""
        return mean_probability(self, xs, ys, at_least)


def pair_probability(scores: PairScores, a: ArticleFeatures, b: ArticleFeatures) -> float:
    """The probability of :class:`PairScores` ``scores`` for two articles: from its cache, or
    scored and cached."""
    lo, hi = (a.id, b.id) if a.id < b.id else (b.id, a.id)
    row = scores._cache.get(lo)
    if row is None:
        row = scores._cache[lo] = {}
    p = row.get(hi)
    if p is None:
        p = row[hi] = _pair_score(scores, a, b)
    return p


def _pair_score(scores: PairScores, a: ArticleFeatures, b: ArticleFeatures) -> float:
    """:meth:`OnlineClusterer.pair_probability` of the two compared both ways with
    :func:`compare` (without the entity conflict)."""
    vectors_a, story_a = _side(scores, a)
    vectors_b, story_b = _side(scores, b)
    idf = scores._df.weights
    weights, bias = scores._models[a.headline_only or b.headline_only]
    # each story's _norms are fresh: _side asked for them
    a_to_b = pair_features(vectors_a, story_b, idf, story_b._norms, None, None)
    b_to_a = pair_features(vectors_b, story_a, idf, story_a._norms, None, None)
    return interaction_probability(symmetric(a_to_b, b_to_a), weights, bias)


def _side(scores: PairScores, f: ArticleFeatures) -> tuple[ArticleVectors, StoryFeatures]:
    """The article's vectors and its one-article story, made and filed on first use."""
    side = scores._sides.get(f.id)
    if side is None:
        story = single_story(f)
        story._fresh_norms(scores._df)
        side = scores._sides[f.id] = (ArticleVectors(f, scores._df), story)
    return side  # type: ignore[return-value]


def mean_probability(scores: PairScores, xs: list[ArticleFeatures], ys: list[ArticleFeatures],
                     at_least: float) -> float:
    """:meth:`PairScores.mean`."""
    n = len(xs) * len(ys)
    # each probability is at most 1: once the sum so far and one for each pair to come
    # fall short of at_least * n by more than rounding, the mean cannot reach it
    short = at_least * n - 1e-9
    read: list[float] = []
    total = 0.0
    left = n
    for x in xs:
        for y in ys:
            p = pair_probability(scores, x, y)
            read.append(p)
            total += p
            left -= 1
            if total + left < short:
                return total / n
    return sum(read) / n


#: the pure-Python references of the compiled pair loops, by name (see _REFERENCE below)
_PAIR_REFERENCE = {f.__name__: f for f in (pair_probability, mean_probability)}

if COMPILED:
    from .._speedups import mean_probability, pair_probability  # type: ignore  # noqa: F811

#: the pure-Python references of refinement's C loops (story views, merge pass and article
#: pairs), by name (tests and bench/bench_cluster.py --python-loops swap them in)
_REFERENCE = {**_VIEW_REFERENCE, **_MERGE_REFERENCE, **_PAIR_REFERENCE, **_TIME_REFERENCE}


def _sample(members: list[ArticleFeatures]) -> list[ArticleFeatures]:
    if len(members) <= LINK_MAX_MEMBERS:
        return members
    step = len(members) / LINK_MAX_MEMBERS
    return [members[int(i * step)] for i in range(LINK_MAX_MEMBERS)]


def link_scores(stories: dict[int, StoryFeatures], members: dict[int, list[ArticleFeatures]], sid: int,
                others: list[int], every: bool, threshold: float, headline_threshold: float, headline_floor: float,
                body_floor: float, views: StoryViews, df: DocumentFrequencies,
                pair: PairScores) -> list[tuple[float, float, int]]:
    """:func:`link_stories`' scores: (score, cut, other) for each of ``others``: the pair
    model's mean over the articles of story ``sid`` and ``other`` (:func:`mean_probability`,
    of samples of at most :data:`LINK_MAX_MEMBERS`), where it reaches the threshold ``cut``
    of the pair (two stories of headlines alone have their own, and their text floor),
    else some value below (0.0 where their words do not meet); a pair whose threshold is off
    (0) is left out unless ``every``. What is read of story sid, which does not change
    meanwhile, is read once, where first needed."""
    story = stories[sid]
    headline = not story.body
    norms = sample = None
    found = []
    for other in others:
        so = stories[other]
        both = headline and not so.body
        cut = headline_threshold if both else threshold
        if cut <= 0 and not every:
            continue
        floor = headline_floor if both else body_floor
        if norms is None:
            norms = views.text_norms(sid)
        norms_other = views.text_norms(other)
        if not (story_shares_words(story, norms, so, norms_other, df, floor)
                or story_shares_words(so, norms_other, story, norms, df, floor)):
            found.append((0.0, cut, other))
            continue
        if sample is None:
            sample = _sample(members[sid])
        # (a story of at most LINK_MAX_MEMBERS is its own sample: _sample's call saved)
        ys = members[other]
        if len(ys) > LINK_MAX_MEMBERS:
            ys = _sample(ys)
        found.append((mean_probability(pair, sample, ys, cut), cut, other))  # pair.mean
    return found


# the pure-Python reference of the linkage pass's loop over a story's candidates
_REFERENCE[link_scores.__name__] = link_scores

if COMPILED:
    from .._speedups import link_scores  # type: ignore  # noqa: F811


def link_stories(clusterer: OnlineClusterer, *, threshold: float, headline_threshold: float | None = None,
                 pairs: PairScores | None = None, views: StoryViews | None = None) -> dict[str, int]:
    """Average-linkage agglomeration over stories (the older id stays).

    Two stories are scored by the mean, over pairs of their articles, of the pair model's
    same-event probability: a story is judged by all its reports, not by the sum of its
    words, which is what lets average linkage keep two similar events apart while still
    joining the reports of one. Only the stories the inverted index retrieves for each
    other are scored, inside the time window, and only when their words meet.
    """
    if headline_threshold is None:
        headline_threshold = threshold
    moved: dict[str, int] = {}
    df = clusterer.df_
    pair = pairs or PairScores(clusterer)
    views = views or StoryViews(clusterer)
    # the text floors between two stories of headlines alone and otherwise (read once)
    headline_floor, body_floor = clusterer.text_floor(headline=True), min(LINK_TEXT_FLOOR, clusterer.text_floor())

    stories, members = clusterer.stories_, clusterer.members_

    heap: list[tuple[float, int, int, int, int]] = []
    size: dict[int, int] = {}

    def push_pairs(sid: int) -> None:
        own = stories[sid].size
        retrieved = clusterer._retrieve(views.keys(sid), limit=LINK_CANDIDATES)
        for p, cut, other in link_scores(stories, members, sid, near_in_time(clusterer, sid, retrieved, _years_apart),
                                         False, threshold, headline_threshold, headline_floor, body_floor, views, df,
                                         pair):
            if p >= cut:
                heapq.heappush(heap, (-p, sid, other, own, stories[other].size) if sid < other
                               else (-p, other, sid, own, stories[other].size))

    for sid in list(clusterer.stories_):
        push_pairs(sid)
    while heap:
        _, keep, gone, _, _ = heapq.heappop(heap)
        if keep not in clusterer.stories_ or gone not in clusterer.stories_:
            continue
        if size.get(keep) or size.get(gone):
            # either story has grown since this pair was scored: check and score it again
            if _too_far_apart(clusterer, keep, gone):
                continue
            p, cut, _ = link_scores(stories, members, keep, [gone], True, threshold, headline_threshold,
                                    headline_floor, body_floor, views, df, pair)[0]
            if p < cut:
                continue
        _absorb(clusterer, keep, gone, moved)
        size[keep] = size.get(keep, 0) + 1
        push_pairs(keep)
    return moved


def attach_fragments(clusterer: OnlineClusterer, *, threshold: float, headline_threshold: float | None = None,
                     max_size: int | None = None, pairs: PairScores | None = None,
                     views: StoryViews | None = None) -> dict[str, int]:
    """Join each fragment (a story of at most ``max_size`` articles), smallest first, to the
    larger story holding its nearest report: single linkage from the fragment, where the
    linkage pass averages over whole stories. Only stories the index retrieves for the
    fragment, inside the time window, are looked at."""
    max_size = ATTACH_MAX_SIZE if max_size is None else max_size
    if headline_threshold is None:
        headline_threshold = threshold
    pair = pairs or PairScores(clusterer)
    views = views or StoryViews(clusterer)
    window = clusterer.window_days
    idf = clusterer.df_.weights
    moved: dict[str, int] = {}
    sizes = {sid: len(members) for sid, members in clusterer.members_.items()}
    for sid in sorted((s for s, n in sizes.items() if n <= max_size), key=sizes.__getitem__):
        if sid not in clusterer.stories_:
            continue  # already joined to another
        fragment = clusterer.members_[sid]
        days = [x.day for x in fragment if x.day is not None]
        # the days a report may have to be within the window of every dated fragment report
        lo, hi = (max(days) - window, min(days) + window) if days else (0, 0)
        keys: set[str] | None = None  # the fragment's index keys, where a large story needs them
        headline = not clusterer.stories_[sid].body
        best, best_p = None, 0.0
        for other in clusterer._retrieve(views.keys(sid), limit=ATTACH_CANDIDATES):
            if other == sid or len(clusterer.members_[other]) <= len(fragment):
                continue
            if _years_apart(clusterer, sid, other):
                continue
            cut = headline_threshold if headline and not clusterer.stories_[other].body else threshold
            if cut <= 0:
                continue
            # the time veto between the two reports themselves: a story's mean day is
            # blurred by its members' misread dates, a report's own day is not
            near = clusterer.members_[other]
            story = clusterer.stories_[other]
            if days and not (story.first_day is None or lo <= story.first_day and story.last_day <= hi):
                near = [y for y in near if y.day is None or lo <= y.day <= hi]
            if len(near) > ATTACH_NEAREST:
                # the pair model reads only the reports sharing most with the fragment
                # by IDF-weighted index keys (the cost stays flat on large stories)
                if keys is None:
                    keys = {k for x in fragment for k in x.keys}
                # (each report's sum read by C-level calls; near sorted by index, stably)
                shared = [sum(map(idf.__getitem__, keys.intersection(y.keys))) for y in near]
                order = sorted(range(len(near)), key=shared.__getitem__, reverse=True)[:ATTACH_NEAREST]
                near = [near[i] for i in order]
            if not near:
                continue
            p = max([mean_probability(pair, fragment, [y], 0.0) for y in near])  # pair.mean, without its call
            if p >= cut and (best is None or p > best_p):
                best, best_p = other, p
        if best is not None:
            _absorb(clusterer, best, sid, moved)
    return moved


def refine_stories(clusterer: OnlineClusterer, *, merge_threshold: float | None = None,
                   headline_merge_threshold: float | None = None,
                   split_ratio: float | None = None,
                   headline_split_ratio: float | None = None,
                   link_threshold: float | None = None,
                   headline_link_threshold: float | None = None,
                   attach_threshold: float | None = None,
                   headline_attach_threshold: float | None = None) -> dict[str, int]:
    """Merge, link, attach fragments, move undated reports of other years, split off the
    undated reports of another time, then split the clusterer's active stories; return the
    articles that moved.

    Splitting comes last so that what it takes apart stays apart: the joins before it
    (stream, merge, linkage) each look at one story pair, the split at a whole story.
    """
    merge_threshold = MERGE_THRESHOLD if merge_threshold is None else merge_threshold
    before = {f.id: sid for sid, members in clusterer.members_.items() for f in members}
    if headline_merge_threshold is None:
        headline_merge_threshold = _weights.HEADLINE_MERGE_THRESHOLD
    views = StoryViews(clusterer)
    if merge_threshold < 1 or headline_merge_threshold < 1:
        merge_stories(clusterer, threshold=merge_threshold, headline_threshold=headline_merge_threshold,
                      views=views)
    link_threshold = LINK_THRESHOLD if link_threshold is None else link_threshold
    if headline_link_threshold is None:
        headline_link_threshold = HEADLINE_LINK_THRESHOLD
    pairs = PairScores(clusterer)
    if link_threshold > 0 or headline_link_threshold > 0:
        link_stories(clusterer, threshold=link_threshold, headline_threshold=headline_link_threshold,
                     pairs=pairs, views=views)
    attach_threshold = ATTACH_THRESHOLD if attach_threshold is None else attach_threshold
    if headline_attach_threshold is None:
        headline_attach_threshold = HEADLINE_ATTACH_THRESHOLD
    if attach_threshold > 0 or headline_attach_threshold > 0:
        attach_fragments(clusterer, threshold=attach_threshold, headline_threshold=headline_attach_threshold,
                         pairs=pairs, views=views)
    if attach_threshold > 0:
        move_reports_by_year(clusterer, threshold=attach_threshold, pairs=pairs)
    split_off_other_years(clusterer, pairs=pairs)
    split_ratio = SPLIT_RATIO if split_ratio is None else split_ratio
    headline_split_ratio = HEADLINE_SPLIT_RATIO if headline_split_ratio is None else headline_split_ratio
    if split_ratio > 0 or headline_split_ratio > 0:
        split_stories(clusterer, ratio=split_ratio, headline_ratio=headline_split_ratio, pairs=pairs)
    # Only net moves count (an article split off and merged back has not moved).
    labels = clusterer.labels_
    return {aid: labels[aid] for aid, sid in before.items() if labels[aid] != sid}
