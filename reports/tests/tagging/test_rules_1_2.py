"""Rules added after the second held-out set (rules-1.2): the general patterns behind its errors."""

import datetime as dt

import pytest

from reports.tagging import tag


@pytest.fixture
def claims(lexicon):
    names = {a.id: a.name for a in lexicon.actors}
    places = {p.id: p.name for p in lexicon.places}

    def run(text, published=dt.date(2019, 10, 18)):
        r = tag(text, published=published, lexicon=lexicon)
        return [(c.type, places.get(c.place_id, c.proposed_place), names.get(c.actor1_id)) for c in r.claims
                if c.type != "held"]
    return run


def test_a_raid_that_detains_people_is_an_arrest_at_its_scene(claims):
    out = claims("The SDF and Coalition conducted a raid in Gharanij on March 10 and detained three ISIS members.")
    assert ("arrest", "Gharanij", "SDF") in out and not any(t == "attack" for t, _, _ in out)
    assert ("arrest", "Hajin", "SDF") in claims("On July 5 in Hajin, SDF commandos captured two ISIS facilitators.")


def test_an_arrest_does_not_borrow_the_object_of_another_act(claims):
    out = claims("ISIS fighters seized the South Kashmah oil field and captured a number of SDF fighters.")
    assert not any(t == "arrest" for t, _, _ in out)


def test_aircraft_with_their_side_and_words_between(claims):
    assert ("airstrike", "al-Qaim", "Coalition") in claims("US F-15 jets on Sunday struck five positions in al-Qaim.")
    assert ("airstrike", "Tabqa Airbase", "Syrian government") in claims(
        "Syrian warplanes carried out several strikes on the militants around Tabqa airbase on Saturday.")
    assert ("airstrike", "Kobani", "Coalition") in claims(
        "SOHR documented coalition warplanes carrying out at least 6 airstrikes on IS positions near Kobani.")
    out = claims("57 were killed in airstrikes carried out by warplanes, believed to be Israeli, on positions in "
                 "Al-Bukamal desert, Al-Mayadeen and Deir ez-Zor city.")
    assert {("airstrike", p, "Israel") for p in ("Abu Kamal", "al-Mayadin", "Deir ez-Zor")} <= set(out)


def test_an_adjective_or_a_count_is_not_a_siege_or_a_capture(claims):
    out = claims("Army units entered Manbij and deployed in the surrounding villages.")
    assert not any(t == "siege" for t, _, _ in out)
    out = claims("ISIS besieged Kobani, after it captured more than 300 villages in its countryside.")
    assert not any(t == "capture" for t, _, _ in out)


def test_a_repelled_attempt_is_an_attack_by_the_side_that_tried(claims):
    out = claims("The SDF said Turkish forces tried to advance on Tal Abyad overnight but were repelled.")
    assert ("attack", "Tell Abyad", "Turkey") in out
    assert claims("ISIS has tried to retake al-Bahrah several times.") == []


def test_a_repelled_attack_belongs_to_the_attacker(claims):
    out = claims("Turkish forces continued their attacks on Ras al-Ain, where the SDF repelled an attack.")
    assert ("attack", "Ras al-Ayn", "SDF") not in out
    out = claims("The Syrian Arab Army repelled an attack by ISIS terrorists west of Albu Kamal on Thursday.")
    assert ("attack", "Abu Kamal", "ISIS") in out


def test_anaphors_name_a_fitting_side(claims):
    out = claims("The SDF seized most of Manbij. The last IS jihadists withdrew. The alliance had been besieging "
                 "the town of Manbij since June.")
    assert ("siege", "Manbij", "SDF") in out
    out = claims("Clashes broke out between SDF fighters and Turkish-backed factions near Tel Tamer, after the "
                 "factions attacked the villages of Tel Tamer.")
    assert ("attack", "Tell Tamer", "Syrian National Army") in out
    out = claims("The YPG/PKK terrorists seized Tal Abyad. The terrorists left the town on Sunday.")
    assert ("withdrawal", "Tell Abyad", "SDF") in out


def test_a_hedged_future_operation_is_no_claim(claims):
    assert claims("The SDF will likely launch a larger clearing operation in Gharanij in the coming weeks.") == []


def test_overnight_is_the_night_before_publication(lexicon):
    r = tag("Turkish forces attacked Tal Abyad overnight.", published=dt.date(2019, 10, 10), lexicon=lexicon)
    d = r.claims[0].date
    assert (d.start, d.end) == (dt.date(2019, 10, 9), dt.date(2019, 10, 10))
