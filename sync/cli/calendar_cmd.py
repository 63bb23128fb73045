"""CLI plug-in: `followup calendar [YEAR]` — a year's days off and make-up workdays (调休上班),
and whether they are the official schedule (with its notice) or a statutory fallback (SPEC §3.7).

Registered through `followup.sync.cli.PLUGINS`. Years from `[calendar.<year>]` of the config
(`--config`, else ./followup.toml when present) count as official. Exit 0 either way: an
unofficial year is a warning, not an error.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from .commands import LangOpt
from .output import Out, fail, guard

__all__ = ["register", "calendar"]

_WEEKDAYS = "一二三四五六日"


def _day(d: dt.date, lang: str) -> str:
    return f"{d:%Y-%m-%d} ({d:%a})" if lang == "en" else f"{d:%Y-%m-%d}(周{_WEEKDAYS[d.weekday()]})"


@guard
def calendar(
    year: int | None = typer.Argument(None, metavar="YEAR", help="年份,默认今年 / the year, this year by default"),
    config: Path | None = typer.Option(
        None,
        "--config",
        "-c",
        metavar="FILE",
        help="配置文件 (TOML),读取其中的 calendar 年份 / config file, for its calendar years",
    ),
    lang: str | None = LangOpt,
) -> None:
    """某年的放假与调休上班日,是否为官方安排 / a year's days off and make-up workdays, official or not."""
    from followup.sync.config import load_config
    from followup.sync.reports.i18n import lang_of
    from followup.udfs.calendar import TZ
    from followup.udfs.workcalendar import calendar_scope, unofficial_warning, year_calendar

    if config is None and Path("followup.toml").is_file():
        config = Path("followup.toml")
    cfg = load_config(config) if config else None
    o = Out(lang_of(lang) if lang else (cfg.lang if cfg else "zh"))
    if year is None:
        year = dt.datetime.now(TZ).year
    if not 1949 < year < 2200:
        fail(o.t(f"年份 {year} 无效,请写如 2027 的年份", f"year {year} is invalid: give one such as 2027"), 2)
    with calendar_scope(cfg.calendar_years() if cfg else {}):
        cal = year_calendar(year)
    if cal.official:
        o.say(
            o.t(f"{year} 年放假安排(官方): {cal.source}", f"{year} holiday schedule (official): {cal.source}"), "green"
        )
    else:
        o.say(unofficial_warning(year), "yellow")
        o.say(
            o.t(f"{year} 年放假安排(非官方,法定节假日推算)", f"{year} holiday schedule (not official: statutory days)")
        )
    for b in cal.breaks:
        days = o.t(f"{len(b.days)} 天", f"{len(b.days)} day(s)")
        span = f"{b.days[0]:%Y-%m-%d} ~ {b.days[-1]:%Y-%m-%d}" if len(b.days) > 1 else f"{b.days[0]:%Y-%m-%d}"
        name = b.name_en if o.lang == "en" and b.name_en else b.name
        o.say(f"  {name}  {span}  {days}", "bold")
        if b.moved:
            moved = ", ".join(_day(d, o.lang) for d in sorted(b.moved))
            o.say("    " + o.t(f"调休放假: {moved}", f"moved days off: {moved}"))
        if b.greeting_day:
            o.say(
                "    " + o.t(f"节日问候: {_day(b.greeting_day, o.lang)}", f"greeting: {_day(b.greeting_day, o.lang)}")
            )
    work = ", ".join(_day(d, o.lang) for d in sorted(cal.workdays)) or o.t("无", "none")
    o.say(o.t(f"调休上班: {work}", f"make-up workdays: {work}"), "bold")
    off = sum(1 for d in cal.days_off if d.weekday() < 5)
    o.say(
        o.t(
            f"工作日放假 {off} 天,周末上班 {len(cal.workdays)} 天",
            f"{off} weekday(s) off, {len(cal.workdays)} weekend day(s) worked",
        )
    )
    raise typer.Exit(0)


def register(app: typer.Typer) -> None:
    app.command("calendar")(calendar)
