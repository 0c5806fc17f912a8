from __future__ import annotations

import datetime as dt
import hashlib

import factory
from django.contrib.auth.models import Group, User

from conflict.models import Actor, ActorName, Claim, Event, Place, PlaceName, Source
from conflict.names import normalize_name
from reports.models import Report


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    password = factory.PostGenerationMethodCall("set_password", "correct horse battery staple")

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        for name in extracted or []:
            self.groups.add(Group.objects.get_or_create(name=name)[0])
        if create:
            self.save()


class PlaceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Place
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Testplace {n}")
    slug = factory.LazyAttribute(lambda o: normalize_name(o.name).replace(" ", "-"))
    kind = "village"
    lat = 34.6
    lon = 40.9
    admin1 = "Deir ez-Zor"

    @factory.post_generation
    def spellings(self, create, extracted, **kwargs):
        for name in [self.name, *(extracted or [])]:
            PlaceName.objects.get_or_create(place=self, name=name, defaults={"normalized": normalize_name(name)})


class ActorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Actor
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Test Force {n}")
    slug = factory.LazyAttribute(lambda o: normalize_name(o.name).replace(" ", "-"))
    kind = "armed_group"

    @factory.post_generation
    def aliases(self, create, extracted, **kwargs):
        for name in [self.name, *(extracted or [])]:
            ActorName.objects.get_or_create(actor=self, name=name, defaults={"normalized": normalize_name(name)})


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Source

    name = factory.Sequence(lambda n: f"Test Outlet {n}")
    slug = factory.Sequence(lambda n: f"test-outlet-{n}")
    kind = "news_outlet"


class ReportFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Report

    source = factory.SubFactory(SourceFactory)
    origin = factory.Sequence(lambda n: f"file:report-{n}.txt")
    file_name = factory.LazyAttribute(lambda o: o.origin.removeprefix("file:"))
    title = factory.Sequence(lambda n: f"Report {n}")
    published = dt.date(2018, 12, 14)
    text = "The SDF captured the village of Testplace from ISIS on Thursday."
    content_hash = factory.LazyAttribute(lambda o: hashlib.sha256(o.text.encode()).hexdigest())
    language = "en"
    status = "tagged"


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Event

    type = "capture"
    place = factory.SubFactory(PlaceFactory)
    actor1 = factory.SubFactory(ActorFactory)
    actor2 = None
    date_start = dt.date(2018, 12, 13)
    date_end = dt.date(2018, 12, 13)
    date_precision = "day"
    status = "auto"
    confidence = 0.5


class ClaimFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Claim

    report = factory.SubFactory(ReportFactory)
    event = None
    type = "capture"
    place = factory.SubFactory(PlaceFactory)
    actor1 = factory.SubFactory(ActorFactory)
    actor2 = None
    date_start = dt.date(2018, 12, 13)
    date_end = dt.date(2018, 12, 13)
    date_precision = "day"
    span_start = 0
    span_end = 10
    quote = "The SDF captured"
    tagger_version = "test"
