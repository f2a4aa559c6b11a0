"""extract: the page-wide (fast) line tests answer exactly as the per-line ones would;
HTML metadata cleanup (dates, titles).

Text mode computes its line features, chrome rules and tree scores over a whole page
at once (substring scans over the joined lines, one pass over the words, numpy);
these tests hold them to the straightforward per-line definitions on invented pages
that carry every kind of line the tests look for.
"""

from __future__ import annotations

import numpy as np
import pytest

from storyline.extract import _lines
from storyline.extract._lines import (
    _BULLET,
    _BYLINE,
    _COMMENT_META,
    _DATEISH,
    _END_MARKER,
    _SENT_END,
    _URLISH,
    _WORD,
    CHROME_MAX_WORDS,
    CHROME_PHRASES,
    CHROME_WORDS,
    FEATURES,
    SAMPLE_CHARS,
    STOPWORDS,
    hit_offsets,
    line_features,
    normalize,
    split_lines,
)
from storyline.extract._trees import TreeEnsemble
from storyline.extract.text import chrome_rule, chrome_rules

#: one line for each alternative of CHROME_PHRASES
CHROME_PHRASE_EXAMPLES = (
    "privacy policy", "privacy settings", "privacy notice", "terms of use", "terms and service",
    "terms of conditions", "all rights reserved", "sign up", "sign in", "log in", "create an account",
    "create account", "share this", "share on", "share via", "follow us", "leave a reply", "leave a comment",
    "related stories", "related articles", "related posts", "related content", "related topics", "read more",
    "read next", "read also", "more from", "most popular", "most read", "most viewed", "skip to", "back to top",
    "click here", "image credit", "image source", "photo:", "photograph:", "credit:", "photo by", "contact us",
    "about us", "download the app", "download our app", "manage preferences", "you might also like", "see all",
    "view all", "show more", "load more", "continue reading", "filed under", "posted in", "don't miss",
    "sign up for", "in this article", "table of contents",
)  # fmt: skip

PAGES = [
    """  Skip to content
  * Home
  * World
\t* Business
  Sign up for our newsletter | Privacy Policy · Terms of Use
By Jane Doe
Updated: March 6, 2023 at 8:55 am
Published 12/03/2021
Monday, 4 July 2022
The dam opened on Monday after a decade of work, the authority said in a statement.
"It is a day the valley waited for," said the mayor (who came with farmers).
Contact us at news@example.com or visit www.example.com / http://example.org
ADVERTISEMENT
Photo: Getty Images
(c) 2024 Example Media Ltd. All rights reserved.
© Example
var x = function() { return 1; };
We use cookies to improve your experience on our website and accept our policy.
Sponsored: 9 harbour towns you have to visit
Read more on QuickNews Now
More from Sport
3 Comments
Leave a Reply
John says:
Reply
Log in to reply
Related stories:
   Indented line that ends the page.
* Home
""",
    "Just one line of text with ÜNICODE Wörter, ſays ſhutterſtock and İstanbul 42 km.",
    "- item\n+ other\n# Heading\no option\n· dot\n› next\n» more\nTHE END.\n123 456\n_under_score_\n"
    "Photograph: someone\nImage credit: x\nFiled under: News\nDon't miss this\nTable of contents\n"
    "terms and conditions\nCredit: AP Photo/Jane\nAFP via Getty Images\nReuters/Staff\n"
    "iStock\nVideo: highlights\nPICTURE BY ME:\nCOOKIES settings\n@handle\nFOO.COM\nHTTP://X.ORG\n"
    "the end.)\nsaid ‘yes’\nquote”\nwhat?\nwow!\nlist:\n{{ template }}\n<div class='x'>\n",
    # ad placeholders in every spacing, next to each other and to lines the rules skip
    "Advertisement\nADVERTISEMENT\n- . Advertisement :\n**\nAd  Feedback\nads.\nAdvertisement - Scroll \t to continue\n"
    "Advertisement" + "." * 60 + "\nAdvertising\nbad\n* * Skip advertisement —\nStory continues below advertisement\n"
    "If (x) {\nif you go\nfunction f() {}\nMore from Sport and Culture and Arts and Science too\nread more on X\n"
    "Paid content: ten towns\n© 2024 Example\nPhotos by Ann: river\nvia Reuters/ staff\nCookie policy and consent\n",
    # a chrome phrase of each kind, plain, in capitals, glued to the word before it, run
    # on into the word after it, and with a Kelvin sign for its k
    "\n".join(
        line
        for phrase in CHROME_PHRASE_EXAMPLES
        for line in (phrase, phrase.upper(), f"the x{phrase}s here", phrase.replace("k", "\u212a"), phrase[:-1])
    ),
]


