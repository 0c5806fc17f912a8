from reports.tagging.lexicon import get_matcher
from reports.tagging.places import find_places


def _places(lexicon, text):
    m = get_matcher(lexicon)
    hits, _ = m.find(text)
    out = []
    for p in find_places(text, hits, m):
        out += [m.places[i].name for i in p.place_ids] if p.place_ids else [p.proposed]
    return out


def test_it_finds_spellings_whatever_the_case_hyphens_and_doubled_letters(lexicon):
    assert _places(lexicon, "DEIR EZ-ZOR, Deir Ezzor and Deir ez-Zour") == ["Deir ez-Zor"] * 3


def test_it_keeps_a_leading_arabic_article_in_the_span(lexicon):
    m = get_matcher(lexicon)
    hits, _ = m.find("the village of al-Sha'fah")
    assert [h.spelling for h in hits] == ["al-Sha'fah"]


def test_it_reads_kurdish_spellings(lexicon):
    assert _places(lexicon, "from Abu Hamam to Xiranice and Behran") == ["Abu Hamam", "Gharanij", "al-Bahrah"]


def test_the_x_villages_gives_every_place_whose_name_starts_with_x(lexicon):
    assert sorted(_places(lexicon, "they retook the Baghuz villages")) == ["Baghuz Fawqani", "Baghuz Tahtani"]


def test_it_proposes_a_village_the_gazetteer_lacks(lexicon):
    assert _places(lexicon, "the villages of Qalaat, Albu Khatir and Abu Hassan") == [
        "Qalaat", "Abu Khatir", "Abu Hassan"]


def test_it_proposes_a_town_named_before_its_kind(lexicon):
    assert _places(lexicon, "fighting in Tayyana town") == ["Tayyana"]


def test_it_ignores_short_and_english_like_spellings(lexicon):
    assert _places(lexicon, "The DEZ office said raka and Raka are words.") == []


def test_a_place_inside_an_outlet_or_actor_name_is_not_a_place(lexicon):
    assert _places(lexicon, "Deir Ezzor 24 and the Deir ez-Zor Military Council said") == []


def test_a_single_word_village_inside_a_person_name_is_not_a_place(lexicon):
    assert _places(lexicon, "SDF commander Mazloum Abdi said") == []


def test_a_governorate_is_the_region_not_the_city(lexicon):
    assert _places(lexicon, "in Deir ez-Zor province") == ["Deir ez-Zor Governorate"]


def test_common_transliteration_variants_meet(lexicon):
    assert _places(lexicon, "Hajeen, Baghouz Fawqani and Dhiban") == ["Hajin", "Baghuz Fawqani", "Dhiban"]
