"""Same-story similarity of two articles: a small learned regression of human judgements.

:func:`pair_features` reads what the clusterer already computes for a pair (IDF text
cosines, entity overlaps by kind, shared numbers, date gap and mismatches, the linkage
model's same-event probability) plus a few pair-level facts (languages, lengths, a
character 4-gram cosine that also meets across languages through shared names, the
cosines of the two leads and of one headline with the other's lead). A
logistic regression on soft labels maps them to [0, 1]; it was fitted on the human
``overall`` judgements of SemEval-2022 Task 8 by ``scripts/fit_pair_model.py``, which
writes ``_pair_weights.py``. With the ``semantic`` extra, the cosine of two sentence
embeddings (:mod:`storyline.cluster.semantic`) is one more feature of a second model.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

from ..model import AnnotatedArticle
from ..stopwords import language_code
from . import _pair_weights, _weights
from .features import (
    FEATURE_NAMES,
    ArticleVectors,
    DocumentFrequencies,
    compare,
    featurize,
    stop_words,
    story_of,
    terms,
)
from .online import interaction_probability, probability, symmetric

#: the clusterer's pair features the similarity reads (log_story_size and headline_only
#: say nothing about two single articles; entity_conflict, added later, is read only by the
#: clusterer's merge model).
_CLUSTER_FEATURES = tuple(n for n in FEATURE_NAMES
                          if n not in {"log_story_size", "headline_only", "entity_conflict"})
_CLUSTER_INDEX = tuple(FEATURE_NAMES.index(n) for n in _CLUSTER_FEATURES)
#: the raw features of a pair, in order; ``sem_cos`` only in the semantic variant.
PAIR_FEATURE_NAMES = (*_CLUSTER_FEATURES, "link", "same_lang", "en_both", "len_ratio",
                      "log_min_len", "char4_cos", "lead_cos", "title_lead_cos")
SEMANTIC_FEATURE_NAMES = (*PAIR_FEATURE_NAMES, "sem_cos")
#: features also read in an English-pair-only copy: English texts are where the word
#: statistics (and the English sentence encoder) are reliable; other features are shared
#: by all language pairs (a full English copy of every feature over-fitted: see the script).
_ENGLISH_ONLY = ("cross_cos", "entity_cos", "link", "char4_cos", "lead_cos", "title_lead_cos", "sem_cos")
#: characters of each text read for character 4-grams (the top of the article).
CHAR_GRAM_CHARS = 3000
#: characters of title + body whose terms make the lead cosine: where the story is told.
#: Chosen on semeval2022-train from 300 / 600 / 1200 / all (Pearson of the cosine alone,
#: all pairs 0.535 / 0.542 / 0.523 / 0.522); adding it raised out-of-fold EN-EN Pearson
#: of the default model by 0.012.
LEAD_CHARS = 600
_CHAR_N = 4
#: words of its lead sentence that a report without a headline is compared by in place of
#: one (text supplied as one block, the headline run into the lead). Chosen on
#: semeval2022-train from 8 / 12 / 16 words: out-of-fold Pearson of the refitted model,
#: EN-EN 0.843 / 0.846 / 0.846, all pairs 0.700 / 0.702 / 0.701, against 0.836 / 0.692
#: with the title left empty. The clusterer does not do this: topic-wise CV on ECB+, whose
#: older reports have no headline, fell from 0.9246 to 0.9213 with lead titles.
LEAD_TITLE_WORDS = 12


def _sqrt_too(name: str) -> bool:
    # Similarities are skewed towards 0: their square root and square are also given, so
    # the linear model can bend either way while staying monotone (all three weights >= 0).
    return name.endswith("_cos") or name == "link"


#: features that are evidence against one story: their weights are fitted <= 0, and
#: those of similarities (cosines, overlaps, matches, the linkage probability) >= 0,
#: so the score can only rise as two texts share more (monotone, and safer off the
#: training data than free signs, which traded collinear terms against each other).
AGAINST = frozenset({"main_entity_mismatch", "weekday_mismatch", "month_mismatch", "days_apart"})
_FREE = frozenset({"same_lang", "en_both", "len_ratio", "log_min_len", "year_known"})


def design_names(*, semantic: bool = False) -> list[str]:
    """The names of :func:`design`'s outputs, in order."""
    names = SEMANTIC_FEATURE_NAMES if semantic else PAIR_FEATURE_NAMES
    out: list[str] = []
    for name in names:
        out.append(name)
        if _sqrt_too(name):
            out.extend((f"sqrt_{name}", f"sq_{name}"))
    out.extend(f"{name}*other_lang" for name in names if name.endswith("_cos"))
    for name in _ENGLISH_ONLY:
        if name in names:
            out.extend((f"{name}*en", f"sqrt_{name}*en", f"sq_{name}*en"))
    return out


def design_signs(*, semantic: bool = False) -> list[int]:
    """The sign each of :func:`design`'s weights is fitted with: +1 (>= 0), -1 (<= 0), 0 (free)."""
    signs = []
    for name in design_names(semantic=semantic):
        base = name.removeprefix("sqrt_").removeprefix("sq_").split("*")[0]
        signs.append(0 if base in _FREE else -1 if base in AGAINST else 1)
    return signs


