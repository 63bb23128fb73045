"""The sync's one TOML config file (SPEC §4.3), validated with pydantic.

    [[stores]]
    name = "一店"
    group = "1"          # "1".."4"
    small = false
    size = "big"         # "big" | "small" (002 大店/小店每周轮流回访; default: small → "small")

    [sources]
    excel = ["stores/"]                 # files or folders, relative to this file
    gsheets = ["1AbC…"]                 # spreadsheet keys (or their URLs)
    service_account = "sa.json"         # never printed or logged
    auth = "service_account"            # or "oauth": file as the person signed in
    oauth_client = "client_secret.json" # OAuth client ID JSON (auth = "oauth")
    drive_folder = "0AbC…"              # default folder of `followup gsheets upload/init`

    playbook = "optometry"              # a built-in name or a .toml path
    report_dir = "reports"
    timezone = "Asia/Shanghai"
    lang = "zh"                         # "zh" | "en"
    submitter = "客服中心 张三"          # 提交人 recorded in the ledger (default: the login name)
    departments = ["客服部", "市场部"]   # 002 回访需求: these need a confirmed request each month too
    max_past_weeks = 8                  # `--week` further back than this needs --force

    [quotas]                            # merged over the retail defaults
    groups."1" = { weekly = [160, 190] }

    [limits]                            # a workbook over one is rejected by name
    max_cells = 10_000_000              # per sheet: rows × columns of its used range
    max_uncompressed_mb = 500           # a .xlsx unpacked, all parts together
    max_compression_ratio = 200         # per part over 1 MB (zip bombs)

    [penalty]
    first = 10                          # 元
    factor = 2
    window_days = 365

    [today]
    out = "今日回访"                     # the sync also writes 今日回访_<坐席>_<日期>.xlsx here

    [calendar.2027]                     # a year's official holiday schedule the package lacks
    days_off = [2027-01-01, …]          # every day off of the notice (weekend days inside may be listed)
    workdays = [2027-02-20, …]          # make-up workdays (调休上班), Saturdays or Sundays
    source = "国务院办公厅关于2027年部分节假日安排的通知 国办发明电〔…〕…号"

The tables' models are in `sections`; `load.load_config(path)` reads a file and
raises `errors.ConfigError` naming the file, the key, the value and the fix, Chinese
first then English. Unknown keys are errors, with a "did you mean" suggestion.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from followup.udfs.playbook import builtin_playbooks, get_playbook, load_playbook
from followup.udfs.rules import Quotas

from .sections import CalendarYearConfig, Limits, Model, Penalty, Sources, StoreConfig, TodayConfig

__all__ = ["Config", "default_quotas"]


def default_quotas() -> dict[str, Any]:
    """The retail playbook's [quotas] table as plain data (the base that [quotas] overrides)."""
    q = get_playbook("retail").quotas
    return q.model_dump(mode="python") if q else {}


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for k, v in over.items():
        out[k] = _merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
    return out


class Config(Model):
    stores: list[StoreConfig] = []
    sources: Sources = Sources()
    playbook: str = "optometry"
    quotas: Quotas = Field(default_factory=lambda: Quotas.model_validate(default_quotas()))
    report_dir: Path = Path("reports")
    timezone: str = "Asia/Shanghai"
    penalty: Penalty = Penalty()
    limits: Limits = Limits()
    today: TodayConfig = TodayConfig()
    lang: Literal["zh", "en"] = "zh"
    submitter: str | None = None  # 提交人 in the ledger (`--by` overrides it; else the login name)
    departments: list[str] = []  # 002: each store and department needs a monthly callback request
    max_past_weeks: int = Field(8, ge=0)  # `--week` further back than this needs --force (a typo'd year)
    calendar: dict[int, CalendarYearConfig] = {}  # official schedules of years the package lacks (SPEC §3.7)
    path: Path | None = Field(default=None, exclude=True)  # the file it was read from

    @field_validator("quotas", mode="before")
    @classmethod
    def _quotas(cls, v: Any) -> Any:
        if isinstance(v, dict):
            return _merge(default_quotas(), v)
        return v

    @field_validator("calendar")
    @classmethod
    def _calendar(cls, v: dict[int, CalendarYearConfig]) -> dict[int, CalendarYearConfig]:
        from followup.udfs.workcalendar import year_from_config

        for year, y in v.items():
            try:
                year_from_config(year, y.days_off, y.workdays, y.source)
            except ValueError as e:
                raise ValueError(f"[calendar.{year}] {e}") from None
        return v

    def calendar_years(self) -> dict[int, Any]:
        """The `[calendar]` years as the engine's data (`udfs.workcalendar.YearCalendar`), for
        `calendar_scope`: they then count as official."""
        from followup.udfs.workcalendar import year_from_config

        where = f"{self.path.name} [calendar.{{}}]" if self.path else "[calendar.{}]"
        return {
            year: year_from_config(year, y.days_off, y.workdays, f"{y.source} ({where.format(year)})")
            for year, y in self.calendar.items()
        }

    @field_validator("submitter")
    @classmethod
    def _submitter(cls, v: str | None) -> str | None:
        return (v.strip() or None) if isinstance(v, str) else v

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError, TypeError):
            raise ValueError(
                "未知的时区,请写如 Asia/Shanghai 的 IANA 时区名 "
                "(unknown time zone: use an IANA name such as Asia/Shanghai)"
            ) from None
        return v

    @field_validator("playbook")
    @classmethod
    def _playbook(cls, v: str) -> str:
        v = v.strip()
        if v.lower().endswith(".toml"):
            if not Path(v).is_file():
                raise ValueError(
                    "回访方案文件不存在,请检查路径(相对于配置文件) "
                    "(playbook file not found: check the path, relative to the config file)"
                )
            load_playbook(v)  # PlaybookError → reported by load_config
            return v
        if v.lower() not in builtin_playbooks():
            raise ValueError(
                f"未知的回访方案,可用: {', '.join(builtin_playbooks())},或一个 .toml 文件 "
                f"(unknown playbook: use one of {', '.join(builtin_playbooks())} or a .toml file)"
            )
        return v.lower()

    @field_validator("stores")
    @classmethod
    def _unique_stores(cls, stores: list[StoreConfig]) -> list[StoreConfig]:
        seen: set[str] = set()
        for s in stores:
            if s.name in seen:
                raise ValueError(
                    f"门店 {s.name!r} 重复出现在 [[stores]] 中,请删除重复项 "
                    f"(store {s.name!r} is listed twice in [[stores]])"
                )
            seen.add(s.name)
        return stores

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def store(self, name: str) -> StoreConfig | None:
        """The [[stores]] entry with this name (trimmed), else None."""
        name = name.strip()
        return next((s for s in self.stores if s.name == name), None)

    @classmethod
    def default(cls, sources: Sequence[str | Path] = (), out: str | Path | None = None, **overrides: Any) -> Config:
        """The config used when the CLI has no --config: `--source` paths and `--out`, defaults otherwise."""
        data: dict[str, Any] = {"sources": {"excel": [Path(s) for s in sources]}, **overrides}
        if out is not None:
            data["report_dir"] = Path(out)
        return cls.model_validate(data)