def _reference(page: _lines.PageLines) -> dict[str, list[float]]:
    """The per-line definitions of the word and pattern features."""
    counts: dict[str, int] = {}
    for key in page.keys:
        counts[key] = counts.get(key, 0) + 1
    out: dict[str, list[float]] = {}
    for text, key in zip(page.texts, page.keys, strict=True):
        bullet = text[:2] in _BULLET
        body = text[2:] if bullet else text
        nw = body.count(" ") + 1
        sample = body[:SAMPLE_CHARS]
        low = sample.lower()
        cased = _WORD.findall(sample)
        words = [w.lower() for w in cased]
        nh = len(words) or 1
        short = nw <= CHROME_MAX_WORDS
        row = {
            "log_words": float(np.log1p(nw)),
            "sent_end": body.endswith(_SENT_END) and not body.endswith(":"),
            "colon_end": body.endswith(":"),
            "stop_ratio": sum(w in STOPWORDS for w in words) / nh,
            "alpha_ratio": sum(map(len, cased)) / (len(sample) or 1),
            "digit_ratio": sum(map(str.isdigit, cased)) / nh,
            "title_ratio": min(sum(map(str.istitle, cased)) / nh, 1.0),
            "upper_ratio": min(sum(map(str.isupper, cased)) / nh, 1.0),
            "bullet": bullet,
            "chrome": short and (not CHROME_WORDS.isdisjoint(words) or CHROME_PHRASES.search(low) is not None),
            "urlish": ("@" in sample or "http" in sample or "www." in sample or ".com" in sample)
            and _URLISH.search(sample) is not None,
            "separators": "|" in body or "·" in body or " / " in body,
            "dup_in_page": counts[key] > 1,
            "copyright": "©" in sample or "(c)" in low,
            "byline": nw <= 8 and _BYLINE.match(body) is not None,
            "dateish": nw <= 12 and _DATEISH.match(body) is not None,
            "end_marker": nw <= 8 and _END_MARKER.match(body) is not None,
            "comment_meta": nw <= 12 and _COMMENT_META.search(body) is not None,
        }
        for name, value in row.items():
            out.setdefault(name, []).append(float(value))
    return out


@pytest.mark.parametrize("text", PAGES)
def test_page_wide_features_equal_per_line_definitions(text: str) -> None:
    page = split_lines(text)
    x = line_features(page)
    assert x.shape == (len(page.texts), len(FEATURES))
    for name, expected in _reference(page).items():
        assert x[:, FEATURES.index(name)].tolist() == pytest.approx(expected), name
    # the features of the fixture page do fire (the comparison is not all zeros)
    if text is PAGES[0]:
        for name in ("byline", "dateish", "end_marker", "comment_meta", "urlish", "copyright", "separators", "chrome"):
            assert x[:, FEATURES.index(name)].any(), name


def test_split_lines_reads_indents_blanks_and_keys() -> None:
    page = split_lines("  Title\n\n\tIndented\tline\n*\nnext one\n- Bullet Item  \n  \n")
    assert page.texts == ["Title", "Indented\tline", "next one", "- Bullet Item"]
    assert page.indents == [2, 4, 0, 0]
    assert page.blank_before == [True, True, True, False]
    assert page.blank_after == [True, True, False, True]
    assert page.keys == [normalize(t) for t in page.texts] == ["title", "indented line", "next one", "bullet item"]
    assert split_lines("\n \n").texts == []


