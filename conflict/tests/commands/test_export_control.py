import datetime as dt
import json

import pytest
from django.core.management import CommandError, call_command

from conflict.models import Actor
from conflict.services.control import control_recompute
from conflict.tests.factories import EventFactory, PlaceFactory

pytestmark = pytest.mark.django_db


def test_export_control_writes_one_control_feed_record_per_line_in_time_order(tmp_path):
    town, other = PlaceFactory(), PlaceFactory()
    sdf, isis = Actor.objects.get(slug="sdf"), Actor.objects.get(slug="isis")
    EventFactory(place=town, actor1=isis, actor2=sdf, date_start=dt.date(2017, 1, 5), date_end=dt.date(2017, 1, 5))
    EventFactory(place=town, actor1=sdf, actor2=isis, date_start=dt.date(2018, 12, 11),
                 date_end=dt.date(2018, 12, 20), date_precision="week")
    EventFactory(place=other, actor1=sdf, actor2=isis)
    control_recompute(place_id=town.id)
    control_recompute(place_id=other.id)
    out = tmp_path / "control.ndjson"

    call_command("export_control", "--format", "ndjson", "--output", str(out), "--place", town.slug)

    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["place"]["name"], r["holder"]["name"]) for r in records] == [
        (town.name, "SDF"), (town.name, "ISIS"), (town.name, "SDF"),
    ]
    assert records[1]["end"] == records[2]["start"] == {"start": "2018-12-11", "end": "2018-12-20",
                                                         "precision": "week"}
    assert set(records[0]) >= {"place", "holder", "state", "start", "end", "confidence", "events"}


def test_export_control_refuses_an_unknown_place(tmp_path):
    with pytest.raises(CommandError, match="unknown place"):
        call_command("export_control", "--place", "atlantis", "--output", str(tmp_path / "x.ndjson"))
