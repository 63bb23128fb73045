"""What every sheet writer shares: cell formats, column widths, Tables, drop-down lists,
the formula texts and the cached results stored with them."""

from __future__ import annotations

import datetime as dt

from xlsxwriter import Workbook

from followup.udfs.playbook import Playbook
from followup.udfs.schema import CALL_COLUMNS

from .layout import DATE_KEYS, DATETIME_KEYS, MAX_ROW, Layout

__all__ = ["WriterBase", "FORMULAS", "MISSING", "NOTE_WIDTH", "NOTE_ROW_HEIGHT", "cached", "excel_text"]

# The formulas, written the way Excel shows them. UDF names are written as-is (no `_xludf.`
# prefix: that is what Excel adds when it meets a name it does not know).
# Only functions Excel 2007+ (so 2016/2019), LibreOffice and WPS know besides ours: no DROP,
# LET or LAMBDA. `MISSING` probes for the add-in with the cheapest followup call: without it
# (#NAME?) the computed cells stay blank and one note cell beside them ("note") says why,
# instead of a wall of #NAME?.
MISSING = 'ISERROR(MASK_PHONE(""))'
FORMULAS = {
    # FOLLOWUP_TABLE returns 客户编号 + the computed columns with a header row (the 客户编号
    # column lines the block up with the table).
    "table": f'=IF({MISSING},"",FOLLOWUP_TABLE({{customers}}[#All],{{calls}}[#All],{{playbook}},{{today}}))',
    "next": f'=IF({MISSING},"",NEXT_FOLLOWUP({{args}},{{playbook}},{{today}}))',
    "step": f'=IF({MISSING},"",INDEX(FOLLOWUP_STEP({{args}},{{playbook}},{{today}}),1,{{k}}))',
    "note": f'=IF({MISSING},"{{note}}","")',
}


NOTE_WIDTH = 50  # the missing-functions note: a wrapped column of its own …
NOTE_ROW_HEIGHT = 64  # … in a header row four lines high


def excel_text(text: str) -> str:
    """A string for inside an Excel formula's quotes (at most 255 characters)."""
    if len(text) > 255:
        raise ValueError(f"an Excel string literal holds at most 255 characters: {text[:40]}…")
    return text.replace('"', '""')


