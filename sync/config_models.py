"""The config file's tables as pydantic models: [[stores]], [sources] and [penalty] (SPEC §4.3).

`Config` itself, which holds them, is in `followup.sync.config`.
"""
from __future__ import annotations

import re
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = ["Model", "StoreConfig", "Sources", "Penalty"]


class Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class StoreConfig(Model):
    name: str = Field(min_length=1)
    group: Literal["1", "2", "3", "4"]
    small: bool = False
    size: Literal["big", "small"] | None = None   # 002 大店/小店每周轮流回访; default: small → "small"

    @model_validator(mode="after")
    def _size(self):
        if self.size is None:
            object.__setattr__(self, "size", "small" if self.small else "big")
        elif self.size == "small" and not self.small:
            object.__setattr__(self, "small", True)   # a small store also has the ≥ 15 people check
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
    def _group(cls, v):
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

    @field_validator("excel", "gsheets", mode="before")
    @classmethod
    def _listify(cls, v):
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
                raise ValueError("应为 Google 表格的密钥(网址中 /d/ 与 /edit 之间的部分)"
                                 "(expected a spreadsheet key: the part of its URL between /d/ and /edit)")
            out.append(key)
        return out


class Penalty(Model):
    first: float = Field(10.0, ge=0)         # 元, the first late filing
    factor: float = Field(2.0, ge=1)         # each repeat multiplies by this
    window_days: int = Field(365, gt=0)      # repeats counted within this many days
