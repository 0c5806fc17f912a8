from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from conflict.models import Actor, Place, PlaceName
from conflict.services.reference import ReferenceDataError, gazetteer_load, parse_gazetteer_csv, reference_setup

GEONAMES_SAMPLE = "\t".join(
    ["174506", "Hajīn", "Hajin", "Hajeen,هجين", "34.69508", "40.83138", "P", "PPL", "SY", "", "07", "", "", "",
     "37935", "", "180", "Asia/Damascus", "2012-01-18"]
)


def _row(geonameid: str, name: str, lat: str = "35.0", fclass: str = "P", fcode: str = "PPL") -> str:
    return "\t".join([geonameid, name, name, "", lat, "40.0", fclass, fcode, "SY", "", "07", "", "", "", "120", "",
                      "200", "Asia/Damascus", "2012-01-18"])


@pytest.mark.django_db
def test_setup_twice_changes_nothing():
    places, names, actors = Place.objects.count(), PlaceName.objects.count(), Actor.objects.count()
    summaries = reference_setup()
    assert summaries["gazetteer"].created == 0
    assert summaries["gazetteer"].updated == 0
    assert summaries["gazetteer"].names_added == 0
    assert (Place.objects.count(), PlaceName.objects.count(), Actor.objects.count()) == (places, names, actors)


@pytest.mark.django_db
def test_the_bundled_gazetteer_is_loaded_with_its_spellings():
    hajin = Place.objects.get(name="Hajin")
    assert hajin.geonames_id == 174506
    assert {"Hajeen", "هجين"} <= set(hajin.names.values_list("name", flat=True))
    assert PlaceName.objects.filter(normalized="bahrah", place__name="al-Bahrah").exists()


@pytest.mark.django_db
def test_setup_command_is_idempotent(capsys):
    call_command("setup")
    call_command("setup")
    out = capsys.readouterr().out
    places = Place.objects.exclude(status=Place.Status.PROPOSED).count()
    assert places >= 612
    assert f"gazetteer: 0 created, 0 updated, {places} unchanged, 0 spellings added" in out


def test_a_gazetteer_line_with_a_missing_column_names_its_line(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,alt_names,lat,lon,kind,admin1,admin2,geonames_id,source\n"
        "Good,,34.1,40.1,village,Deir ez-Zor,,,test\n"
        "Broken,,34.1,40.1,village,Deir ez-Zor,\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceDataError, match=r"bad.csv, line 3: expected 9 columns, found 7"):
        parse_gazetteer_csv(bad)


@pytest.mark.django_db
def test_a_bad_gazetteer_loads_nothing_partial(tmp_path: Path):
    bad = tmp_path / "bad.csv"
    bad.write_text(
        "name,alt_names,lat,lon,kind,admin1,admin2,geonames_id,source\n"
        "Newplace One,,34.1,40.1,village,Deir ez-Zor,,,test\n"
        "Newplace Two,,north,40.1,village,Deir ez-Zor,,,test\n",
        encoding="utf-8",
    )
    with pytest.raises(ReferenceDataError, match="line 3: latitude 'north' is not a number"):
        gazetteer_load(paths=[bad])
    assert not Place.objects.filter(name__startswith="Newplace").exists()


@pytest.mark.django_db
def test_import_geonames_adds_places_and_merges_spellings_into_known_ones(tmp_path: Path):
    dump = tmp_path / "SY.txt"
    dump.write_text("\n".join([GEONAMES_SAMPLE, _row("9000001", "Tall Newvillage"),
                               _row("9000002", "Some Wadi", fclass="H", fcode="WAD")]) + "\n", encoding="utf-8")
    call_command("import_geonames", str(dump))
    assert Place.objects.get(geonames_id=9000001).name == "Tall Newvillage"
    assert not Place.objects.filter(geonames_id=9000002).exists()
    hajin = Place.objects.get(geonames_id=174506)
    assert hajin.name == "Hajin"  # the curated name stays
    assert Place.objects.filter(name="Hajin").count() == 1
    call_command("import_geonames", str(dump))
    assert Place.objects.filter(geonames_id=9000001).count() == 1


@pytest.mark.django_db
def test_import_geonames_rejects_a_malformed_line_and_loads_nothing(tmp_path: Path):
    dump = tmp_path / "SY.txt"
    dump.write_text(_row("9000011", "First Good") + "\n" + "9000012\tOnly three\tcolumns\n", encoding="utf-8")
    with pytest.raises(CommandError, match=r"SY.txt, line 2: expected 19 tab-separated columns, found 3"):
        call_command("import_geonames", str(dump))
    assert not Place.objects.filter(geonames_id=9000011).exists()


@pytest.mark.django_db
def test_import_geonames_names_a_bad_coordinate(tmp_path: Path):
    dump = tmp_path / "SY.txt"
    dump.write_text(_row("9000021", "Badlat", lat="95.5") + "\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 1: coordinates 95.5, 40.0 are out of range"):
        call_command("import_geonames", str(dump))
