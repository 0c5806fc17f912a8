"""Rules added after the third held-out set (rules-1.3, reports/tests/tagging/dev3/): the general patterns behind
its errors. The sentences here are new ones, not the dev3 sentences."""

import datetime as dt

import pytest

from reports.tagging import tag


@pytest.fixture
def run(lexicon):
    names = {a.id: a.name for a in lexicon.actors}
    places = {p.id: p.name for p in lexicon.places}

    def go(text, published=dt.date(2018, 12, 20)):
        r = tag(text, published=published, lexicon=lexicon)
        return [(c.type, places.get(c.place_id, c.proposed_place), names.get(c.actor1_id),
                 (c.date.start.isoformat() if c.date.start else None, c.date.end.isoformat() if c.date.end else None))
                for c in r.claims if c.type != "held"]
    return go


def triples(out):
    return [(t, p, a) for t, p, a, _ in out]


def test_every_item_of_a_list_after_near_is_a_scene(run):
    out = triples(run("Coalition jets carried out 14 strikes near Abu Hamam and Gharanij on Tuesday."))
    assert ("airstrike", "Abu Hamam", "Coalition") in out and ("airstrike", "Gharanij", "Coalition") in out
    out = triples(run("ISIS launched attacks on SDF positions in Hajin, al-Susah and near the Omar oil field."))
    assert {p for t, p, _ in out if t == "attack"} >= {"Hajin", "al-Susah", "al-Omar oil field"}


def test_a_province_after_a_near_place_is_not_a_list_item(run):
    out = triples(run("SDF commandos conducted a raid near Gharanij, Deir ez-Zor Province, on Monday."))
    assert not any("Governorate" in (p or "") for _, p, _ in out)


def test_strike_summaries_that_place_the_strikes_after_a_distributive(run):
    out = run("The Coalition against ISIS conducted 41 strikes in Syria between December 2 and December 8, "
              "according to its weekly summary, most of them near Hajin and al-Shaafah.")
    assert ("airstrike", "Hajin", "Coalition", ("2018-12-02", "2018-12-08")) in out
    assert ("airstrike", "al-Shaafah", "Coalition", ("2018-12-02", "2018-12-08")) in out


def test_a_side_after_against_is_not_the_one_acting(run):
    out = triples(run("The SDF said the offensive against the last ISIS pocket began in October with an assault on "
                      "al-Susah."))
    assert ("attack", "al-Susah", "SDF") in out and not any(a == "ISIS" for _, _, a in out)


def test_month_last_year_and_ranges(run):
    out = run("The SDF entered Hajin in November last year.", published=dt.date(2019, 2, 1))
    assert ("advance", "Hajin", "SDF", ("2018-11-01", "2018-11-30")) in out
    out = run("Coalition aircraft struck ISIS positions in al-Susah from Monday to Wednesday.")
    assert ("airstrike", "al-Susah", "Coalition", ("2018-12-17", "2018-12-19")) in out


def test_negated_and_future_fighting_is_no_claim(run):
    assert not run("There was no fighting in al-Shaafah on Sunday, the monitor said.")
    assert not run("The Coalition has not conducted any airstrikes on Buqan since Friday.")
    assert not [c for c in run("Officials warned that ISIS cells remain in Hajin and that the war will continue.")
                if c[0] == "clash"]


def test_the_lead_up_to_a_capture_is_not_a_second_claim(run):
    out = triples(run("The SDF captured al-Susah on Sunday after two weeks of heavy fighting."))
    assert out == [("capture", "al-Susah", "SDF")]


def test_the_assault_just_told_is_not_a_new_attack_by_the_other_side(run):
    out = triples(run("ISIS militants attacked army positions near Mayadin on Sunday before the assault was "
                      "repelled by the Syrian Arab Army."))
    assert ("attack", "al-Mayadin", "ISIS") in out
    assert ("attack", "al-Mayadin", "Syrian government") not in out


def test_a_car_bomb_workshop_is_not_an_attack(run):
    out = triples(run("Coalition drones struck a car bomb workshop in al-Kishma on Monday."))
    assert not any(t == "attack" for t, _, _ in out)


def test_launching_a_battle_is_an_advance(run):
    out = run("The SDF launched the battle for al-Susah on Saturday.")
    assert ("advance", "al-Susah", "SDF", ("2018-12-15", "2018-12-15")) in out


def test_reaching_the_outskirts_is_an_advance(run):
    assert ("advance", "al-Susah", "SDF") in triples(run("The SDF reached the outskirts of al-Susah on Monday."))


