import datetime as dt

from reports.tagging import tag


def test_it_reads_acronyms_only_in_capitals(names):
    assert names("Hajin is where IS captured al-Bahrah.") == [("capture", "al-Bahrah", "ISIS", None)]


def test_it_reads_generic_words_as_their_actor(names):
    assert names("The jihadists retook Hajin from Kurdish-led forces.") == [("capture", "Hajin", "ISIS", "SDF")]


def test_a_part_of_an_actor_counts_as_the_actor(names):
    assert names("The YPG captured Manbij.") == [("capture", "Manbij", "SDF", None)]


def test_the_force_refers_back_to_the_last_actor(names):
    text = "The SDF was founded in 2015. The force, which includes Arab fighters, ousted ISIS from Raqqa."
    assert names(text) == [("capture", "Raqqa", "SDF", "ISIS")]


def test_it_names_a_spokesperson_as_the_speaker(lexicon):
    r = tag("SDF spokesperson Mustafa Bali said the SDF liberated Buqan.", published=None, lexicon=lexicon)
    assert r.claims[0].speaker == "SDF spokesperson"


def test_it_names_a_monitor_as_the_speaker(lexicon):
    r = tag("The Syrian Observatory for Human Rights said the SDF captured Hajin.", published=dt.date(2018, 12, 14),
            lexicon=lexicon)
    assert r.claims[0].speaker == "SOHR"


def test_a_count_of_victims_is_not_the_attacker(names):
    text = "ISIS claimed that its fighters killed 30 SDF members in an attack on the village of Gharanij."
    assert names(text)[0][:3] == ("attack", "Gharanij", "ISIS")


def test_the_side_before_a_noun_attack_is_its_agent(names):
    text = "The SDF said it has recaptured all territory ISIS seized during a counterattack last week near Hajin."
    assert ("attack", "Hajin", "ISIS", "SDF") in names(text)
