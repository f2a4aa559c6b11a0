"""Checks that the example corpus in ``examples/`` matches its ground truth.

The ground truth (``tests/fixtures/examples_expected.json``, described in
``examples/EXPECTED.md``) is what end-to-end tests assert on, so every quote, conflict
value and near-duplicate claim in it must hold for the files as committed.
"""

from __future__ import annotations

import html
import importlib.util
import json
import re
from itertools import combinations
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXPECTED = json.loads((ROOT / "tests" / "fixtures" / "examples_expected.json").read_text("utf-8"))
ARTICLES = {a["key"]: a for a in EXPECTED["articles"]}


def _load_module(path: Path, name: str):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _warc_pages() -> dict[str, str]:
    from warcio.archiveiterator import ArchiveIterator

    pages = {}
    with (ROOT / "examples" / "crawl.warc.gz").open("rb") as fh:
        for record in ArchiveIterator(fh):
            if record.rec_type == "response":
                uri = record.rec_headers.get_header("WARC-Target-URI")
                pages[uri] = record.content_stream().read().decode("utf-8")
    return pages


def _raw_text(key: str) -> str:
    """The article's page as text (HTML entities resolved), chrome included."""
    art = ARTICLES[key]
    path = ROOT / art["file"]
    if path.name.endswith(".warc.gz"):
        return html.unescape(_warc_pages()[art["uri"]])
    if path.suffix == ".jsonl":
        lines = path.read_text("utf-8").splitlines()
        rec = json.loads(lines[art["jsonl_line"] - 1])
        return rec["title"] + "\n\n" + rec["text"]
    text = path.read_text("utf-8")
    return html.unescape(text) if path.suffix == ".html" else text


def _body(key: str) -> str:
    """Rough article body: paragraphs of 15+ words (site chrome lines are shorter)."""
    raw = _raw_text(key)
    if "<p" in raw:
        raw = "\n".join(re.findall(r"<p[^>]*>(.*?)</p>", raw, flags=re.S))
        raw = re.sub(r"<[^>]+>", "", raw)
    paras = [p for p in raw.splitlines() if len(p.split()) >= 15]
    return "\n".join(paras)


def _shingles(text: str, k: int = 5) -> set[str]:
    words = re.findall(r"\w+", text.lower())
    return {" ".join(words[i : i + k]) for i in range(len(words) - k + 1)}


def _jaccard(a: str, b: str) -> float:
    sa, sb = _shingles(a), _shingles(b)
    return len(sa & sb) / len(sa | sb)


def test_corpus_files_are_all_listed():
    readable = {".txt", ".html", ".htm", ".jsonl", ".gz"}
    on_disk = {f"examples/{p.name}" for p in (ROOT / "examples").iterdir() if p.suffix in readable}
    listed = {a["file"] for a in EXPECTED["articles"]}
    assert on_disk == listed
    assert 12 <= len(ARTICLES) <= 16
    assert sorted(_warc_pages()) == sorted(a["uri"] for a in ARTICLES.values() if a["file"].endswith(".warc.gz"))


def test_story_membership_covers_every_article_once():
    keys = [k for s in EXPECTED["stories"].values() for k in s["articles"]]
    assert sorted(keys) == sorted(ARTICLES)
    for key, art in ARTICLES.items():
        assert key in EXPECTED["stories"][art["story"]]["articles"]


@pytest.mark.parametrize("key", sorted(ARTICLES))
def test_title_and_word_count(key):
    raw = _raw_text(key)
    assert ARTICLES[key]["title"] in raw
    n_words = len(_body(key).split())
    assert 150 <= n_words <= 450, n_words


@pytest.mark.parametrize("quote", EXPECTED["quotes"], ids=lambda q: f"{q['article']}:{q['text'][:25]}")
def test_quotes_appear_verbatim(quote):
    raw = _raw_text(quote["article"])
    assert quote["text"] in raw
    surname = quote["speaker"].split()[-1]
    if quote["attribution"].startswith(("surname", "full name")):
        assert surname in raw