def test_hit_offsets_find_each_line_holding_a_needle() -> None:
    def holding(lines: list[str], needles: tuple[str, ...]) -> list[int]:
        joined = "\n".join(lines)
        return sorted({joined.count("\n", 0, at) for at in hit_offsets(joined, needles)})

    lines = ["a|b|c", "plain", "x · y", "no", "end |"]
    assert holding(lines, ("|", "·")) == [0, 2, 4]
    assert holding(lines, ("zzz",)) == []
    assert holding([], ("|",)) == []
    # needles opening with a rare character are found by that character, then checked
    lines = ["a {{ b {{", "x { y", "{% y", "=> z", "(c) 2024 (", "no", "50% {"]
    assert holding(lines, ("{{", "{%", "=>", "(c)", "%}")) == [0, 2, 3, 4]


@pytest.mark.parametrize("text", PAGES)
def test_chrome_rules_equal_chrome_rule(text: str) -> None:
    texts = split_lines(text).texts
    assert chrome_rules(texts) == [chrome_rule(t) for t in texts]
    if text is PAGES[0]:
        assert {"ad placeholder", "photo credit", "cookie notice", "template or script code"} <= set(chrome_rules(texts))


def test_tree_ensemble_matches_walking_each_tree() -> None:
    rng = np.random.default_rng(0)
    # two small trees: a stump and a depth-2 tree with a shallow leaf
    spec = {
        "baseline": 0.5,
        "depth": 2,
        "trees": [
            {"feature": [0, 0, 0], "threshold": [0.3, 0.0, 0.0], "left": [1, -1, -1], "right": [2, -1, -1], "value": [0.0, -1.0, 2.0]},
            {
                "feature": [1, 2, 0, 0, 0],
                "threshold": [0.5, 0.1, 0.0, 0.0, 0.0],
                "left": [1, 3, -1, -1, -1],
                "right": [2, 4, -1, -1, -1],
                "value": [0.0, 0.0, 0.7, -0.2, 0.4],
            },
        ],
    }
    x = rng.random((50, 3))

    def walk(tree: dict, row: np.ndarray) -> float:
        node = 0
        while tree["left"][node] >= 0:
            node = tree["left"][node] if row[tree["feature"][node]] <= tree["threshold"][node] else tree["right"][node]
        return tree["value"][node]

    expected = [spec["baseline"] + sum(walk(t, row) for t in spec["trees"]) for row in x]
    assert TreeEnsemble(spec).decision(x).tolist() == pytest.approx(expected)
    assert TreeEnsemble(spec).decision(np.zeros((0, 3))).shape == (0,)


# --- metadata: date formats, title cleanup, the "rest of the title" feature ---------------


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Essay - Published: 2025.12.17 | Tags", "2025-12-17"),
        ("Posted on the 15/12/2025 at 19:00 by Ann", "2025-12-15"),  # cannot be month/day
        ("Posted 11/12/2025", "2025-11-12"),  # US month/day when both readings exist
        ("Filed 2024/03/05", "2024-03-05"),
        ("Version 2024.13.40 of nothing", None),
    ],
)
def test_more_written_date_forms(line: str, expected: str | None) -> None:
    from storyline.extract.dates import dateline

    found = dateline(f"A headline\n{line}\nBody text.")
    assert (found.isoformat() if found else None) == expected


def test_title_sources_are_cleaned_like_a_reader_sees_them() -> None:
    from storyline.extract.html import _clean_title

    assert _clean_title("Tools for 2026 | Python, SQL &#x26; AI") == "Tools for 2026 | Python, SQL & AI"
    assert _clean_title("A DIY Investor\u00e2\u0080\u0099s  Guide") == "A DIY Investor\u2019s Guide"
    assert _clean_title("How Does Mapping Work\uff1f") == "How Does Mapping Work?"
    assert _clean_title("Café crème brûlée") == "Café crème brûlée"  # real accents stay
    # a dateline run into the headline by a blog template
    assert _clean_title("Dec 18 2025 Preparing a transition in Debusine") == "Preparing a transition in Debusine"
    assert _clean_title("Ten Harbour Walks Posted on July 1, 2024 by Ann") == "Ten Harbour Walks"
    assert _clean_title("May 5, 2024 Election") == "May 5, 2024 Election"  # too little would be left


