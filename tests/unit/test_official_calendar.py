"""The official calendar is data (SPEC §3.7 "The official calendar is data", §3.2 call windows):
udfs/official_calendar.toml against the State Council's notices, the statutory fallback and its
warning in the sync, the day list and the cells, `[calendar]` years from the config, and holiday
greetings (SPEC §3.7 "Holiday greetings": one per festival, on its first day off, never on a
moved day off)."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import holidays
import openpyxl
import pandas as pd
import pytest

from followup.sync.config import Config
from followup.sync.demo import store_sheets, write_store_workbook
from followup.sync.pipeline import run_sync
from followup.sync.today import day_list
from followup.udfs import workcalendar
from followup.udfs.callwindow import call_window, is_working_day
from followup.udfs.excel import CALENDAR_NOTE, FOLLOWUP_ERROR
from followup.udfs.workcalendar import calendar_scope, greeting, year_calendar, year_from_config

# The notices' own sentences (国务院办公厅关于<年>年部分节假日安排的通知), parsed below and compared
# with the shipped data: first and last day off, 共N天 where stated, and the make-up workdays.
NOTICES = {
    2024: (
        "国办发明电〔2023〕7号",
        """一、元旦:1月1日放假,与周末连休。
        二、春节:2月10日至17日放假调休,共8天。2月4日(星期日)、2月18日(星期日)上班。
        三、清明节:4月4日至6日放假调休,共3天。4月7日(星期日)上班。
        四、劳动节:5月1日至5日放假调休,共5天。4月28日(星期日)、5月11日(星期六)上班。
        五、端午节:6月10日放假,与周末连休。
        六、中秋节:9月15日至17日放假调休,共3天。9月14日(星期六)上班。
        七、国庆节:10月1日至7日放假调休,共7天。9月29日(星期日)、10月12日(星期六)上班。""",
    ),
    2025: (
        "国办发明电〔2024〕12号",
        """一、元旦:1月1日(周三)放假1天,不调休。
        二、春节:1月28日(农历除夕、周二)至2月4日(农历正月初七、周二)放假调休,共8天。1月26日(周日)、2月8日(周六)上班。
        三、清明节:4月4日(周五)至6日(周日)放假,共3天。
        四、劳动节:5月1日(周四)至5日(周一)放假调休,共5天。4月27日(周日)上班。
        五、端午节:5月31日(周六)至6月2日(周一)放假,共3天。
        六、国庆节、中秋节:10月1日(周三)至8日(周三)放假调休,共8天。9月28日(周日)、10月11日(周六)上班。""",
    ),
    2026: (
        "国办发明电〔2025〕7号",
        """一、元旦:1月1日(周四)至3日(周六)放假调休,共3天。1月4日(周日)上班。
        二、春节:2月15日(农历腊月二十八、周日)至23日(农历正月初七、周一)放假调休,共9天。2月14日(周六)、2月28日(周六)上班。
        三、清明节:4月4日(周六)至6日(周一)放假,共3天。
        四、劳动节:5月1日(周五)至5日(周二)放假调休,共5天。5月9日(周六)上班。
        五、端午节:6月19日(周五)至21日(周日)放假,共3天。
        六、中秋节:9月25日(周五)至27日(周日)放假,共3天。
        七、国庆节:10月1日(周四)至7日(周三)放假调休,共7天。9月20日(周日)、10月10日(周六)上班。""",
    ),
}
_PAREN = re.compile(r"\([^)]*\)")
_DAY = re.compile(r"(?:(\d+)月)?(\d+)日")


def _notice(year: int, text: str) -> list[dict]:
    out = []
    for line in filter(None, (x.strip() for x in text.splitlines())):
        name, rest = _PAREN.sub("", line.split("、", 1)[1]).split(":", 1)
        first_part, _, tail = rest.partition("放假")
        days = [(int(m) if m else None, int(d)) for m, d in _DAY.findall(first_part)]
        month = days[0][0]
        first = dt.date(year, month, days[0][1])
        last = dt.date(year, days[-1][0] or month, days[-1][1])
        if "与周末连休" in tail:  # the weekend next to the day, inside the year
            while (first - dt.timedelta(days=1)).weekday() >= 5 and (first - dt.timedelta(days=1)).year == year:
                first -= dt.timedelta(days=1)
            while (last + dt.timedelta(days=1)).weekday() >= 5:
                last += dt.timedelta(days=1)
        stated = re.search(r"共(\d+)天|放假(\d+)天", rest)
        work = tail.split("。", 1)[1] if "上班" in tail else ""
        workdays = [dt.date(year, int(m), int(d)) for m, d in _DAY.findall(work)]
        out.append({"name": name, "first": first, "last": last, "stated": stated, "workdays": workdays})
    return out


@pytest.mark.parametrize("year", sorted(NOTICES))
def test_shipped_year_agrees_with_its_notice(year):
    """SPEC §3.7: each year's data is the State Council's notice — same breaks, the stated number
    of days off per festival, make-up workdays on weekends, one moved weekday per make-up day."""
    number, text = NOTICES[year]
    cal = year_calendar(year)
    assert cal.official and number in cal.source and f"{year}年部分节假日安排" in cal.source
    notice = _notice(year, text)
    assert [b.name for b in cal.breaks] == [n["name"] for n in notice]
    for b, n in zip(cal.breaks, notice):
        assert (b.days[0], b.days[-1]) == (n["first"], n["last"]), b.name
        assert list(b.days) == [b.days[0] + dt.timedelta(days=i) for i in range(len(b.days))]
        if n["stated"]:
            stated = int(n["stated"].group(1) or n["stated"].group(2))
            assert len(b.days) == stated == b.stated_days, b.name
        assert sorted(b.workdays) == n["workdays"], b.name
        assert all(d.weekday() >= 5 for d in b.workdays), b.name
        assert len(b.moved) == len(b.workdays) and all(d.weekday() < 5 and d in b.days for d in b.moved), b.name


@pytest.mark.parametrize("year", sorted(NOTICES))
def test_shipped_year_agrees_with_the_holidays_package(year):
    """Cross-check: the `holidays` package (which has 2024–2026's notices) gives the same working
    days on every day of the year."""
    cn = holidays.country_holidays("CN", years=year)
    day = dt.date(year, 1, 1)
    while day.year == year:
        assert is_working_day(day) == bool(cn.is_working_day(day)), day
        day += dt.timedelta(days=1)


def test_2027_is_not_official_and_says_so_in_the_cells():
    """The 2027 schedule is not published here: statutory days, and CALENDAR_NOTE / FOLLOWUP_ERROR
    name the year; an official year stays silent."""
    assert 2027 not in workcalendar.official_years()
    assert not year_calendar(2027).official and not year_calendar(2027).workdays
    assert "2027" in CALENDAR_NOTE("2027-02-09") and "no official holiday schedule" in CALENDAR_NOTE("2027-02-09")
    assert CALENDAR_NOTE("2026-02-09") == ""
    assert call_window("2027-02-09") == "14:00-16:30"  # statutory 春节 (补假) still applies
    assert "[calendar.2027]" in FOLLOWUP_ERROR("CALL_WINDOW", "2027-03-01")
    assert FOLLOWUP_ERROR("CALL_WINDOW", "2026-03-02") == ""
    assert FOLLOWUP_ERROR("CALL_WINDOW", "2027-13-01") != FOLLOWUP_ERROR("CALL_WINDOW", "2027-03-01")  # errors first


def test_config_year_is_used_and_counts_as_official():
    """A `[calendar.2027]` year (the user's copy of the notice) makes its make-up workday a working
    day and its moved day a day off, and no longer warns."""
    extra = {2027: year_from_config(2027, ["2027-02-05", "2027-02-11", "2027-02-12"], ["2027-02-20"], "通知")}
    assert is_working_day("2027-02-11")  # outside the scope: the statutory fallback has it a workday
    with calendar_scope(extra) as scope:
        assert year_calendar(2027).official and year_calendar(2027).source == "通知"
        assert is_working_day("2027-02-20") and not is_working_day("2027-02-11")
        assert call_window("2027-02-20") == "10:00-11:30,14:00-16:30"
    assert scope.unofficial == set()
    with pytest.raises(ValueError, match="周六或周日"):
        year_from_config(2027, ["2027-02-05"], ["2027-02-22"], "通知")
    with pytest.raises(ValueError, match="2027"):
        year_from_config(2027, ["2028-02-05"], [], "通知")


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "followup.sync.cli", *args], capture_output=True, text=True, timeout=120, cwd=cwd
    )


def test_followup_calendar_command(tmp_path):
    """`followup calendar 2027` says it is not official; 2026 names its notice; a [calendar.2027]
    year in followup.toml makes 2027 official with the config as its source."""
    p = _cli("calendar", "2027", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "2027 年没有官方放假安排" in p.stdout and "非官方" in p.stdout and "调休上班: 无" in p.stdout
    p = _cli("calendar", "2026", cwd=tmp_path)
    assert "(官方)" in p.stdout and "国办发明电〔2025〕7号" in p.stdout
    assert "2026-02-14(周六)" in p.stdout and "2026-10-10(周六)" in p.stdout
    (tmp_path / "followup.toml").write_text(
        '[calendar.2027]\ndays_off = [2027-02-05, 2027-02-11]\nworkdays = [2027-02-20]\nsource = "国办发明电〔2026〕X号"\n',
        encoding="utf-8",
    )
    p = _cli("calendar", "2027", "--lang", "en", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert "(official)" in p.stdout and "国办发明电〔2026〕X号" in p.stdout and "no official" not in p.stdout


def test_sync_warns_for_a_year_without_official_schedule(tmp_path):
    """A sync of a 2027 week: the warning naming 2027 (a non-fatal rejection: console and 错误清单);
    with the year in [calendar] the same run has no warning."""
    week = [dt.date(2027, 1, 11) + dt.timedelta(days=i) for i in range(5)]
    sheets = store_sheets("一店", 1, "2", n_customers=12, call_days=week, calls_per_day=3, n_gifts=2, seed=3)
    write_store_workbook(tmp_path / "stores" / "一店.xlsx", sheets)
    cfg = Config.default(sources=[tmp_path / "stores"], out=tmp_path / "reports")
    res = run_sync(cfg, dt.datetime(2027, 1, 18, 9, 30))
    warned = [r for r in res.rejections if r.sheet == "[calendar.2027]"]
    assert len(warned) == 1 and not warned[0].fatal and "2027 年没有官方放假安排" in warned[0].line()
    assert warned[0] not in res.rejected  # a warning: it sets no exit code
    errors = openpyxl.load_workbook(res.paths["errors"])
    assert any("2027 年没有官方放假安排" in str(c.value) for ws in errors for row in ws.iter_rows() for c in row)
    official = Config.model_validate(
        {**cfg.model_dump(), "calendar": {2027: {"days_off": [dt.date(2027, 1, 1)], "source": "通知"}}}
    )
    res = run_sync(official, dt.datetime(2027, 1, 18, 9, 31))
    assert not any("calendar" in r.sheet or "官方放假" in r.message for r in res.rejections)


@dataclass
class _Store:
    name: str
    customers: pd.DataFrame
    calls: pd.DataFrame
    playbook: str


def _greetings(day: dt.date) -> list[str]:
    cust = pd.DataFrame([{"customer_id": "K1", "store": "一店", "owner": "小刘", "phone": "13812345678"}])
    tasks = day_list([_Store("一店", cust, pd.DataFrame(), "optometry")], {}, day)
    return [p for p in tasks["purpose"] if str(p).startswith("节日问候")]


@pytest.mark.parametrize("year", sorted(NOTICES))
def test_one_greeting_per_festival_on_its_first_day_off(year):
    """SPEC §3.7 「Holiday greetings: one per festival, on its first day off; never on a day off that
    was moved (调休) nor on every day of a break」 — walked over every day of the year's breaks."""
    cal = year_calendar(year)
    for b in cal.breaks:
        got = {d: _greetings(d) for d in b.days}
        assert got[b.days[0]] == [f"节日问候: {b.name}"], (b.name, got)
        assert all(not g for d, g in got.items() if d != b.days[0]), (b.name, got)
        assert b.days[0] not in b.moved
    sent = [
        d for d in (dt.date(year, 1, 1) + dt.timedelta(days=i) for i in range(366)) if d.year == year and greeting(d)
    ]
    assert len(sent) == len(cal.breaks) and not any(d in b.moved for b in cal.breaks for d in sent)


def test_no_greeting_on_a_moved_day_off():
    """2026-01-02 (a moved day off, 调休 for 01-04) and 2026-02-20/23 get no greeting; the 元旦 and
    春节 greetings go out on 01-01 and 02-15."""
    for day in (dt.date(2026, 1, 2), dt.date(2026, 2, 20), dt.date(2026, 2, 23), dt.date(2026, 10, 6)):
        assert _greetings(day) == []
    assert _greetings(dt.date(2026, 1, 1)) == ["节日问候: 元旦"]
    assert _greetings(dt.date(2026, 2, 15)) == ["节日问候: 春节"]


def test_followup_today_warns_for_a_year_without_official_schedule(tmp_path):
    """The day list (`followup today`) of a 2027 day names the year above the list; 2026 is silent."""
    week = [dt.date(2026, 12, 28) + dt.timedelta(days=i) for i in range(5)]
    sheets = store_sheets("一店", 1, "2", n_customers=8, call_days=week, calls_per_day=2, n_gifts=1, seed=5)
    write_store_workbook(tmp_path / "stores" / "一店.xlsx", sheets)
    p = _cli("today", "--source", "stores", "--date", "2027-01-12", cwd=tmp_path)
    assert p.returncode in (0, 1), p.stderr
    assert p.stdout.count("2027 年没有官方放假安排") == 1 and p.stdout.index("年没有官方") < p.stdout.index(
        "回访与短信清单"
    )
    p = _cli("today", "--source", "stores", "--date", "2026-12-29", cwd=tmp_path)
    assert "没有官方放假安排" not in p.stdout and "回访与短信清单" in p.stdout


@pytest.mark.parametrize(
    "body, says",
    [
        ("days_off = [2027-01-01]\nworkdays = [2027-02-22]", ["calendar.2027.workdays", "2027-02-22", "周六或周日"]),
        ("days_off = [2026-01-01]", ["[calendar.2027]", "2026-01-01", "不在 2027 年内"]),
        ("days_off = [2027-02-20]\nworkdays = [2027-02-20]", ["2027-02-20", "days_off", "workdays"]),
        ("days_off = []", ["calendar.2027.days_off"]),
    ],
)
def test_bad_config_year_is_refused_by_name(tmp_path, body, says):
    """A `[calendar.<year>]` that cannot be a notice is a config error naming the key and the day."""
    from followup.sync.config import ConfigError, load_config

    (tmp_path / "followup.toml").write_text(f'[calendar.2027]\n{body}\nsource = "通知"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path / "followup.toml")
    assert all(s in str(e.value) for s in says), str(e.value)
