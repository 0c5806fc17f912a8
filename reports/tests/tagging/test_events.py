def test_it_reads_an_active_capture_with_both_sides(names):
    assert names("The SDF captured Hajin from ISIS.") == [("capture", "Hajin", "SDF", "ISIS")]


def test_it_reads_a_passive_capture_with_its_agent(names):
    assert names("Hajin was captured by the Syrian Democratic Forces.") == [("capture", "Hajin", "SDF", None)]


def test_fell_to_gives_the_new_holder(names):
    assert names("Al-Susah fell to the SDF late Sunday.") == [("capture", "al-Susah", "SDF", None)]


def test_ousted_from_gives_the_place_and_both_sides(names):
    assert names("The SDF ousted ISIS from al-Marashidah.") == [("capture", "al-Marashidah", "SDF", "ISIS")]


def test_a_passive_ousting_takes_its_agent_from_by(names):
    assert names("Daesh terrorists were expelled from al-Shajla by regime troops.") == [
        ("capture", "al-Shajla", "Syrian government", "ISIS")]


def test_cleared_of_makes_the_other_side_the_captor(names):
    text = "The SDF keeps fighting ISIS. All villages from Abu Hamam to Xiranice have been cleared of ISIS."
    assert names(text) == [("capture", "Abu Hamam", "SDF", "ISIS"), ("capture", "Gharanij", "SDF", "ISIS")]


def test_a_passive_siege_makes_the_besieged_the_second_side(names):
    text = "The SDF pressed on. In Hajin and Behran areas the ISIS gangs are besieged by the SDF."
    assert names(text) == [("siege", "Hajin", "SDF", "ISIS"), ("siege", "al-Bahrah", "SDF", "ISIS")]


def test_clashes_between_two_sides_name_both(names):
    assert names("Clashes between the SDF and ISIS in Abu Kamal left 12 dead.") == [
        ("clash", "Abu Kamal", "SDF", "ISIS")]


def test_an_attack_on_a_held_town_also_says_who_holds_it(names):
    assert names("ISIS attacked the SDF-held village of Abu Hardub.") == [
        ("attack", "Abu Hardub", "ISIS", "SDF"), ("held", "Abu Hardub", "SDF", None)]


def test_an_offensive_to_take_a_town_is_an_advance(names):
    assert names("Kurdish-led forces launched an offensive to take Dhiban.") == [("advance", "Dhiban", "SDF", None)]


def test_hypotheticals_and_negations_make_no_capture(names):
    assert names("The SDF would soon oust ISIS from Hajin.") == []
    assert names("The coalition prevented ISIS from recapturing Hajin.") == []
    assert names("ISIS has tried to retake al-Bahrah several times.") == []
    assert names("The SDF did not capture Hajin.") == []


def test_capturing_a_person_is_an_arrest(names):
    assert names("The SDF captured ISIS commander Abu Omar in Hajin.") == [("arrest", "Hajin", "SDF", "ISIS")]


def test_liberated_areas_is_an_adjective_not_a_capture(names):
    assert names("Civilians headed towards liberated areas in Hajin.") == []


def test_one_sentence_naming_three_villages_gives_three_claims(names):
    text = "The SDF fights ISIS. The fighting moved towards the villages of Qalaat, Albu Khatir and Abu Hassan."
    assert [c[:2] for c in names(text)] == [("clash", "Qalaat"), ("clash", "Abu Khatir"), ("clash", "Abu Hassan")]


def test_a_place_near_another_is_not_the_scene(names):
    assert names("ISIS attacked the town of Bahrah near Hajin.") == [("attack", "al-Bahrah", "ISIS", None)]


def test_the_town_refers_back_to_the_last_place(names):
    text = "IS captured the town of Bahrah. SDF was able to counterattack, but the town is still contested."
    assert names(text) == [("capture", "al-Bahrah", "ISIS", "SDF"), ("attack", "al-Bahrah", "SDF", "ISIS")]


def test_casualties_attach_to_the_claim_with_their_span(lexicon):
    from reports.tagging import tag

    text = "Clashes between the SDF and ISIS in Abu Kamal left 12 militants killed."
    c = tag(text, published=None, lexicon=lexicon).claims[0]
    assert c.casualties["killed"] == 12
    s, e = c.casualties["span"]
    assert text[s:e].startswith("12")


def test_free_of_is_a_capture_by_the_other_side(names):
    text = "The SDF pressed on against ISIS. The villages from Abu Hamam to Gharanij (Ghranij) are now free of ISIS."
    assert names(text) == [("capture", "Abu Hamam", "SDF", "ISIS"), ("capture", "Gharanij", "SDF", "ISIS")]


def test_a_gloss_in_brackets_does_not_break_a_list(names):
    text = "The SDF advanced around the villages of Baghouz Fawqani (Upper Baghuz) and Baghuz Tahtani against ISIS."
    assert [c[:2] for c in names(text)] == [("advance", "Baghuz Fawqani"), ("advance", "Baghuz Tahtani")]


def test_an_apposition_inside_a_list_does_not_break_it(names):
    text = "There were clashes between the SDF and ISIS in Qalaat, a small village near Hajin, and in Abu Hassan."
    assert [c[:2] for c in names(text)] == [("clash", "Qalaat"), ("clash", "Abu Hassan")]


def test_near_a_place_will_do_for_a_strike_with_no_other_place(names):
    text = "The Coalition said it conducted 12 strikes near Hajin."
    assert names(text) == [("airstrike", "Hajin", "Coalition", None)]


def test_a_noun_attack_takes_its_agent_from_the_name_before_it(names):
    text = "The town was quiet. Civilians left because of the ISIS attacks on al-Susah."
    assert names(text)[0][:3] == ("attack", "al-Susah", "ISIS")


def test_shelling_with_no_named_side_has_no_invented_striker(names):
    assert ("airstrike", "Gharanij", None, None) in names("The SDF withdrew from Gharanij after heavy shelling.")


def test_a_party_speaking_of_fighters_is_their_side(names):
    text = "SDF spokesperson Mustafa Bali said fighters were advancing in Hajin's eastern neighbourhoods."
    assert names(text)[0][:3] == ("advance", "Hajin", "SDF")


def test_losing_men_or_clearing_mines_is_no_capture(names):
    assert names("The SDF lost 20 fighters in Hajin.") == []
    assert names("Demining teams cleared mines in Raqqa.") == []
    assert names("The SDF freed hostages in Hajin.") == []


def test_took_place_is_not_a_capture(names):
    assert names("The meeting took place in Raqqa.") == []


def test_a_relative_clause_takes_the_place_before_it(names):
    text = "The battle for the Omar oil field, which the SDF seized from ISIS in October 2017, is long over."
    assert ("capture", "al-Omar oil field", "SDF", "ISIS") in names(text)


def test_a_kunya_is_a_person_not_a_place(names):
    assert names("ISIS spokesman Abu Hassan al-Muhajir called for attacks.") == []


def test_until_makes_a_capture_hypothetical(names):
    assert names('"We will not stop until Baghuz is liberated," said SDF commander Adnan Afrini.') == []
