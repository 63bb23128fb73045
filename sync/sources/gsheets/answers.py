"""Google's answers, validated: every JSON the sync relies on is checked against a pydantic model.

Malformed JSON, another shape or a missing key becomes a `GSheetsRequestError` naming the
spreadsheet (`http.json_of` for the JSON, `checked` for the shape), never an AttributeError or
KeyError deep in the sync. Only the fields the sync reads are modelled; others are ignored.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .cells import trim_grid
from .errors import GSheetsRequestError

__all__ = ["checked", "DriveList", "Spreadsheet", "FilterWrite", "grid_of", "column_metadata", "METADATA_KEY"]

# The developer-metadata key on each computed (and echo) column of 客户; the value is the column's key.
METADATA_KEY = "followup.column"

_M = TypeVar("_M", bound=BaseModel)


class _Model(BaseModel):
    model_config = ConfigDict(extra="ignore", strict=True)


class DriveUser(_Model):
    me: bool = False


class DriveFile(_Model):
    id: str
    name: str = ""
    modifiedTime: str = ""
    lastModifyingUser: DriveUser | None = None


class DriveList(_Model):
    files: list[DriveFile] = []
    nextPageToken: str | None = None


class Effective(_Model):
    numberValue: int | float | None = None
    stringValue: str | None = None
    boolValue: bool | None = None
    errorValue: dict[str, Any] | None = None

    def value(self) -> Any:
        if self.boolValue is not None:
            return self.boolValue
        if self.numberValue is not None:
            return self.numberValue
        if self.stringValue is not None:
            return self.stringValue
        if self.errorValue is not None:
            return "#ERROR!"  # what UNFORMATTED_VALUE shows for an error cell
        return ""


class Cell(_Model):
    effectiveValue: Effective | None = None


class RowData(_Model):
    values: list[Cell] = []


class Metadata(_Model):
    metadataId: int | None = None
    metadataKey: str = ""
    metadataValue: str = ""


class Dimension(_Model):
    developerMetadata: list[Metadata] = []


class GridData(_Model):
    startRow: int = 0
    startColumn: int = 0
    rowData: list[RowData] = []
    columnMetadata: list[Dimension] = []


class SheetProps(_Model):
    sheetId: int
    title: str


class Sheet(_Model):
    properties: SheetProps
    data: list[GridData] = []


class Spreadsheet(_Model):
    sheets: list[Sheet] = Field(min_length=1)


class FilterResponse(_Model):
    updatedCells: int = 0
    dataFilter: dict[str, Any] | None = None


class FilterWrite(_Model):
    responses: list[FilterResponse] = []


def checked(model: type[_M], data: Any, where: str | None) -> _M:
    try:
        return model.model_validate(data)
    except ValidationError as e:
        first: dict[str, Any] = dict(e.errors()[0]) if e.errors() else {}
        at = ".".join(str(x) for x in first.get("loc", ())) or "-"
        raise GSheetsRequestError(
            f"Google 的回答格式不对 ({at}),本表本次未处理,请稍后再同步 (Google's answer had an unexpected shape at "
            f"{at}: {first.get('type', '')}; nothing done for this spreadsheet, try the sync again later)",
            where=where,
        ) from None


def grid_of(sheet: Sheet) -> list[list[Any]]:
    """A sheet's GridData → rows of UNFORMATTED values ("" for empty), trailing blanks trimmed."""
    rows: list[list[Any]] = []
    for part in sheet.data:
        for i, rd in enumerate(part.rowData):
            r = part.startRow + i
            while len(rows) <= r:
                rows.append([])
            row = rows[r]
            for j, cell in enumerate(rd.values):
                c = part.startColumn + j
                while len(row) <= c:
                    row.append("")
                row[c] = cell.effectiveValue.value() if cell.effectiveValue else ""
    return trim_grid(rows)


def column_metadata(sheet: Sheet) -> dict[int, list[str]]:
    """0-based column → the values of our METADATA_KEY metadata on it."""
    out: dict[int, list[str]] = {}
    for part in sheet.data:
        for j, dim in enumerate(part.columnMetadata):
            for m in dim.developerMetadata:
                if m.metadataKey == METADATA_KEY:
                    out.setdefault(part.startColumn + j, []).append(m.metadataValue)
    return out