def test_the_dateline_does_not_date_a_claim_that_has_its_own_date(run):
    out = run("HAJIN, Syria (DECEMBER 18, 2018) – The SDF captured al-Shaafah on December 16 after a long battle.",
              published=None)
    assert ("capture", "al-Shaafah", "SDF", ("2018-12-16", "2018-12-16")) in out


def test_a_place_declared_liberated_keeps_its_liberator(run):
    out = triples(run("The SDF announced that the town of Hajin, the largest held by the group, had been liberated."))
    assert ("capture", "Hajin", "ISIS") not in out


def test_a_related_footer_is_not_part_of_the_report(run):
    out = triples(run("The SDF captured Hajin on Friday.\n\nRelated\nISIS retakes al-Bahrah in sandstorm attack\n"))
    assert out == [("capture", "Hajin", "SDF")]


def test_people_taken_somewhere_are_not_a_capture(run):
    assert not [c for c in run("The hostages were taken to Hajin by the militants.") if c[0] == "capture"]


def test_an_attack_named_after_its_side_when_repelled(run):
    out = triples(run("The SDF said its fighters repelled an ISIS attack on Abu Hassan."))
    assert ("attack", "Abu Hassan", "ISIS") in out


def test_a_since_clause_is_a_time_anchor(run):
    out = triples(run("SOHR said 300 SDF fighters had been killed since it launched its offensive in the area."))
    assert not any(t == "advance" for t, _, _ in out)


def test_the_organization_is_the_side_introduced_so(run):
    out = triples(run('SOHR monitored clashes between the SDF and the organization "Islamic State" near Hajin. '
                      "The SDF later seized Buqan after the withdrawal of the organization's members."))
    assert ("withdrawal", "Buqan", "SDF") not in out


def test_the_antecedent_of_in_which(run):
    out = triples(run("The SDF reached Baghuz, the last village in which ISIS fighters are besieged."))
    assert any(t == "siege" and p == "Baghuz Fawqani" for t, p, _ in out)


def test_lead_claims_without_a_date_fall_in_the_days_before_publication(run):
    out = run("The SDF has captured al-Susah, SDF officials said.\n\nLater, the SDF captured al-Shaafah.")
    assert ("capture", "al-Susah", "SDF", ("2018-12-14", "2018-12-20")) in out
    assert ("capture", "al-Shaafah", "SDF", (None, None)) in out
    assert run("The SDF captured Hajin.", published=None)[0][3] == (None, None)


def test_the_same_day_is_the_day_last_told(run):
    out = run("The SDF captured Abu Hassan on December 12.\n\nLater on the same day, ISIS attacked SDF positions "
              "in Abu Hassan.")
    assert ("attack", "Abu Hassan", "ISIS", ("2018-12-12", "2018-12-12")) in out


def test_clearing_a_town_of_mines_is_not_a_capture(run):
    assert not [c for c in run("SDF engineers are clearing al-Susah of mines.") if c[0] == "capture"]


def test_shelling_by_the_named_side(run):
    out = triples(run("The SDF advanced in Hajin amid heavy shelling by the International Coalition on the town."))
    assert ("airstrike", "Hajin", "Coalition") in out


def test_a_range_in_the_lead_governs_the_summary(run):
    out = run("Coalition forces conducted 30 strikes in Syria from December 2 to December 8.\n\n"
              "Near Hajin, 25 strikes engaged ISIS tactical units.")
    assert ("airstrike", "Hajin", "Coalition", ("2018-12-02", "2018-12-08")) in out


def test_the_organization_named_before_its_noun(run):
    out = triples(run('The SDF clashed with members of the "Islamic State" organization in Hajin. SOHR documented '
                      "the withdrawal of the organization's members from Buqan."))
    assert ("withdrawal", "Buqan", "ISIS") in out and ("withdrawal", "Buqan", "SDF") not in out


def test_a_participle_arrest_shares_the_main_subject(run):
    out = triples(run("The SDF on Monday seized the Islamic State group's last positions in al-Susah, capturing "
                      "40 jihadists."))
    assert ("arrest", "al-Susah", "ISIS") not in out


def test_fleeing_after_clashes_is_not_a_clash_where_they_fled(run):
    out = triples(run("The militants fled towards Buqan after heavy clashes with the SDF."))
    assert not any(t == "clash" for t, _, _ in out)


def test_aircraft_belong_to_the_side_they_are_said_to_belong_to(run):
    out = triples(run("The coalition said its aircraft had struck ISIS targets in Buqan on Monday."))
    assert ("airstrike", "Buqan", "Coalition") in out
