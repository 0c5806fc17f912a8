from __future__ import annotations

import datetime as dt

import pytest

from reports.tagging import tag
from reports.tagging.lexicon import bundled_lexicon


@pytest.fixture(scope="session")
def lexicon():
    return bundled_lexicon()


@pytest.fixture(scope="session")
def names(lexicon):
    places = {p.id: p.name for p in lexicon.places}
    actors = {a.id: a.name for a in lexicon.actors}

    def claims(text, published=dt.date(2018, 12, 14), **kw):
        result = tag(text, published=published, lexicon=lexicon, **kw)
        return [(c.type, places.get(c.place_id, c.proposed_place), actors.get(c.actor1_id), actors.get(c.actor2_id))
                for c in result.claims]

    return claims