class WriterBase:
    """Formats and table helpers; the builder sets the state below before any sheet is written."""

    pb: Playbook
    lay: Layout
    lang: str
    L: dict
    today: dt.date
    customers: list[dict]
    calls: list[dict]
    gifts: list[dict]
    settings: dict
    cells: dict[str, str]
    wb: Workbook

    # ---- formats --------------------------------------------------------------------------
    def _formats(self):
        f = self.wb.add_format
        self.f_date = f({"num_format": "yyyy-mm-dd"})
        self.f_dt = f({"num_format": "yyyy-mm-dd hh:mm"})
        self.f_text = f({"num_format": "@"})
        self.f_money = f({"num_format": "#,##0"})
        self.f_int = f({"num_format": "0"})
        self.f_pct = f({"num_format": "0%"})
        self.f_wrap = f({"text_wrap": True, "valign": "top", "font_color": "#595959", "italic": True})
        self.f_title = f({"bold": True, "font_size": 14})
        self.f_missing = f({"italic": True, "font_color": "#9C0006", "text_wrap": True, "valign": "top"})
        self.f_bold = f({"bold": True})
        self.f_label = f({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        self.f_hdr_c = f({"bold": True, "bg_color": "#E2EFDA", "font_color": "#375623", "border": 1, "bottom": 2})
        self.f_c_date = f({"num_format": "yyyy-mm-dd", "bg_color": "#F6FBF3"})
        self.f_c = f({"bg_color": "#F6FBF3"})
        self.cf_red = f({"bg_color": "#FFC7CE", "font_color": "#9C0006"})
        self.cf_amber = f({"bg_color": "#FFEB9C", "font_color": "#9C5700"})
        self.cf_grey = f({"bg_color": "#D9D9D9", "font_color": "#595959"})
        self.cf_good = f({"bg_color": "#C6EFCE", "font_color": "#006100"})

    def _key_format(self, key: str, computed: bool = False):
        if key == "phone":
            return self.f_text
        if key in DATETIME_KEYS:
            return self.f_dt
        if key in DATE_KEYS:
            return self.f_c_date if computed else self.f_date
        if key in ("amount", "value"):
            return self.f_money
        if key in ("questions", "calls_done", "failed_attempts", "daily_reception"):
            return self.f_int
        return self.f_c if computed else None

    @staticmethod
    def _width(key: str, head: str) -> float:
        if key in ("purpose", "feedback"):
            return 34
        if key in DATETIME_KEYS:
            return 17
        if key in DATE_KEYS:
            return 12
        if key == "phone":
            return 14
        cjk = sum(1 for ch in head if ord(ch) > 0x2E80)
        return max(9.0, cjk * 2.2 + (len(head) - cjk) * 1.1 + 3)

    def _class_prompt(self) -> str:
        return ", ".join(
            f"{c} {r.title if self.lang == 'zh' else (r.title_en or r.title)}" for c, r in self.pb.classes.items()
        )

    def _missing_note(self, ws, col: int) -> None:
        """One cell in row 1 that, only without the followup functions, says what to install."""
        ws.set_column(col, col, NOTE_WIDTH)
        ws.set_row(0, NOTE_ROW_HEIGHT)
        note = FORMULAS["note"].format(note=excel_text(self.L["missing_note"]))
        ws.write_formula(0, col, note, self.f_missing, "")

    def _customer_rows(self) -> list[list]:
        """The customers table as Excel hands it to FOLLOWUP_TABLE: header row, then the rows."""
        keys = self.lay.customer_keys
        return [[self.lay.h(k) for k in keys]] + [[r.get(k) for k in keys] for r in self.customers]

    def _call_rows(self) -> list[list]:
        keys = tuple(CALL_COLUMNS)
        return [[self.lay.h(k) for k in keys]] + [[r.get(k) for k in keys] for r in self.calls]

    # ---- generic table ----------------------------------------------------------------------
    def _table(
        self,
        ws,
        name: str,
        keys: tuple[str, ...],
        rows: list[dict],
        first_col: int = 0,
        formulas: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ):
        formulas = formulas or {}
        cols = []
        for k in keys:
            head = headers[k] if headers else self.lay.h(k)
            spec = {"header": head}
            fmt = self._key_format(k)
            if fmt is not None:
                spec["format"] = fmt
            if k in formulas:
                spec["formula"] = formulas[k]
            cols.append(spec)
            ws.set_column(first_col + len(cols) - 1, first_col + len(cols) - 1, self._width(k, head), fmt)
        data = [[None if k in formulas else _blank(r.get(k)) for k in keys] for r in rows] or [[None] * len(keys)]
        ws.add_table(
            0,
            first_col,
            len(data),
            first_col + len(keys) - 1,
            {"name": name, "columns": cols, "data": data, "style": "Table Style Medium 2", "autofilter": True},
        )
        return len(data)

    def _dv_list(
        self,
        ws,
        col: int,
        items: list[str],
        strict: bool = True,
        prompt: str | None = None,
        first_row: int = 1,
        last_row: int = MAX_ROW,
    ):
        opts = {
            "validate": "list",
            "source": items,
            "error_type": "stop" if strict else "information",
            "error_title": "followup",
            "error_message": "请从下拉列表选择 (pick a value from the list)",
        }
        if prompt:
            opts.update({"input_title": prompt[:32], "input_message": ", ".join(items)[:255]})
        ws.data_validation(first_row, col, last_row, col, opts)


def _blank(v):
    return None if v is None or v == "" else v


def cached(v):
    """A formula's cached result for XlsxWriter: dates as serials, None as empty text."""
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, dt.date):
        return (v - dt.date(1899, 12, 30)).days
    return v
