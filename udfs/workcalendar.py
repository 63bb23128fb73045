"""China's working-day calendar as data (SPEC §3.2, §3.7 "The official calendar is data").

Each year's schedule of the State Council (国务院办公厅关于<年>年部分节假日安排的通知: the breaks,
the make-up workdays 调休上班, the days off moved by swap) ships as `official_calendar.toml` in this
package. A year it does not hold can come from the user's config (`[calendar.<year>]` in
followup.toml, handed in by the sync through `calendar_scope(extra)`); then it counts as official.
Any other year falls back to the statutory days of the `holidays` package — its make-up workdays
and extra days off are guesses — and is *unofficial*: every lookup of such a year is recorded in
the active scope (`CalendarScope.unofficial`) so the sync, the day list and the cell functions can
say so (`unofficial_warning`), never silently.

The engine stays pure: the only file it reads is the packaged data; config years come in as data.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Any

__all__ = [
    "Break",
    "YearCalendar",
    "CalendarScope",
    "year_calendar",
    "official_years",
    "is_working_day",
    "is_makeup_workday",
    "greeting",
    "calendar_scope",
    "current_scope",
    "year_from_config",
    "unofficial_warning",
    "DATA_FILE",
]

DATA_FILE = "official_calendar.toml"
DAY = dt.timedelta(days=1)


@dataclass(frozen=True)
class Break:
    """One festival's break: every day off (weekend days inside included), and the day of its
    greeting — the first day off that was not moved by swap (SPEC §3.7)."""

    name: str
    days: tuple[dt.date, ...]
    moved: frozenset[dt.date] = frozenset()
    workdays: tuple[dt.date, ...] = ()
    name_en: str = ""
    stated_days: int | None = None  # the notice's 共N天, where it says so

    @property
    def greeting_day(self) -> dt.date | None:
        return next((d for d in self.days if d not in self.moved), None)


@dataclass(frozen=True)
class YearCalendar:
    year: int
    official: bool
    source: str  # the notice (title and number), or the config file; "" for a fallback
    breaks: tuple[Break, ...]
    workdays: frozenset[dt.date]  # make-up workdays (调休上班), on weekends
    days_off: frozenset[dt.date] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "days_off", frozenset(d for b in self.breaks for d in b.days))

    def is_working_day(self, day: dt.date) -> bool:
        return day in self.workdays or (day.weekday() < 5 and day not in self.days_off)


# ---- the shipped data ------------------------------------------------------------------------


def _toml(text: str) -> dict[str, Any]:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # Python 3.10
        import tomli as tomllib
    return tomllib.loads(text)


def _span(first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    return tuple(first + i * DAY for i in range((last - first).days + 1))


@lru_cache(maxsize=1)
def _shipped() -> dict[int, YearCalendar]:
    text = resources.files("followup.udfs").joinpath(DATA_FILE).read_text(encoding="utf-8")
    out: dict[int, YearCalendar] = {}
    for key, year in _toml(text).items():
        breaks = tuple(
            Break(
                name=f["name"],
                name_en=f.get("name_en", ""),
                days=_span(*f["off"]),
                moved=frozenset(f.get("moved", ())),
                workdays=tuple(f.get("workdays", ())),
                stated_days=f.get("days"),
            )
            for f in year["festivals"]
        )
        workdays = frozenset(d for b in breaks for d in b.workdays)
        source = f"{year['notice']} {year['number']}"
        out[int(key)] = YearCalendar(int(key), True, source, breaks, workdays)
    return out


def official_years() -> list[int]:
    """The years whose official schedule is known: shipped, and the active scope's config years."""
    return sorted({*_shipped(), *_state().extra})


# ---- breaks from a flat list of days off (config years, the statutory fallback) --------------


def _festival_names(year: int) -> dict[dt.date, str]:
    import holidays

    return dict(holidays.country_holidays("CN", years=year, language="zh_CN").items())


def _breaks(year: int, days_off: Iterable[dt.date], workdays: frozenset[dt.date]) -> tuple[Break, ...]:
    """Group days off into breaks: runs of days off joined through the weekend days next to them
    (a weekend that is no make-up workday). Named after the statutory festival inside; a weekday
    off that is no statutory day is taken as moved (调休)."""
    names = _festival_names(year)
    off = set(days_off)

    def free(d: dt.date) -> bool:
        return d in off or (d.weekday() >= 5 and d not in workdays)

    out: list[Break] = []
    seen: set[dt.date] = set()
    for d in sorted(off):
        if d in seen:
            continue
        first, last = d, d
        while free(first - DAY) and (first - DAY).year == year:
            first -= DAY
        while free(last + DAY) and (last + DAY).year == year:
            last += DAY
        days = _span(first, last)
        seen.update(days)
        statutory = [names[x] for x in days if x in names and not names[x].startswith("休息日")]
        name = statutory[0].split("（")[0].split("(")[0] if statutory else "节假日"
        name = "春节" if name == "农历除夕" else name
        moved = frozenset(x for x in days if x.weekday() < 5 and x in off and x not in names)
        moved |= frozenset(x for x in days if names.get(x, "").startswith("休息日"))
        out.append(Break(name=name, days=days, moved=moved))
    return tuple(out)


