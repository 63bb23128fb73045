"""Which week/month is due at `now`, its deadline, and the time left or how late (SPEC §3.6).

The week of a sync is the last complete Monday–Sunday week before `now` (so on Monday
before 12:00 the previous week is due and not yet late), unless `--week 2026-W47` names an
ISO week. The monthly summary covers the *reporting month* of that week: the weeks whose
Thursday falls in the month, as in the report names (`11月第1周` … `11月第4周`).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from followup.udfs.errors import BadArgument

__all__ = [
    "TZ",
    "DeadlineStatus",
    "parse_week",
    "due_week",
    "localize",
    "humanize",
    "status",
    "sync_statuses",
    "report_kinds",
    "minutes_late",
]

TZ = ZoneInfo("Asia/Shanghai")


def report_kinds() -> tuple[str, ...]:
    """The report kinds a sync files, from the report table (`reports.specs`)."""
    from .reports.specs import report_specs

    return tuple(s.kind for s in report_specs())


_ISO_WEEK = re.compile(r"^\s*(\d{4})-?W(\d{1,2})\s*$", re.I)


def localize(now: dt.datetime | None, tz: str | ZoneInfo = TZ) -> dt.datetime:
    """A tz-aware datetime: naive values are read as local time of `tz` (Asia/Shanghai)."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    if now is None:
        return dt.datetime.now(zone)
    return now.replace(tzinfo=zone) if now.tzinfo is None else now.astimezone(zone)


def parse_week(text: str) -> dt.date:
    """`2026-W47` (ISO week) → its Monday."""
    m = _ISO_WEEK.match(str(text))
    if not m:
        raise BadArgument("week", text, "应为 ISO 周,例如 2026-W47 (expected an ISO week such as 2026-W47)")
    try:
        return dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        raise BadArgument("week", text, "该年没有这一周 (no such week in that year)") from None


def due_week(now: dt.datetime) -> dt.date:
    """Monday of the last complete week before `now` (local time)."""
    local = localize(now).date()
    return local - dt.timedelta(days=local.weekday() + 7)


def humanize(delta: dt.timedelta, lang: str = "zh") -> str:
    """`还剩 2小时15分` / `已逾期 1天3小时` (English: `2h 15m left` / `1d 3h overdue`)."""
    late = delta < dt.timedelta(0)
    seconds = abs(delta).total_seconds()
    minutes = math.ceil(seconds / 60) if late else int(seconds // 60)  # late: rounded up (SPEC §3.7)
    days, rest = divmod(minutes, 1440)
    hours, mins = divmod(rest, 60)
    if lang == "en":
        span = f"{days}d {hours}h" if days else (f"{hours}h {mins}m" if hours else f"{mins}m")
        return f"{span} overdue" if late else f"{span} left"
    span = f"{days}天{hours}小时" if days else (f"{hours}小时{mins}分" if hours else f"{mins}分")
    return f"已逾期 {span}" if late else f"还剩 {span}"


@dataclass(frozen=True)
class DeadlineStatus:
    kind: str  # a report kind: weekly | gift | monthly (reports.specs)
    report: str  # the exact file name (report_name)
    period: str  # 11月第3周 / 11月
    deadline: dt.datetime  # tz-aware, Asia/Shanghai
    now: dt.datetime

    @property
    def remaining(self) -> dt.timedelta:
        return self.deadline - self.now

    @property
    def late(self) -> bool:
        return self.now > self.deadline

    @property
    def minutes_late(self) -> int:
        return minutes_late(self.now, self.deadline)

    def text(self, lang: str = "zh") -> str:
        return humanize(self.remaining, lang)


def minutes_late(now: dt.datetime, deadline: dt.datetime) -> int:
    """SPEC §3.7: lateness is decided to the second; the minutes shown are rounded up
    (12:00:30 is late, 1 minute). On time or early: 0."""
    seconds = (now - deadline).total_seconds()
    return math.ceil(seconds / 60) if seconds > 0 else 0


def _period(kind: str, day: dt.date) -> str:
    from followup.udfs.calendar import REPORT_KINDS, week_label

    label = week_label(day)
    return label.split("第")[0] if REPORT_KINDS[kind]["period"] == "month" else label


def status(kind: str, day: dt.date, now: dt.datetime) -> DeadlineStatus:
    """Deadline status of the `kind` report covering `day` (use the week's Thursday)."""
    from followup.udfs.calendar import report_deadline, report_name

    deadline = localize(report_deadline(kind, day))
    return DeadlineStatus(kind, report_name(kind, day), _period(kind, day), deadline, localize(now))


def sync_statuses(week_monday: dt.date, now: dt.datetime) -> list[DeadlineStatus]:
    """The reports a sync of this week files (`reports.specs`), with their deadlines at `now`."""
    from .reports.specs import report_specs

    thursday = week_monday + dt.timedelta(days=3)
    return [status(s.kind, thursday, now) for s in report_specs()]