def test_blog_name_h1_is_marked_as_the_rest_of_the_title() -> None:
    from storyline.extract._html_titles import HTML_TITLE_FEATURES, html_title_candidates

    sources = {
        "og": ["Small adventures with small models"],
        "title": ["Small adventures with small models • Harbour Data Blog"],
        "h1_first": ["Harbour Data Blog"],
    }
    texts, rows = html_title_candidates(sources)
    feature = HTML_TITLE_FEATURES.index("rest_of_title")
    marked = {text: row[feature] for text, row in zip(texts, rows, strict=True)}
    assert marked["Harbour Data Blog"] == 1.0
    assert marked["Small adventures with small models"] == 0.0


def test_title_head_and_what_the_page_shows_are_candidate_features() -> None:
    from storyline.extract._html_titles import HTML_TITLE_FEATURES, html_title_candidates

    sources = {
        "title": ["Ten Harbour Walks | Maps and Times | Harbour Guide"],
        "h1_first": ["Walks by the harbour"],
        "h1_other": ["Contact us"],
    }
    page = "Harbour Guide\nWalks by the harbour\nTen harbour walks\nThe walks start at the pier.\n" + "x " * 200 + "\nContact us"
    texts, rows = html_title_candidates(sources, page_text=page)
    row = {text: dict(zip(HTML_TITLE_FEATURES, r, strict=True)) for text, r in zip(texts, rows, strict=True)}
    head = row["Ten Harbour Walks"]  # the <title> cut at its first separator
    assert head["src_title_head"] == 1.0 and head["head_of_many"] == 1.0
    assert head["visible"] == 1.0 and head["shown_first"] == 0.0
    assert row["Walks by the harbour"]["shown_first"] == 1.0
    assert row["Contact us"]["shown_late"] == 1.0 and row["Walks by the harbour"]["shown_late"] == 0.0
    assert row["Ten Harbour Walks | Maps and Times | Harbour Guide"]["visible"] == 0.0
    # without the page text nothing is marked as shown
    texts, rows = html_title_candidates(sources)
    assert all(r[HTML_TITLE_FEATURES.index("visible")] == 0.0 for r in rows)


def test_garbled_candidate_is_folded_into_the_clean_one() -> None:
    from storyline.extract._html_titles import HTML_TITLE_FEATURES, html_title_candidates

    sources = {
        "og": ["What Are The Basics Of Event Planning: Beginner's Guide"],
        "h1_first": ["What Are The Basics Of Event Planning? Beginner? Guide"],
    }
    texts, rows = html_title_candidates(sources)
    assert texts == ["What Are The Basics Of Event Planning: Beginner's Guide"]
    row = dict(zip(HTML_TITLE_FEATURES, rows[0], strict=True))
    assert row["src_og"] == 1.0 and row["src_h1_first"] == 1.0 and row["n_sources"] == 2.0
    # a question mark in a title that spells no other candidate is left alone
    sources = {"og": ["Need a Car: 7 Tips"], "h1_first": ["Need a Change? 7 Tips"]}
    assert len(html_title_candidates(sources)[0]) == 2
    # a hostile title with many gaps is not matched at all (the pattern's backtracking
    # grows exponentially with the gaps: 18 took seconds)
    sources = {"og": ["?a" * 200 + "?b"], "h1_first": ["a" * 800 + "b"]}
    assert len(html_title_candidates(sources)[0]) == 2


def test_meta_title_an_h1_reads_on_from_is_marked() -> None:
    from storyline.extract._html_titles import HTML_TITLE_FEATURES, html_title_candidates

    feature = HTML_TITLE_FEATURES.index("h1_reads_on")
    sources = {"og": ["Best Tutors in 2025"], "h1_first": ["Best Tutors in 2025, Reviewed by a Student"]}
    marked = {text: row[feature] for text, row in zip(*html_title_candidates(sources), strict=True)}
    assert marked == {"Best Tutors in 2025": 1.0, "Best Tutors in 2025, Reviewed by a Student": 0.0}
    # an <h1> going on past a separator only adds a site or section name
    sources = {"og": ["Best Tutors in 2025"], "h1_first": ["Best Tutors in 2025 | Tutor Blog"]}
    assert all(row[feature] == 0.0 for row in html_title_candidates(sources)[1])


