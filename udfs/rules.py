"""The parts of a playbook: offsets, steps, repeats, transitions, derive rules, routing, quotas.

Declared as pydantic models so a playbook file is validated on load (`followup.udfs.playbook`).
"""

from __future__ import annotations

import re
from functools import cached_property
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from .schema import CHANNELS

__all__ = [
    "Offset",
    "Series",
    "Step",
    "Repeat",
    "Event",
    "DailySms",
    "Transition",
    "ClassRule",
    "DeriveRule",
    "Routing",
    "GroupQuota",
    "Tier",
    "Quotas",
    "Model",
]

_OFFSET = re.compile(r"^\s*([+-]?\d+)\s*([dDwWmM])\s*$")


def _known_channel(v: str) -> str:
    if v not in CHANNELS:
        raise ValueError(f"channel {v!r}: use one of {', '.join(CHANNELS)}")
    return v


Channel = Annotated[str, AfterValidator(_known_channel)]  # 电话 / 短信 / 到店


class Offset(BaseModel):
    """A calendar offset: `3d`, `-1d`, `2w`, `1M` (months, clamped at month ends)."""

    model_config = ConfigDict(frozen=True)
    days: int = 0
    months: int = 0

    @model_validator(mode="before")
    @classmethod
    def _parse(cls, value: object) -> object:
        if isinstance(value, str):
            m = _OFFSET.match(value)
            if not m:
                raise ValueError(f"offset {value!r}: write it as 3d, -1d, 2w or 1M")
            n, unit = int(m.group(1)), m.group(2)
            if unit == "M":
                return {"months": n}
            return {"days": n * (7 if unit in "wW" else 1)}
        return value


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Series(Model):
    """Dates on fixed days of the month after the anchor (611 plan: the 1st and the 15th)."""

    days_of_month: tuple[int, ...]
    count: int = Field(gt=0)

    @field_validator("days_of_month")
    @classmethod
    def _days(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if not v or list(v) != sorted(set(v)) or v[0] < 1 or v[-1] > 28:
            raise ValueError("days_of_month: increasing days between 1 and 28, e.g. [1, 15]")
        return v


class Step(Model):
    offset: Offset = Offset()
    base: Literal["anchor", "previous"] = Field("anchor", alias="from")
    series: Series | None = None
    channel: Channel
    purpose: str
    purpose_en: str = ""
    owner: str | None = None
    open_from: Offset | None = None  # "within N days" steps: open from base + this
    open_before_days: int | None = None  # else open this many days before the due date
    from_step: int | None = Field(None, ge=1)  # with from = "previous": count from the contact that
    # closed step N (1-based) in table mode; manual mode sees only the last contact (SPEC §3.7)
    dom_index: int | None = None  # set when a series is expanded
    source: str = ""


class Repeat(Model):
    every: Offset

    @field_validator("every")
    @classmethod
    def _forward(cls, v: Offset) -> Offset:
        if v.months <= 0 and v.days <= 0 or v.months < 0 or v.days < 0:
            raise ValueError("every must move forward, e.g. 1M or 7d")
        return v

    start: Offset | None = None  # first repeat, from the anchor (default: every)
    base: Literal["anchor", "previous"] = Field("anchor", alias="from")
    count: int | None = None
    channel: str = "电话"
    purpose: str
    purpose_en: str = ""
    owner: str | None = None
    source: str = ""


class Event(Model):
    """A contact on a date of the customer's own (table mode only: the row function has no such
    argument), e.g. the discharge-day visit on 出院日期 (003)."""

    on: str  # the customer column whose date the contact falls on
    unless: tuple[str, ...] = ()  # none when one of these dates is on or after `on`
    instead_of_step: int | None = Field(None, ge=1)  # replaces this step (1-based) while it is open
    channel: Channel
    purpose: str
    purpose_en: str = ""
    owner: str | None = None
    source: str = ""


class DailySms(Model):
    """One line of the customer-service specialist's daily SMS list (003 每日必做工作): an SMS on
    the day the customer's date `on` plus `offset` falls, e.g. `-1d` of 拆线日期 = the reminder
    the day before stitch removal."""

    on: str  # the customer date column
    offset: Offset = Offset()
    requires: tuple[str, ...] = ()  # only customers with these dates (e.g. inpatients: 出院日期)
    purpose: str
    purpose_en: str = ""
    owner: str = "客服专员"
    source: str = ""


class Transition(Model):
    to: str
    anchor: Literal["closing_call", "same"] = "closing_call"  # same: keep the class's anchor date
    source: str = ""


class ClassRule(Model):
    code: str = ""
    title: str
    title_en: str = ""
    aliases: tuple[str, ...] = ()
    anchor: str  # the customer column the cadence counts from
    owner: str
    steps: tuple[Step, ...] = ()
    repeat: Repeat | None = None
    events: tuple[Event, ...] = ()
    on_complete: Transition | None = None
    routes: dict[str, str] = {}
    cancel_when: tuple[str, ...] = ()  # a later one of these dates cancels pending reminders
    source: str = ""

    @cached_property
    def sorted_steps(self) -> bool:
        """Series steps make the order of steps depend on the anchor: sort per customer."""
        return any(s.dom_index is not None for s in self.steps)


class DeriveRule(Model):
    cls: str = Field(alias="class")
    when: str
    later_than: tuple[str, ...] = ()
    count: str | None = None  # a whole-number column (e.g. treatment_count) …
    count_min: int | None = None  # … that must be at least this for the rule to apply
    warning: str = ""  # a data warning for the rows this rule derives (table mode's note)
    fallback: bool = False
    source: str = ""


class Routing(Model):
    cls: str = Field(alias="class")
    max_purchased: int
    max_daily_reception: float
    to: str
    source: str = ""


class GroupQuota(Model):
    weekly: tuple[int, int]
    daily: int


class Tier(Model):
    min: float
    max: float | None = None
    draw: int


class Quotas(Model):
    groups: dict[str, GroupQuota]
    tiers: tuple[Tier, ...] = ()
    small_store_monthly_min: int = 15
    gift_sample_share: float = 0.4
    max_questions: int = 3
    evenness_max_share: float = 0.4
    redraw_after_days: int = Field(30, ge=0)  # tier draws skip customers reached this recently (0: never)
    # Big/small rotation (SPEC §3.7): weeks alternate, counted from a reference ISO week. The
    # reference week and every second week from it draw `rotation_odd` (by default 2026-W01 and
    # the odd weeks of 2026), the weeks between draw `rotation_even`; so 2026-W53 and 2027-W01 differ.
    rotation_odd: Literal["big", "small", "all"] = "big"
    rotation_even: Literal["big", "small", "all"] = "small"
    rotation_reference: str = "2026-W01"
    source: str = ""

    @field_validator("rotation_reference")
    @classmethod
    def _iso_week(cls, v: str) -> str:
        import datetime as dt

        m = re.fullmatch(r"\s*(\d{4})-?W(\d{1,2})\s*", v, re.IGNORECASE)
        try:
            if m is None:
                raise ValueError(v)
            dt.date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
        except ValueError:
            raise ValueError(
                f"rotation_reference 应为 ISO 周,如 2026-W01 (expected an ISO week such as 2026-W01): {v!r}"
            ) from None
        return f"{int(m.group(1)):04d}-W{int(m.group(2)):02d}"