def test_quote_variants_differ_in_wording_only():
    from difflib import SequenceMatcher

    for variant in EXPECTED["quote_variants"]:
        texts = list(variant["renderings"])
        assert len(texts) == 2
        ratio = SequenceMatcher(None, texts[0].lower(), texts[1].lower()).ratio()
        assert 0.6 < ratio < 0.95, ratio
        for text, keys in variant["renderings"].items():
            for key in keys:
                assert text in _raw_text(key)


def test_conflict_values():
    for conflict in EXPECTED["conflicts"]:
        for key, evidence in conflict["evidence"].items():
            assert evidence in _raw_text(key)
        seventeen = conflict["values"]["17"]
        for key in EXPECTED["stories"][conflict["story"]]["articles"]:
            has_17 = re.search(r"\b17\b", _body(key)) is not None
            assert has_17 == (key in seventeen), key


def test_single_source_facts_appear_once_in_their_story():
    for fact in EXPECTED["single_source"]:
        story = EXPECTED["stories"][fact["story"]]["articles"]
        holders = [k for k in story if fact["evidence"] in _raw_text(k)]
        assert holders == [fact["article"]]
    assert all("2.3 million" not in _raw_text(k) for k in ARTICLES if k != "A5")


def test_consensus_evidence():
    for fact in EXPECTED["consensus"]:
        story = EXPECTED["stories"][fact["story"]]["articles"]
        holders = [k for k in story if fact["evidence"] in _body(k)]
        assert holders == fact["articles"], fact["fact"]


def test_near_duplicates_and_distinct_pairs():
    dup_pairs = set()
    for dup in EXPECTED["near_duplicates"]:
        low, high = dup["jaccard_5shingles_range"]
        j = _jaccard(_body(dup["a"]), _body(dup["b"]))
        assert low <= j <= high, (dup["a"], dup["b"], j)
        dup_pairs.add(frozenset((dup["a"], dup["b"])))
    for a, b in combinations(sorted(ARTICLES), 2):
        if frozenset((a, b)) not in dup_pairs:
            assert _jaccard(_body(a), _body(b)) < 0.3, (a, b)


def test_rewrite_shares_facts_not_wording():
    assert _jaccard(_body("A1"), _body("A3")) < 0.1
    for fact in ("7:42", "22", "1968", "31,000", "Millrace Tunnel", "St. Brenna's General Hospital"):
        assert fact in _body("A3")


def test_quality_signals():
    q = EXPECTED["quality"]
    typo = q["headline_typo"]
    assert typo["word"] in ARTICLES[typo["article"]]["title"]
    assert all(typo["word"] not in _raw_text(k) for k in ARTICLES if k != typo["article"])
    spun = _raw_text(q["machine_spun"]["article"])
    for heading in q["machine_spun"]["template_headings"]:
        assert f"\n{heading}\n" in spun
    truncated = q["machine_spun"]["truncated_sentence"]
    assert re.search(re.escape(truncated) + r"\n", spun)
    stale = q["stale"]
    text = _raw_text(stale["article"])
    assert "Published: March 4, 2026" in text and "2019" in _body(stale["article"])


def test_story_a_and_b_headlines_look_alike():
    from difflib import SequenceMatcher

    a1, b1 = ARTICLES["A1"]["title"], ARTICLES["B1"]["title"]
    assert SequenceMatcher(None, a1, b1).ratio() > 0.8
    assert "Elena Marsh" in _body("A1") and "Elena Marsh" in _body("B1")


def test_warc_is_reproducible(tmp_path):
    module = _load_module(ROOT / "scripts" / "make_example_warc.py", "make_example_warc")
    out = module.build(tmp_path / "crawl.warc.gz")
    assert out.read_bytes() == (ROOT / "examples" / "crawl.warc.gz").read_bytes()


def test_bad_fixtures_are_reproducible(tmp_path):
    module = _load_module(ROOT / "tests" / "fixtures" / "make_bad_fixtures.py", "make_bad_fixtures")
    for path in module.build(tmp_path):
        committed = ROOT / "tests" / "fixtures" / "bad" / path.name
        assert path.read_bytes() == committed.read_bytes(), path.name
