"""Keyword highlighting: HTML safety, whole words, stems, plurals, scripts, phrases and overlaps."""

from __future__ import annotations

import pytest

from screening.highlight import Hit, compile_keywords, highlight, matches


def inc(text: str) -> str:
    return f'<mark class="kw-include">{text}</mark>'


def exc(text: str) -> str:
    return f'<mark class="kw-exclude">{text}</mark>'


# --- HTML safety ------------------------------------------------------------------------------


def test_script_tags_in_imported_text_come_out_inert():
    out = highlight('<script>alert("x")</script> diabetes', ["diabetes"], [])

    assert "<script" not in out
    assert out == f"&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; {inc('diabetes')}"


def test_ampersands_and_quotes_are_escaped_inside_and_outside_marks():
    out = highlight('Smith & Jones\' "trial" of R&D', ["R&D"], [])

    assert out == f"Smith &amp; Jones&#x27; &quot;trial&quot; of {inc('R&amp;D')}"


def test_markup_in_a_keyword_is_matched_literally_and_escaped():
    out = highlight("bold <b> tag", ["<b>"], [])

    assert out == f"bold {inc('&lt;b&gt;')} tag"


@pytest.mark.parametrize("keyword", ["(a)", "a.b", "x|y", "c++", "[0-9]"])
def test_regex_metacharacters_in_keywords_are_literal(keyword):
    assert highlight("axb and q", [keyword], []) == "axb and q"
    assert highlight(f"see {keyword} here", [keyword], []) == f"see {inc(keyword)} here"


def test_empty_keyword_lists_return_the_escaped_text():
    assert highlight("a < b & c", [], []) == "a &lt; b &amp; c"


def test_empty_text_gives_empty_markup():
    assert highlight("", ["diabetes"], ["rat"]) == ""


# --- words, stems and inflections -------------------------------------------------------------


def test_keywords_match_whole_words_only():
    out = highlight("Education on a cat, concatenation, Cat-like", ["cat"], [])

    assert out == f"Education on a {inc('cat')}, concatenation, {inc('Cat')}-like"


def test_matching_ignores_case():
    assert highlight("COVID and Covid", ["covid"], []) == f"{inc('COVID')} and {inc('Covid')}"


def test_a_trailing_star_matches_any_word_with_that_start():
    out = highlight("Diabetes, diabetic diabetologists; prediabetes", ["diabet*"], [])

    assert out == f"{inc('Diabetes')}, {inc('diabetic')} {inc('diabetologists')}; prediabetes"


@pytest.mark.parametrize(
    ("keyword", "word"),
    [
        ("trial", "trials"),
        ("virus", "viruses"),
        ("patch", "patches"),
        ("study", "studies"),
        ("analysis", "analyses"),
        ("boy", "boys"),
    ],
)
def test_a_plain_keyword_also_matches_its_regular_plural(keyword, word):
    assert highlight(word, [keyword], []) == inc(word)


@pytest.mark.parametrize("word", ["rated", "rating", "rates", "rattle"])
def test_a_plain_keyword_does_not_match_other_inflections(word):
    assert highlight(word, ["rat"], []) == word


def test_possessive_is_a_word_boundary():
    assert highlight("the rat's tail", [], ["rat"]) == f"the {exc('rat')}&#x27;s tail"


# --- scripts and Unicode ----------------------------------------------------------------------


def test_cyrillic_stem_matches_inflected_forms_in_any_case():
    out = highlight("Больные ДИАБЕТОМ и диабет; преддиабет", ["диабет*"], [])

    assert out == f"Больные {inc('ДИАБЕТОМ')} и {inc('диабет')}; преддиабет"


def test_kazakh_phrase_with_a_stem_matches():
    out = highlight("Балалардағы Қант  диабетімен ауыратын", ["қант диабет*"], [])

    assert out == f"Балалардағы {inc('Қант  диабетімен')} ауыратын"


def test_greek_letters_and_final_sigma_fold_like_any_other_letter():
    out = highlight("Β-CELL loss in διαβήτης", ["β-cell", "ΔΙΑΒΉΤΗΣ"], [])

    assert out == f"{inc('Β-CELL')} loss in {inc('διαβήτης')}"


def test_a_greek_hyphenated_keyword_is_found_inside_longer_hyphenated_terms():
    assert highlight("anti-β-cells", ["β-cell"], []) == f"anti-{inc('β-cells')}"


def test_full_case_folding_matches_german_sharp_s():
    assert highlight("Straße", ["strasse"], []) == inc("Straße")


def test_decomposed_accents_match_and_stay_inside_the_mark():
    text = "Cafe\u0301 study"

    assert highlight(text, ["café"], []) == f"{inc('Cafe' + chr(0x301))} study"


def test_pdf_ligatures_and_soft_hyphens_do_not_hide_a_word():
    assert highlight("ﬁbrosis", ["fibrosis"], []) == inc("ﬁbrosis")
    assert highlight("dia\u00adbetes", ["diabetes"], []) == inc("dia\u00adbetes")


def test_combining_vowel_signs_do_not_split_devanagari_words():
    # मधुमेह (diabetes) begins with मधु (honey); the vowel sign ु must not end the word there.
    assert highlight("मधुमेह और मधु", ["मधु"], []) == f"मधुमेह और {inc('मधु')}"


def test_marks_land_on_the_right_characters_after_non_ascii_text():
    assert highlight("Straße — diabetes", ["diabetes"], []) == f"Straße — {inc('diabetes')}"


# --- phrases and overlaps ---------------------------------------------------------------------


def test_phrases_match_across_any_whitespace():
    out = highlight("Insulin\n  resistance and insulin resistances", ["insulin resistance"], [])

    assert out == f"{inc('Insulin' + chr(10) + '  resistance')} and {inc('insulin resistances')}"


def test_the_longer_overlapping_match_wins_even_if_it_is_an_include():
    out = highlight("type 2 diabetes", ["type 2 diabetes"], ["diabetes"])

    assert out == inc("type 2 diabetes")


def test_the_longer_overlapping_match_wins_across_kinds():
    out = highlight("insulin resistance training", ["insulin resistance"], ["resistance training"])

    assert out == f"insulin {exc('resistance training')}"


def test_exclude_wins_an_overlap_of_equal_length():
    assert highlight("mice", ["mice"], ["mice"]) == exc("mice")
    assert highlight("mouse models", ["mouse*"], ["mouse"]) == f"{exc('mouse')} models"


# --- compiled sets, counts and odd keywords ---------------------------------------------------


def test_compiled_keyword_set_is_reused_for_the_same_lists():
    first = compile_keywords(["diabet*"], ["rat"])

    assert compile_keywords(["diabet*"], ["rat"]) is first
    assert first.highlight("rats with diabetes") == f"{exc('rats')} with {inc('diabetes')}"


def test_matches_counts_highlighted_hits_per_keyword():
    text = "Diabetes in rats. Diabetic rats and a RAT; insulin resistance training"

    counts = matches(text, ["diabet*", "insulin resistance", "unused"], ["rat", "resistance training"])

    assert counts == {"diabet*": 2, "rat": 3, "resistance training": 1}


def test_find_reports_spans_of_the_original_text():
    hits = compile_keywords(["straße"], []).find("Die STRASSE")

    assert hits == [Hit(4, 11, "straße", "include")]


def test_keywords_that_cannot_match_are_ignored_and_reported():
    keywords = compile_keywords(["", "  ", "*", "diabet*"], ["**"])

    assert keywords.highlight("diabetes") == inc("diabetes")
    assert set(keywords.ignored) == {"", "*", "**"}
