"""Rules added for reports from other outlets (rules-1.1)."""

import datetime as dt

import pytest

from reports.tagging import tag


@pytest.fixture
def claims(lexicon):
    names = {a.id: a.name for a in lexicon.actors}
    places = {p.id: p.name for p in lexicon.places}
    by_name = {a.name: a.id for a in lexicon.actors}

    def run(text, published=dt.date(2019, 10, 18), outlet=None):
        r = tag(text, published=published, lexicon=lexicon, outlet_actor_id=by_name.get(outlet))
        return [(c.type, places.get(c.place_id, c.proposed_place), names.get(c.actor1_id)) for c in r.claims
                if c.type != "held"]
    return run


def test_an_inner_article_and_ayn_ain_spellings_find_the_place(claims):
    assert ("withdrawal", "Ras al-Ayn", "SDF") in claims("The SDF withdrew from Ras al-Ain on Sunday.")


def test_a_backed_side_is_the_proxy_not_the_backer(claims):
    assert claims("U.S.-backed Syrian militias captured Raqqa from ISIS.")[0][2] == "SDF"
    assert claims("Turkish-backed rebels encircled the town of Ras al-Ain.")[0][2] == "Syrian National Army"


def test_a_nationality_before_forces_names_that_state(claims):
    assert claims("Turkish regime forces continued their aggression on Ras al-Ain.")[0][2] == "Turkey"


def test_a_dateline_place_is_not_a_side(claims):
    out = claims("AKCAKALE, Turkey (Reuters) - Turkish-backed Syrian rebels have encircled Ras al-Ain.")
    assert out[0][2] == "Syrian National Army"


def test_an_agency_dateline_fixes_the_date(lexicon):
    r = tag("DAMASCUS, Nov 19, 2017 (AFP) - Regime forces on Sunday retook Albu Kamal from the Islamic State group.",
            published=None, lexicon=lexicon)
    assert r.claims[0].date.start == dt.date(2017, 11, 19)


def test_a_pronoun_object_takes_the_last_place(claims):
    out = claims("The SDF pulled out of Tell Abyad last week after Turkish-backed fighters captured it.")
    assert ("capture", "Tell Abyad", "Syrian National Army") in out


def test_a_denial_is_not_a_claim(claims):
    assert claims("A Turkish official denied that forces had surrounded Ras al-Ain.") == []


def test_breaking_a_siege_is_an_advance_by_the_breaker(claims):
    out = claims("Syrian government troops on Tuesday broke through the siege of Deir ez-Zor.")
    assert out[0][:3] == ("advance", "Deir ez-Zor", "Syrian government")


def test_a_destination_is_not_the_place_left(claims):
    assert claims("The ISIS gangs fled toward Markada.") == []


def test_numbered_strikes_near_a_place_in_a_coalition_summary(claims):
    out = claims("Near Abu Kamal, five strikes engaged three ISIS tactical units.", outlet="Coalition")
    assert out == [("airstrike", "Abu Kamal", "Coalition")]


def test_a_party_outlet_resolves_the_army(claims):
    out = claims("Army units entered Manbij on Tuesday.", outlet="Syrian government")
    assert out[0][2] == "Syrian government"


def test_a_statement_date_bounds_the_claim(lexicon):
    r = tag("The army has captured Mayadin after a short battle with ISIS, a source told AMN on Saturday.",
            published=dt.date(2017, 10, 14), lexicon=lexicon)
    capture = next(c for c in r.claims if c.type == "capture")
    assert capture.date.start == dt.date(2017, 10, 14)


def test_who_holds_villages_near_a_town_is_not_who_holds_the_town(names):
    assert names("ISIS still controls a number of villages close to the town of Hajin.") == []
    assert names("Hajin is the main town. ISIS still controls several villages near the town.") == []
    assert names("ISIS controls the villages of Susah and Shaafah.") == [
        ("held", "al-Susah", "ISIS", None), ("held", "al-Shaafah", "ISIS", None)]