def test_site_name_is_stripped_from_the_title_even_when_shortened() -> None:
    from storyline.extract.html import _strip_site

    assert _strip_site("Design Portfolio | Thrive Internet Marketing", "Thrive Internet Marketing Agency") == "Design Portfolio"
    assert _strip_site("Design Portfolio | Harbour Times", "Harbour Times") == "Design Portfolio"
    assert _strip_site("Ferry timetable approved | Harbour", None) == "Ferry timetable approved"


def test_script_data_dates_are_read_only_when_the_markup_has_no_date_meta() -> None:
    from storyline.extract import extract_article
    from storyline.extract.dates import script_dates
    from storyline.model import Document

    assert script_dates('dataLayer = {"createDate":"2019-09-12","publishDate":"2025-05-27"}') == ["2025-05-27"]
    assert script_dates("data-ld='{&quot;datePublished&quot;:&quot;2024-02-01T09:00&quot;}'") == ["2024-02-01"]
    assert script_dates("no dates here 2024-02-01") == []
    body = " ".join(["The harbour board approved the new ferry timetable after a long public meeting."] * 4)
    page = (
        "<html><head><title>Ferry timetable approved</title>META</head><body><article><h1>Ferry timetable approved</h1>"
        f"<p>{body}</p></article>" '<script>var d = {"publishDate":"2025-05-27"};</script></body></html>'
    )
    bare = extract_article(Document(source="x", raw=page.replace("META", "").encode(), kind="html"))
    assert bare.published is not None and bare.published.isoformat() == "2025-05-27"
    meta = '<meta name="published" content="July 17, 2025">'
    dated = extract_article(Document(source="x", raw=page.replace("META", meta).encode(), kind="html"))
    assert dated.published is not None and dated.published.isoformat() == "2025-07-17"


def test_render_remembers_a_bounded_number_of_tag_names() -> None:
    from lxml import html as lxml_html

    from storyline.extract import _render

    page = "<html><body>" + "".join(f"<x-tag{i}>word{i}</x-tag{i}>" for i in range(300)) + "<p>End.</p></body></html>"
    saved = _render.MAX_KINDS
    try:
        _render.MAX_KINDS = 50
        text = _render.render_text(lxml_html.fromstring(page))
    finally:
        _render.MAX_KINDS = saved
    assert len(_render._KINDS) <= 50
    assert text.startswith("word0word1word2") and "word299" in text and text.rstrip().endswith("End.")


@pytest.mark.parametrize("text", ["Plain ASCII, 42 words!", "Ünïcödé Wörter 12 ²³ Ⅻ", "", "___ 123", "日本語のテキスト"])
def test_letter_count_is_the_count_of_letters(text: str) -> None:
    from storyline.extract._titles import _letter_count

    assert _letter_count(text) == sum(c.isalpha() for c in text)


def test_word_set_is_the_set_of_word_tokens() -> None:
    from storyline.extract._lines import word_set

    text = "a ab abc abcd_e x1y2 é ée éée 12 123 İstanbul don’t café’s naïve\xa0x \ud800 δοκιμή x²"
    assert word_set(text) == {w.encode("utf-8", "surrogatepass") for w in _WORD.findall(text)}


def test_split_lines_keys_are_normalize_on_odd_spacing_and_case() -> None:
    text = "ΑΣ\nΑΣ Α\n*  İstanbul  x\xa0y\n- ΣΑΣ\u2003end\n•  two  spaces \nTab\there\nKELVIN \u212a\n"
    page = split_lines(text)
    assert page.keys == [normalize(t) for t in page.texts]
    assert page.bodies == [t[2:] if t[:2] in _BULLET else t for t in page.texts]


