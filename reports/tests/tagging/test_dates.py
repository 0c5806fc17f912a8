import datetime as dt

from reports.tagging.dates import find_dateline, find_dates, resolve

PUB = dt.date(2018, 12, 14)  # a Friday


def _one(text, published=PUB, hint=None):
    exprs = find_dates(text)
    assert len(exprs) == 1, exprs
    iv = resolve(exprs[0], published, hint)
    return (iv.start.isoformat() if iv.start else None, iv.end.isoformat() if iv.end else None, iv.precision,
            exprs[0].flags)


def test_it_reads_full_dates_both_ways_round():
    assert _one("on September 10, 2018")[:2] == ("2018-09-10", "2018-09-10")
    assert _one("since 10 September 2018")[:2] == ("2018-09-10", "2018-12-14")


def test_mid_early_and_late_month_are_thirds_of_the_month():
    assert _one("in mid-December 2018")[:2] == ("2018-12-11", "2018-12-20")
    assert _one("in early November 2018")[:2] == ("2018-11-01", "2018-11-10")
    assert _one("in late November 2018")[:2] == ("2018-11-21", "2018-11-30")


def test_a_month_alone_is_in_the_publication_year_or_the_year_before():
    assert _one("in November")[:2] == ("2018-11-01", "2018-11-30")
    assert _one("in November", published=dt.date(2019, 1, 10))[:2] == ("2018-11-01", "2018-11-30")


def test_a_weekday_is_the_latest_one_on_or_before_publication():
    assert _one("on Thursday")[:2] == ("2018-12-13", "2018-12-13")
    assert _one("on Friday")[:2] == ("2018-12-14", "2018-12-14")


def test_relative_expressions_are_bounded_by_the_publication_date():
    assert _one("yesterday")[:2] == ("2018-12-13", "2018-12-13")
    assert _one("over the past 5 days")[:2] == ("2018-12-09", "2018-12-14")
    assert _one("over the course of the past month", dt.date(2018, 11, 25))[:2] == ("2018-10-25", "2018-11-25")
    assert _one("recently")[:2] == ("2018-11-14", "2018-12-14")
    assert _one("last year")[:2] == ("2017-01-01", "2017-12-31")


def test_relative_expressions_stay_unknown_without_a_publication_date():
    assert _one("on Thursday", published=None)[:3] == (None, None, "unknown")
    assert _one("last year", published=None)[:3] == (None, None, "unknown")


def test_a_weekday_that_contradicts_its_date_is_flagged_not_guessed():
    assert _one("on Friday, November 14, 2018") == (None, None, "unknown", ["weekday_mismatch"])
    assert _one("said on Friday, November 14", published=None, hint=2018)[3] == ["weekday_mismatch"]


def test_may_the_modal_is_not_a_month():
    assert find_dates("the militants may attack") == []


def test_it_reads_a_dateline_as_the_publication_date():
    assert find_dateline("DEIR EZ-ZOR GOVERNORATE (NOVEMBER 25, 2018) - Islamic State") == dt.date(2018, 11, 25)
