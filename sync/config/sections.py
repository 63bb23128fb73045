"""The config file's tables as pydantic models: [[stores]], [sources], [penalty] and [limits] (SPEC §4.3).

`Config` itself, which holds them, is in `followup.sync.config`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["Model", "StoreConfig", "Sources", "Penalty", "Limits", "TodayConfig", "CalendarYearConfig"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreConfig(Model):
    name: str = Field(min_length=1)
    group: Literal["1", "2", "3", "4"]
    small: bool = False
    sms_signature: str | None = None  # the store's approved SMS signature (签名) for `sms export`
    size: Literal["big", "small"] | None = None  # 002 大店/小店每周轮流回访; default: small → "small"

    @model_validator(mode="after")
    def _size(self) -> StoreConfig:
        if self.size is None:
            object.__setattr__(self, "size", "small" if self.small else "big")
        elif self.size == "small" and not self.small:
            object.__setattr__(self, "small", True)  # a small store also has the ≥ 15 people check
        return self

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        v = v.strip()
        if not v:
            raise ValueError("门店名称不能为空 (the store name must not be empty)")
        return v

    @field_validator("group", mode="before")
    @classmethod
    def _group(cls, v: Any) -> Any:
        if isinstance(v, bool):
            return v
        if isinstance(v, int) or (isinstance(v, float) and v.is_integer()):
            return str(int(v))
        if isinstance(v, str):
            return {"一": "1", "二": "2", "三": "3", "四": "4"}.get(v.strip().rstrip("组"), v.strip())
        return v


_KEY = re.compile(r"/spreadsheets/d/([A-Za-z0-9_-]+)")


class Sources(Model):
    excel: list[Path] = []
    gsheets: list[str] = []
    service_account: Path | None = Field(default=None, repr=False)
    # Google Sheets/Drive: act as the service account, or as the person signed in with OAuth
    # (`oauth_client` is the OAuth client ID JSON; the token is cached per user, see gsheets.client).
    auth: Literal["service_account", "oauth"] = "service_account"
    oauth_client: Path | None = Field(default=None, repr=False)
    drive_folder: str | None = None  # default --folder of `followup gsheets upload/init`
    # The lists of source kinds registered in `followup.sync.sources.registry` without a field
    # above: kind key → its items (paths resolved like excel's when the kind lists its key in
    # `paths`). An unregistered key is still an unknown key.
    more: dict[str, list[str]] = {}

    @model_validator(mode="before")
    @classmethod
    def _registered(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        from followup.sync.sources.registry import SOURCES

        keys = [k.key for k in SOURCES if k.key not in cls.model_fields and k.key in data]
        if not keys:
            return data
        more = {k: [data[k]] if isinstance(data[k], (str, Path)) else data[k] for k in keys}
        return {k: v for k, v in data.items() if k not in keys} | {"more": {**data.get("more", {}), **more}}

    @field_validator("more")
    @classmethod
    def _only_registered(cls, v: dict[str, list[str]]) -> dict[str, list[str]]:
        from followup.sync.sources.registry import SOURCES

        unknown = sorted(set(v) - {k.key for k in SOURCES})
        if unknown:
            raise ValueError(f"未知的数据源 {'、'.join(unknown)} (unknown source kinds: {', '.join(unknown)})")
        return v

    def items(self, key: str) -> list[Any]:
        """The items of source kind `key` (its field, or its entry in `more`)."""
        if key in type(self).model_fields and key != "more":
            return list(getattr(self, key) or [])
        return list(self.more.get(key, []))

    @field_validator("excel", "gsheets", mode="before")
    @classmethod
    def _listify(cls, v: Any) -> Any:
        return [v] if isinstance(v, (str, Path)) else v

    @field_validator("gsheets")
    @classmethod
    def _keys(cls, v: list[str]) -> list[str]:
        out = []
        for key in v:
            key = key.strip()
            m = _KEY.search(key)
            if m:
                key = m.group(1)
            if not re.fullmatch(r"[A-Za-z0-9_-]{10,}", key):
                raise ValueError(
                    "应为 Google 表格的密钥(网址中 /d/ 与 /edit 之间的部分)"
                    "(expected a spreadsheet key: the part of its URL between /d/ and /edit)"
                )
            out.append(key)
        return out


class Penalty(Model):
    first: float = Field(10.0, ge=0)  # 元, the first late filing
    factor: float = Field(2.0, ge=1)  # each repeat multiplies by this
    window_days: int = Field(365, gt=0)  # repeats counted within this many days


class Limits(Model):
    """Bounds on one workbook before it is read (`followup.sync.sources.excel.guard`): over one, the
    file is rejected by name with the reason and the rest of the run goes on."""

    max_cells: int = Field(10_000_000, gt=0)  # per sheet: rows × columns of the used range
    max_uncompressed_mb: int = Field(500, gt=0)  # all parts of a .xlsx together
    max_compression_ratio: int = Field(200, gt=1)  # per part over 1 MB (zip bombs)


class TodayConfig(Model):
    out: Path | None = None  # the sync also writes each agent's day workbook here


class CalendarYearConfig(Model):
    """One year's official holiday schedule the package does not ship (`[calendar.2027]`), from the
    State Council's notice: every day off, the make-up workdays (调休上班) and the notice cited."""

    days_off: list[dt.date] = Field(min_length=1)
    workdays: list[dt.date] = []
    source: str = Field(min_length=1)  # the notice: title and number (国办发明电〔…〕…号)

    @field_validator("workdays")
    @classmethod
    def _weekends(cls, v: list[dt.date]) -> list[dt.date]:
        for d in v:
            if d.weekday() < 5:
                raise ValueError(f"{d} 不是周六或周日,调休上班日应在周末 (a make-up workday is a Saturday or Sunday)")
        return v

    @model_validator(mode="after")
    def _disjoint(self) -> CalendarYearConfig:
        for d in sorted(set(self.days_off) & set(self.workdays)):
            raise ValueError(f"{d} 同时在 days_off 和 workdays 中 (is both a day off and a workday)")
        return self