def design(raw: Sequence[float], *, semantic: bool = False) -> list[float]:
    """The model's inputs for one raw feature vector (named by :func:`design_names`)."""
    names = SEMANTIC_FEATURE_NAMES if semantic else PAIR_FEATURE_NAMES
    if len(raw) != len(names):
        raise ValueError(f"expected {len(names)} pair features, got {len(raw)}")
    value = dict(zip(names, raw, strict=True))
    out: list[float] = []
    for name in names:
        x = value[name]
        out.append(x)
        if _sqrt_too(name):
            out.extend((math.sqrt(max(x, 0.0)), x * x))
    # Across languages, words meet only through names and numbers: the same cosine means more.
    other = 1.0 - value["same_lang"]
    out.extend(value[name] * other for name in names if name.endswith("_cos"))
    english = value["en_both"]
    for name in _ENGLISH_ONLY:
        if name in value:
            x = value[name]
            out.extend((x * english, math.sqrt(max(x, 0.0)) * english, x * x * english))
    return out


def _char_grams(text: str) -> dict[str, float]:
    flat = " ".join(text.lower().split())[:CHAR_GRAM_CHARS]
    return dict(Counter(flat[i:i + _CHAR_N] for i in range(len(flat) - _CHAR_N + 1)))


def _lead_vector(article: AnnotatedArticle, df: DocumentFrequencies) -> dict[str, float]:
    counts = terms((article.article.title + "\n" + article.article.text)[:LEAD_CHARS],
                   stop_words(article.article.language))
    idf = df.weights
    return {t: (1.0 + math.log(c)) * idf[t] for t, c in counts.items()}


def _title_lead_cosine(title_a: dict[str, float], title_b: dict[str, float], lead_a: dict[str, float],
                       lead_b: dict[str, float]) -> float:
    """The better of the two cosines of one headline and the other report's lead: a rewrite
    tells the story of the source's headline in its own opening lines, under a headline of its own.
    (The titles: the IDF-weighted vectors of :class:`ArticleVectors`.)

    On semeval2022-train the best single feature for English pairs (Pearson 0.82 alone,
    against 0.76 for the lead cosine); adding it raised the refitted default model's
    out-of-fold Pearson from 0.846 to 0.851 (EN-EN) and 0.702 to 0.707 (all pairs). The
    better direction was chosen over the mean (0.850 / 0.706) and the worse (0.843 / 0.703).
    """
    return max(_vector_cosine(title_a, lead_b), _vector_cosine(title_b, lead_a))


def _vector_cosine(a: dict[str, float], b: dict[str, float]) -> float:
    if len(a) > len(b):
        a, b = b, a
    # fsum: exactly rounded, so the same in either order (two vectors of one length are
    # walked from whichever came first, and the score must be symmetric to the last bit)
    dot = math.fsum(v * b[k] for k, v in a.items() if k in b)
    if not dot:
        return 0.0
    return dot / math.sqrt(math.fsum(v * v for v in a.values()) * math.fsum(v * v for v in b.values()))


def _headlined(article: AnnotatedArticle) -> AnnotatedArticle:
    """``article`` with the opening words of its lead as its title where it has none."""
    if article.article.title.strip() or article.article.headline_only or not article.sentences:
        return article
    lead = " ".join(article.lead_words()[:LEAD_TITLE_WORDS])
    return replace(article, article=replace(article.article, title=lead))


def pair_features(a: AnnotatedArticle, b: AnnotatedArticle, *,
                  df: DocumentFrequencies | None = None) -> list[float]:
    """The raw pair features named by :data:`PAIR_FEATURE_NAMES` (symmetric in a, b)."""
    ha, hb = _headlined(a), _headlined(b)
    fa, fb = featurize(ha), featurize(hb)
    if df is None:
        df = DocumentFrequencies()
        df.add(fa)
        df.add(fb)
    va, vb = ArticleVectors(fa, df), ArticleVectors(fb, df)
    both = symmetric(compare(va, story_of(fb), df, with_conflict=False),
                     compare(vb, story_of(fa), df, with_conflict=False))
    link = interaction_probability(both, _weights.PAIR_WEIGHTS, _weights.PAIR_BIAS)
    la, lb = language_code(a.article.language), language_code(b.article.language)
    ta, tb = a.article, b.article
    len_a, len_b = len(ta.text), len(tb.text)
    lead_a, lead_b = _lead_vector(a, df), _lead_vector(b, df)
    return [
        *(both[i] for i in _CLUSTER_INDEX),
        link,
        1.0 if la == lb else 0.0,
        1.0 if la == lb == "en" else 0.0,
        abs(math.log(len_a + 1) - math.log(len_b + 1)),  # (a difference: symmetric to the last bit)
        math.log(min(len_a, len_b) + 1),
        _vector_cosine(_char_grams(ta.title + " " + ta.text), _char_grams(tb.title + " " + tb.text)),
        _vector_cosine(lead_a, lead_b),
        _title_lead_cosine(va.title, vb.title, lead_a, lead_b),
    ]


def score(raw: Sequence[float], *, semantic: bool = False) -> float:
    """The fitted model's similarity in [0, 1] for one raw feature vector."""
    if semantic:
        weights, bias = _pair_weights.SEMANTIC_WEIGHTS, _pair_weights.SEMANTIC_BIAS
    else:
        weights, bias = _pair_weights.WEIGHTS, _pair_weights.BIAS
    return probability(design(raw, semantic=semantic), weights=weights, bias=bias)


def pair_similarity(a: AnnotatedArticle, b: AnnotatedArticle, *,
                    df: DocumentFrequencies | None = None,
                    semantic: float | None = None) -> float:
    """Same-story similarity in [0, 1] of two articles (symmetric).

    ``df`` gives corpus document frequencies for IDF weights (e.g. the clusterer's
    ``df_``); without it only the two articles are counted. ``semantic`` is the cosine
    of the two articles' sentence embeddings (:mod:`storyline.cluster.semantic`); given,
    the semantic variant of the model scores the pair.
    """
    raw = pair_features(a, b, df=df)
    if semantic is None:
        return score(raw)
    return score([*raw, float(semantic)], semantic=True)
