"""Merging what the sources read: one entry per store, whatever file or sheet it came from."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from followup.udfs.store_order import order_stores

from .model import StoreData

if TYPE_CHECKING:
    from followup.sync.config import Config

__all__ = ["Store", "merge_stores", "store_frame", "concat"]


@dataclass
class Store:
    name: str
    group: str | None
    small: bool
    playbook: str
    origins: list[str] = field(default_factory=list)
    settings: dict[str, str] = field(default_factory=dict)
    customers: pd.DataFrame = field(default_factory=pd.DataFrame)
    calls: pd.DataFrame = field(default_factory=pd.DataFrame)
    gifts: pd.DataFrame = field(default_factory=pd.DataFrame)
    size: str = "big"  # big | small: which weeks its records are drawn (002 大店/小店轮流)
    requests: pd.DataFrame = field(default_factory=pd.DataFrame)  # 回访需求 rows (002)


def _with_store(df: pd.DataFrame, store: str, origin: str) -> pd.DataFrame:
    if df is None or df.empty:
        return pd.DataFrame()
    df = df.copy()
    if "store" not in df.columns:
        df["store"] = store
    else:
        # each distinct 门店 text checked once (a store's rows hold a handful of them)
        codes, uniques = pd.factorize(df["store"])  # missing: -1
        blank = np.array([str(u).strip() == "" for u in uniques] + [True])
        df["store"] = df["store"].where(~blank[codes], store)
    df["_origin"] = origin
    return df


def concat(frames: list[pd.DataFrame | None]) -> pd.DataFrame:
    frames = [f for f in frames if f is not None and not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def merge_stores(read: list[StoreData], config: Config) -> list[Store]:
    """Group StoreData by store name: config's [[stores]] first (in its order), then the rest in
    natural order (一店 < 二店 < 十店, `followup.udfs.store_order`).

    Group: config, else the workbook's 设置 sheet. Playbook: the workbook's 设置 (回访方案), else
    the config's. The store's rows keep their own 门店 when given.
    """
    by_name: dict[str, list[StoreData]] = {}
    for sd in read:
        by_name.setdefault(str(sd.store).strip(), []).append(sd)
    names = [s.name for s in config.stores] + order_stores(n for n in by_name if config.store(n) is None)
    out = []
    for name in names:
        parts = by_name.get(name, [])
        cfg = config.store(name)
        group = cfg.group if cfg else next((p.group for p in parts if p.group), None)
        playbook = next((p.playbook for p in parts if p.playbook), None) or config.playbook
        settings: dict[str, str] = {}
        for p in parts:
            settings.update(p.settings or {})
        out.append(
            Store(
                name,
                None if group is None else str(group),
                bool(cfg.small) if cfg else False,
                playbook,
                [p.origin for p in parts],
                settings,
                concat([_with_store(p.customers, name, p.origin) for p in parts]),
                concat([_with_store(p.calls, name, p.origin) for p in parts]),
                concat([_with_store(p.gifts, name, p.origin) for p in parts]),
                (cfg.size or "big") if cfg else "big",
                concat([getattr(p, "requests", None) for p in parts]),
            )
        )
    return out


def store_frame(stores: list[Store]) -> pd.DataFrame:
    """store, group, small, playbook, size — one row per store, in report order."""
    return pd.DataFrame(
        {
            "store": [s.name for s in stores],
            "group": [s.group for s in stores],
            "small": [s.small for s in stores],
            "playbook": [s.playbook for s in stores],
            "size": [s.size for s in stores],
        }
    )