def test_word_stats_equal_counting_each_lines_tokens() -> None:
    from storyline.extract._lines import (
        _CJK_STOP,
        _PHRASE_WORD_ENDS,
        CJK,
        CJK_CHARS_PER_WORD,
        _word_stats,
    )

    samples = [
        "Don’t café naïve İstanbul ſhutterſtock x²y Ⅻ 123 ABC Abc Share",
        "nbsp\xa0joined\u2003em\x00nul \ud800 lone surrogate, snake_case__ x1 2y",
        "",
        "日本語 テキスト 42",
        "例えば、消費者はマークをみて、アップル社の商品であると理解します。iPhoneの表示",
        "THE privacy Policy of A.B.C. said: 'yes'",
        "Unrelated articles: BLOG Design don’t 日本read",
    ]
    stats = _word_stats("\n".join(samples).encode("utf-8", "surrogatepass"))

    def cjk(word: str) -> int:
        return len(CJK.findall(word))

    for i, sample in enumerate(samples):
        words = _WORD.findall(sample)
        # an unspaced CJK run counts as one word per CJK_CHARS_PER_WORD characters, its
        # particles as stop words
        plain = [w for w in words if not cjk(w)]
        runs = [w for w in words if cjk(w)]
        expected = (
            len(plain) + sum(max(1, round(cjk(w) / CJK_CHARS_PER_WORD)) for w in runs),
            sum(w.lower() in STOPWORDS for w in plain) + sum(c in _CJK_STOP for w in runs for c in w),
            sum(map(len, words)),
            sum(map(str.isdigit, words)),
            sum(map(str.istitle, plain)),
            sum(map(str.isupper, plain)),
            any(w.lower() in CHROME_WORDS for w in plain),
            sum(w.lower().endswith(_PHRASE_WORD_ENDS) or "article" in w.lower() for w in words),
        )
        assert tuple(column[i] for column in stats) == expected, sample


def test_reasons_are_the_first_test_that_holds() -> None:
    from storyline.extract.text import _F, _LOW_SCORE, _REASONS, _reasons

    rng = np.random.default_rng(1)
    rows = rng.choice([0.0, 0.0, 0.0, 0.5, 1.0, 1.2], size=(300, len(FEATURES)))
    expected = []
    for row in rows:
        for name, reason in _REASONS:
            value = row[_F[name]]
            if (value >= 1.0986) if name == "corpus_sites" else value != 0:
                expected.append(reason)
                break
        else:
            expected.append(_LOW_SCORE)
    assert _reasons(rows) == expected
    assert _LOW_SCORE in expected and len(set(expected)) > 3


@pytest.mark.parametrize("text", PAGES)
def test_split_lines_keys_are_the_body_keys_where_no_bullet_is_stripped(text: str) -> None:
    # clean_text hands drop_repeats the split_lines key of a body line left whole
    page = split_lines(text + "\n* - bullet  twice\n•x\n-- dashes\n+ plus\n")
    for line, key in zip(page.texts, page.keys, strict=True):
        body = line.lstrip("*+-• ").strip()
        if len(body) == len(line):
            assert key == normalize(body)


YEAR_TEXTS = [
    "2019 x2019 _2020 12019 2021 20201 1920 2020 1989 2099",
    "COPYRİGHT 2011",
    "Copyrıght 2012",
    "CoPyRiGhT 2013 – 2015, (C) 2014, © 2015 © 2016-2018, copyright2016 opyright 2001",
    "©© 2017 (c)2018 ( c) 2019 Σ Copyright 2004 ΣΑΣ",
    "no year at all",
]


@pytest.mark.parametrize("text", YEAR_TEXTS)
def test_year_finders_equal_their_regex_over_the_whole_text(text: str) -> None:
    from datetime import date

    from storyline.extract.dates import _COPYRIGHT, _YEAR, MIN_YEAR, copyright_year, latest_year

    years = [int(m.group(1)) for m in _COPYRIGHT.finditer(text)]
    assert copyright_year(text) == (max(years) if years else None)
    today = date(2030, 1, 1)
    years = [int(y) for y in _YEAR.findall(text) if MIN_YEAR <= int(y) <= today.year]
    assert latest_year(text, today=today) == (max(years) if years else None)


