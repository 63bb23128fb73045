"""Google's answers, validated: every JSON the sync relies on is checked against a pydantic model.

Malformed JSON, another shape or a missing key becomes a `GSheetsRequestError` naming the
spreadsheet (`http.json_of` for the JSON, `checked` for the shape), never an AttributeError or
KeyError deep in the sync. Only the fields the sync reads are modelled; others are ignored.
"""

from __future__ import annotations

import re
from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .cells import trim_grid
from .errors import GSheetsRequestError

__all__ = [
    "checked",
    "DriveList",
    "DriveFileRef",
    "Permission",
    "Spreadsheet",
    "BatchUpdate",
    "ValuesUpdate",
    "grid_of",
    "formulas_of",
    "column_metadata",
    "old_rules",
    "METADATA_KEY",
]

# The developer-metadata key the earlier design put on each computed (and echo) column of 客户; the
# value is the column's key. Read only to convert such a sheet (the tags are deleted then).
METADATA_KEY = "followup.column"
# The strike-through rule the earlier design added (=AND($X2<>"",TRIM(TO_TEXT($X2))<>TRIM(TO_TEXT($A2))))
_OLD_RULE = re.compile(r'^=AND\(\$[A-Z]+\d+<>"",TRIM\(TO_TEXT\(\$[A-Z]+\d+\)\)<>TRIM\(TO_TEXT\(\$[A-Z]+\d+\)\)\)$')
_ERRORS = {
    "REF": "#REF!",
    "N_A": "#N/A",
    "VALUE": "#VALUE!",
    "NAME": "#NAME?",
    "NUM": "#NUM!",
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "NULL_VALUE": "#NULL!",
    "LOADING": "#LOADING",
}

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


class DriveFileRef(_Model):
    """files.create / files.update / an upload: the file's id (and name)."""

    id: str = Field(min_length=1)
    name: str = ""


class DriveNamed(_Model):
    id: str = Field(min_length=1)
    name: str


class DriveFound(_Model):
    """files.list in a folder: every entry with id and name."""

    files: list[DriveNamed] = []


class Permission(_Model):
    id: str = Field(min_length=1)


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
        if self.errorValue is not None:  # what UNFORMATTED_VALUE shows for an error cell
            return _ERRORS.get(str(self.errorValue.get("type", "")), "#ERROR!")
        return ""


class Entered(_Model):
    formulaValue: str | None = None


class Cell(_Model):
    effectiveValue: Effective | None = None
    userEnteredValue: Entered | None = None


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


class GridProps(_Model):
    rowCount: int = 1000
    columnCount: int = 26


class SheetProps(_Model):
    sheetId: int
    title: str
    gridProperties: GridProps = GridProps()


class Condition(_Model):
    type: str = ""
    values: list[dict[str, Any]] = []


class BooleanRule(_Model):
    condition: Condition = Condition()


class FormatRule(_Model):
    booleanRule: BooleanRule | None = None


class Sheet(_Model):
    properties: SheetProps
    data: list[GridData] = []
    conditionalFormats: list[FormatRule] = []


class Spreadsheet(_Model):
    sheets: list[Sheet] = Field(min_length=1)


class Created(_Model):
    """spreadsheets.create: the new id and its tabs."""

    spreadsheetId: str = Field(min_length=1)
    sheets: list[Sheet] = Field(min_length=1)


class BatchUpdate(_Model):
    """spreadsheets.batchUpdate: one reply per request."""

    spreadsheetId: str = Field(min_length=1)
    replies: list[dict[str, Any]] = []


class ValuesUpdate(_Model):
    """values:batchUpdate."""

    spreadsheetId: str = Field(min_length=1)
    totalUpdatedCells: int = 0


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


def formulas_of(sheet: Sheet) -> dict[tuple[int, int], str]:
    """(row, column) → the formula of every cell that has one (0-based)."""
    out: dict[tuple[int, int], str] = {}
    for part in sheet.data:
        for i, rd in enumerate(part.rowData):
            for j, cell in enumerate(rd.values):
                if cell.userEnteredValue is not None and cell.userEnteredValue.formulaValue is not None:
                    out[(part.startRow + i, part.startColumn + j)] = cell.userEnteredValue.formulaValue
    return out


def old_rules(sheet: Sheet) -> list[int]:
    """Indexes of the earlier design's strike-through rule(s) in the sheet's conditional formats."""
    out = []
    for i, rule in enumerate(sheet.conditionalFormats):
        cond = rule.booleanRule.condition if rule.booleanRule else None
        if (
            cond
            and cond.type == "CUSTOM_FORMULA"
            and len(cond.values) == 1
            and _OLD_RULE.match(str(cond.values[0].get("userEnteredValue", "")))
        ):
            out.append(i)
    return out


def column_metadata(sheet: Sheet) -> dict[int, list[str]]:
    """0-based column → the values of our METADATA_KEY metadata on it."""
    out: dict[int, list[str]] = {}
    for part in sheet.data:
        for j, dim in enumerate(part.columnMetadata):
            for m in dim.developerMetadata:
                if m.metadataKey == METADATA_KEY:
                    out.setdefault(part.startColumn + j, []).append(m.metadataValue)
    return out
