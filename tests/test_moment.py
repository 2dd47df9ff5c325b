"""``tally.Moment``: comparing stored times with a moment cheaply must compare as Python does."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from reminder.store.records import _moment
from reminder.store.tally import Moment

ZONES = [
    UTC,
    timezone(timedelta(hours=7)),
    timezone(timedelta(hours=7)),  # an equal zone, another object
    timezone(timedelta(hours=-3, minutes=-30)),
    ZoneInfo("Asia/Ho_Chi_Minh"),
    ZoneInfo("Europe/Berlin"),  # daylight saving: folds compare by their offsets
]
moments = st.builds(
    lambda naive, zone, fold: naive.replace(tzinfo=zone, fold=fold),
    st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 1, 1)),
    st.sampled_from(ZONES),
    st.sampled_from([0, 1]),
)


@given(moments, st.lists(moments, max_size=8))
def test_reached_is_python_comparison(at: datetime, stored: list[datetime]) -> None:
    moment = Moment(at)
    for when in stored + stored:  # each zone met twice: converted once, then remembered
        assert moment.reached(when) == (when <= at), (when, at)


def test_a_fold_in_a_zone_with_daylight_saving_compares_by_its_offset() -> None:
    """Converting the moment into a zone with rules and comparing fields would lose the fold:
    such zones are compared through their offsets."""
    berlin = ZoneInfo("Europe/Berlin")
    first = datetime(2025, 10, 26, 2, 30, tzinfo=berlin)  # 00:30 UTC
    second = first.replace(fold=1)  # 01:30 UTC
    assert Moment(datetime(2025, 10, 26, 1, 0, tzinfo=UTC)).reached(first)
    assert not Moment(datetime(2025, 10, 26, 1, 0, tzinfo=UTC)).reached(second)


def test_stored_times_of_one_offset_share_one_zone_object() -> None:
    a, b = _moment("2025-03-03T08:00:00+07:00"), _moment("2025-03-04T09:30:00.5+07:00")
    assert a.tzinfo is b.tzinfo
    assert _moment("2025-03-03T08:00:00").tzinfo is UTC  # no offset: UTC
    assert b.isoformat() == "2025-03-04T09:30:00.500000+07:00"