def test_dateline_counts_down_after_an_updated_date_past_dateless_lines() -> None:
    from datetime import date

    from storyline.extract.dates import dateline

    head = "Updated: March 6, 2023\n|\nBy Ann\n-\nPublished: March 1, 2023"
    assert dateline(head) == date(2023, 3, 1)  # two lines that count, then the date
    far = "Updated: March 6, 2023\nBy Ann\nA line\nAnother line\nPublished: March 1, 2023"
    assert dateline(far) == date(2023, 3, 6)  # the publication date comes too late


#: line pieces that make each rule of chrome_rule fire or nearly fire (for the test below)
_RULE_PIECES = (
    # code: openings, marks, last characters, calls and prose ending in a parenthesis
    "var x = 1;", "let y = f(x)", "Letters to the editor", "const f = () => {", "function f() {", "window.x = []",
    "document.write(x)", "if (a) {", "if(a) b()", "If you go (there)", "$(function() {})", "$10 off (today)",
    "@media screen {", "@import url(x);", "<div class='x'>", "</p> x", "<DIV >", "} else {", "};", "{{ title }}",
    "{% if x %}", "x => y", "gtag('config', 'G-1');", "foo(bar)", "the mayor (who came)", "f (x)", "a.b(c)",
    "x[0](y)", "a.(b)", "end;", "x {", "said (Reuters)",
    # ad placeholders
    "Advertisement", "ADVERTISEMENT", "- . Advertisement :", "Ad  Feedback", "ads.", "Advertisement - Scroll \t to continue",
    "Skip advertisement —", "Story continues below advertisement", "Advertisement" + "." * 60, "AdChoices", "Sponsored",
    "Promoted:", "Paid content", "ad\xa0feedback", "bad",
    # photo credits
    "Photo: AP", "PHOTOS BY Ann:", "Image credit: x", "Picture source - y", "Illustration\t: z", "Video: highlights",
    "Graphics | RTX", "photography", "Image 1 of 23", "© 2024 Example", "©2024", "©\t2024", "(c) 2024", "(C)\tExample",
    "Credit: Getty Images", "via Reuters/Staff", "Shutterstock", "iStock", "AP Photo/Jane", "AFP via Getty Images",
    "getty", "stock market", "ap  photo",
    # sponsored links, links to more stories
    "Sponsored: 9 towns", "Promoted | x", "Paid content · y", "Partner content - z", "Advertorial: w",
    "sponsored resources", "More from Sport", "Read more on X", "READ MORE AT Y", "More", "Read More", "more on",
    "More  from Sport",
    # a rule's most words and one more
    "More from a b c d e f", "More from a b c d e f g", "Photo: " + "w " * 18 + "w", "Photo: " + "w " * 19 + "w",
    "Sponsored: " + "w " * 23 + "w", "Sponsored: " + "w " * 24 + "w", "Cookies: " + "w " * 78 + "policy",
    "Cookies: " + "w " * 79 + "policy",
    # cookie notices
    "We use cookies to improve your experience on our website.", "COOKIE settings", "Cookie policy and consent",
    "cookies", "Cookies are tasty.", "CoOkies and privacy", "Cookies\xa0policy",
    # prose
    "The dam opened on Monday after a decade of work.", "Σ and ΑΣ",
)  # fmt: skip
#: list bullets, bullet characters, spacing and punctuation in front of a piece
_RULE_PREFIXES = ("", "", "", "* ", "- ", "+ ", "• ", "* - ", "*\t", "•", "**", "# ", "o ", "· ", "› ", "» ", "-- ",
                  "\xa0", ". ", ": ", "— ", "*  ")  # fmt: skip
_RULE_SUFFIXES = ("", "", "", " (AP)", ";", " {", ")", " and more", " " + "word " * 18 + "end", " Getty Images",
                  " cookies policy", " ")  # fmt: skip
#: characters that case-insensitive regexes fold onto ASCII letters (long s, Kelvin sign, Turkish i's)
_FOLD_PIECES = ("ſhutterſtock", "ISTOC\u212a", "İstock", "İmage: x", "ımage: x", "ıf (x)", "Sponſored: x",
                "Coo\u212aies and privacy")


