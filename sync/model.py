"""What flows through the sync: one store's validated data, and every rejected row.

Every source (Excel workbook, Google Sheet) turns its raw cells into the same `StoreData`
through `followup.sync.validate.parse_workbook`, so the rest of the sync never knows where a
row came from beyond `Rejection.file` / `StoreData.origin`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pandas as pd

if TYPE_CHECKING:
    from followup.sync.crm.sheets import CrmData

__all__ = ["Rejection", "StoreData", "ReadResult"]


@dataclass(frozen=True)
class Rejection:
    """One problem, located: file, sheet, row (1-based as the user sees it), column, value."""

    file: str
    sheet: str
    row: int | None
    column: str | None
    value: str | None  # already masked when the column is a phone number
    message: str  # Chinese first, then English: "电话为空,请补填 (phone is missing)"
    fatal: bool = True  # False: a warning; the row is still used

    def __post_init__(self) -> None:
        # Privacy (SPEC §3.5): whoever builds a rejection, its value and message are masked.
        from followup.udfs.privacy import mask_phones_in_text

        if self.value not in (None, ""):
            object.__setattr__(self, "value", mask_phones_in_text(self.value))
        object.__setattr__(self, "message", mask_phones_in_text(self.message))

    def line(self) -> str:
        from followup.udfs.privacy import mask_phones_in_text

        where = (
            f"{self.file} › {self.sheet}"
            + (f" › 第{self.row}行" if self.row else "")
            + (f" › {self.column}" if self.column else "")
        )
        return mask_phones_in_text(
            f"{where}: {self.message}" + (f" [值: {self.value}]" if self.value not in (None, "") else "")
        )


@dataclass
class StoreData:
    origin: str  # file path or spreadsheet title the data came from
    store: str
    group: str | None = None
    playbook: str | None = None
    settings: dict[str, str] = field(default_factory=dict)
    customers: pd.DataFrame = field(default_factory=pd.DataFrame)  # canonical column keys + "_row"
    calls: pd.DataFrame = field(default_factory=pd.DataFrame)
    gifts: pd.DataFrame = field(default_factory=pd.DataFrame)
    requests: pd.DataFrame = field(default_factory=pd.DataFrame)  # 回访需求 (002), optional sheet


@dataclass
class ReadResult:
    stores: list[StoreData] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    # (origin, sheet) → rows read / used / rejected; read == used + rejected for every key
    rows_read: dict[tuple[str, str], int] = field(default_factory=dict)
    rows_used: dict[tuple[str, str], int] = field(default_factory=dict)
    rows_rejected: dict[tuple[str, str], int] = field(default_factory=dict)
    # the 投诉 / 常见问题 sheets read with the same workbooks (one `crm.sheets.CrmData` per workbook
    # that has them; not yet counted above: `crm.sheets.attach_complaints` does that)
    crm: list[CrmData] = field(default_factory=list)

    def extend(self, other: ReadResult) -> None:
        self.stores += other.stores
        self.rejections += other.rejections
        self.crm += other.crm
        for mine, theirs in (
            (self.rows_read, other.rows_read),
            (self.rows_used, other.rows_used),
            (self.rows_rejected, other.rows_rejected),
        ):
            for k, v in theirs.items():
                mine[k] = mine.get(k, 0) + v
