from reports.tagging.normalize import normalize_text


def test_it_keeps_the_length_of_the_text():
    text = "Hаjin\u200b \u201cfell\u201d \u2013 Dеir\u00a0ez-Zor"
    assert len(normalize_text(text)) == len(text)


def test_it_maps_cyrillic_and_greek_look_alikes_inside_latin_words():
    assert normalize_text("H\u0430jin and Bαhrah") == "Hajin and Bahrah"


def test_it_leaves_real_cyrillic_words_alone():
    assert normalize_text("Ракка") == "Ракка"


def test_it_turns_odd_spaces_and_zero_width_characters_into_plain_spaces():
    assert normalize_text("Deir\u00a0ez\u200bZor") == "Deir ez Zor"


def test_it_straightens_curly_quotes_and_dashes():
    assert normalize_text("\u2018Qal\u2019at\u2019 \u201cx\u201d \u2014") == "'Qal'at' \"x\" -"