@lru_cache(maxsize=64)
def _fallback(year: int) -> YearCalendar:
    import holidays

    cn = holidays.country_holidays("CN", years=year)
    off = [d for d in cn if d.year == year]
    workdays = frozenset(d for d in getattr(cn, "weekend_workdays", ()) if d.year == year)
    return YearCalendar(year, False, "", _breaks(year, off, workdays), workdays)


def year_from_config(year: int, days_off: Iterable[object], workdays: Iterable[object], source: str) -> YearCalendar:
    """A year the user adds in the config (`[calendar.2027]`): it then counts as official.
    Raises ValueError naming the day when a date is outside the year, a make-up workday is no
    Saturday or Sunday, or a day is both off and a workday."""
    from .dates import to_date

    def days(values: Iterable[object], what: str) -> frozenset[dt.date]:
        out = set()
        for v in values:
            d = to_date(v, what)
            if d is None or d.year != year:
                raise ValueError(f"{what}: {v} 不在 {year} 年内 (is not a day of {year})")
            out.add(d)
        return frozenset(out)

    off = days(days_off, "days_off")
    work = days(workdays, "workdays")
    for d in sorted(work):
        if d.weekday() < 5:
            raise ValueError(f"workdays: {d} 不是周六或周日,调休上班日应在周末 (is no Saturday or Sunday)")
    for d in sorted(off & work):
        raise ValueError(f"{d} 同时在 days_off 和 workdays 中 (is both a day off and a workday)")
    if not off:
        raise ValueError("days_off 不能为空 (list the year's days off)")
    return YearCalendar(year, True, source.strip(), _breaks(year, off, work), work)


# ---- the active scope: config years in, unofficial years touched out -------------------------


@dataclass
class CalendarScope:
    extra: Mapping[int, YearCalendar] = field(default_factory=dict)
    unofficial: set[int] = field(default_factory=set)  # years looked up without an official schedule


_SCOPE: ContextVar[CalendarScope | None] = ContextVar("followup_calendar_scope", default=None)
_GLOBAL = CalendarScope()  # outside any scope (a cell function call, a plain Python call)


def _state() -> CalendarScope:
    return _SCOPE.get() or _GLOBAL


def current_scope() -> CalendarScope:
    """The active scope (the innermost `calendar_scope`), else the process-wide one."""
    return _state()


@contextlib.contextmanager
def calendar_scope(extra: Mapping[int, YearCalendar] | None = None) -> Iterator[CalendarScope]:
    """Within: `extra` (config years) count as official; the scope collects the unofficial years
    looked up, for the caller's warning. Scopes nest: an inner one inherits the outer's years."""
    outer = _state()
    scope = CalendarScope({**outer.extra, **(extra or {})})
    token = _SCOPE.set(scope)
    try:
        yield scope
    finally:
        _SCOPE.reset(token)
        if outer is not _GLOBAL:
            outer.unofficial |= scope.unofficial


def year_calendar(year: int) -> YearCalendar:
    state = _state()
    cal = state.extra.get(year) or _shipped().get(year)
    if cal is None:
        state.unofficial.add(year)
        return _fallback(year)
    return cal


def unofficial_warning(year: int) -> str:
    return (
        f"{year} 年没有官方放假安排,按法定节假日推算,调休上班日未知;请在配置 [calendar.{year}] 中补充 "
        f"(no official holiday schedule for {year}: statutory days assumed, make-up workdays unknown; "
        f"add it under [calendar.{year}] in the config)"
    )


# ---- lookups ---------------------------------------------------------------------------------


def is_working_day(day: dt.date) -> bool:
    return year_calendar(day.year).is_working_day(day)


def is_makeup_workday(day: dt.date) -> bool:
    return day in year_calendar(day.year).workdays


def greeting(day: dt.date) -> str | None:
    """The festival whose greeting goes out on `day` (its break's first day off that was not
    moved by swap), else None: one greeting per festival, never on every day of a break."""
    return next((b.name for b in year_calendar(day.year).breaks if b.greeting_day == day), None)