def test_chrome_rules_equal_chrome_rule_on_random_pages() -> None:
    from storyline.extract._lines import _split_lines_reference
    from storyline.extract.text import _chrome_rules

    # the scans of the lower-cased lines find every line that a rule fires on, whatever
    # its bullets, spacing, case and length
    rng = np.random.default_rng(7)
    seen = set()
    for n in range(1500):
        lines = [
            str(rng.choice(_RULE_PREFIXES)) + str(rng.choice(_RULE_PIECES)) + str(rng.choice(_RULE_SUFFIXES))
            for _ in range(rng.integers(1, 25))
        ]
        if n % 10 == 0:  # a line with a character the regexes fold onto an ASCII letter
            lines.insert(int(rng.integers(0, len(lines))), str(rng.choice(_FOLD_PIECES)))
        page_text = "\n".join(lines)
        for page in (split_lines(page_text), _split_lines_reference(page_text)):
            expected = [chrome_rule(t) for t in page.texts]
            bodies = [t.lstrip("*+-• ").strip() for t in page.texts]
            # as clean_text calls it (split_lines' keys), and as chrome_rules does (the bodies lower-cased)
            assert _chrome_rules(page.texts, bodies, page.keys) == expected, page.texts
            assert chrome_rules(page.texts) == expected, page.texts
            seen.update(expected)
        texts = [line.strip() for line in lines]
        assert chrome_rules(texts) == [chrome_rule(t) for t in texts]
    assert seen == {None, "ad placeholder", "template or script code", "photo credit", "sponsored link",
                    "link to more stories", "cookie notice"}  # fmt: skip



def _opening_samples() -> list[str]:
    """Lines that open as the end-marker, byline and date patterns' matches do, and others: every
    alternative's words in three cases, behind digits, with case-folding oddities."""
    import random

    words = ["comments", "Responses", "replies", "discussion", "leave a reply", "post a comment", "join the discussion",
             "related posts", "you might also like", "more from us", "recommended for you", "read next", "read more on x",
             "popular now", "trending", "about the author", "tags", "topics", "share this story", "sign up for x",
             "subscribe to x", "further reading", "see also", "by Ann", "written by Bo", "author: Cy", "words by Di",
             "von Ed", "par Flo", "por Gil", "ſhare", "\u212aelvin", "İtem", "x", "7", "Updated: May 2, 2013",
             "published 2013-05-02", "Posted: 7:15 a.m. Dec. 7, 2009", "first published June 13, 2013",
             "last modified 1/2/13", "Thursday, May 2, 2013", ": 12/01/2024", "7:15 pm Dec 7, 2009", "2 May 2013",
             "tuesday 2 may 2013", "Wednesday, 3 Jun 2015", "friday, 4 jul 2014", "Saturday Jan 1, 2000",
             "Sunday Feb 2, 2020", "Monday Mar 3, 2021", "apr 4, 2022", "aug 8, 2018", "sept 9, 2019", "oct 10, 2010",
             "nov 11, 2011", "dec 12, 2012", "Jan 1, 2001", "Feb 2, 2002", "July 4, 1999", "Jun 5, 2005", "March 3, 2021"]
    rng = random.Random(5)
    lines = []
    for word in words:
        for cased in (word, word.upper(), word.title()):
            lines += [cased, f"12 {cased}", f"{cased}:", f"{cased} —"]
    pieces = [*"aAbBcCsStT0 :.-", "ſ", "\u212a", "İ", "é"]
    lines += ["".join(rng.choices(pieces, k=rng.randint(1, 6))) for _ in range(3000)]
    return lines


def test_the_anchored_patterns_run_on_every_line_they_may_match() -> None:
    # the opening tables only skip lines that the end-marker, byline and date patterns cannot match
    samples = _opening_samples()
    matched = 0
    for line in samples:
        code = _lines._opening_code(line)
        for pattern, table in ((_END_MARKER, _lines._END_MARKER_OPENINGS), (_BYLINE, _lines._BYLINE_OPENINGS),
                               (_DATEISH, _lines._DATEISH_OPENINGS)):
            if pattern.match(line):
                matched += 1
                assert table[code], line
    assert matched > 100
    shapes = _lines.line_shapes(samples, samples)
    assert shapes[_lines._SHAPES.index("opening")].tolist() == list(map(_lines._opening_code, samples))
