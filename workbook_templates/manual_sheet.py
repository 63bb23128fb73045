"""The 手动模式 sheet: per-row NEXT_FOLLOWUP / FOLLOWUP_STEP formulas (templates with a
computed block only)."""

from __future__ import annotations

from xlsxwriter.utility import xl_col_to_name

from . import values
from .layout import MANUAL_COLUMNS, MANUAL_INPUTS, MANUAL_OUTPUTS, MAX_ROW, NAMES, TABLES
from .texts import code_lists, translate
from .writer import FORMULAS, WriterBase, cached

__all__ = ["ManualSheet"]


class ManualSheet(WriterBase):
    def manual_sheet(self):
        lay, L = self.lay, self.L
        ws = self.wb.add_worksheet(lay.sheet("manual"))
        rows = values.manual_rows(self._customer_rows(), self._call_rows(), self.pb.name, self.today)
        rows = [translate(r, self.lang) for r in rows]
        t = TABLES["manual"]
        args = ",".join(f"{t}[@[{lay.h(k)}]]" for k in MANUAL_INPUTS)
        common = {"args": args, "playbook": NAMES["playbook"], "today": NAMES["today"]}
        formulas = {"next_date": FORMULAS["next"].format(**common)}
        for k, key in enumerate(("purpose", "channel", "owner_role"), start=1):
            formulas[key] = FORMULAS["step"].format(k=k, **common)
        keys = tuple(MANUAL_COLUMNS)
        self._table(ws, t, keys, rows, formulas=formulas)
        idx = {k: i for i, k in enumerate(keys)}
        for i, row in enumerate(rows):
            out = values.manual_outputs(row, self.pb.name, self.today)
            for key in MANUAL_OUTPUTS:
                ws.write_formula(
                    1 + i, idx[key], _this_row(formulas[key]), self._key_format(key, True) or self.f_c, cached(out[key])
                )
        for key in MANUAL_OUTPUTS:
            ws.set_column(idx[key], idx[key], self._width(key, lay.h(key)), self._key_format(key, True) or self.f_c)
        self._dv_list(ws, idx["class"], list(lay.class_codes), strict=False, prompt=self._class_prompt())
        self._dv_list(ws, idx["flags"], code_lists(self.lang)["flags"], strict=False, prompt=L["flag_prompt"])
        for key in ("calls_done", "failed_attempts"):
            ws.data_validation(1, idx[key], MAX_ROW, idx[key], {"validate": "integer", "criteria": ">=", "value": 0})
        nx, fl = xl_col_to_name(idx["next_date"]), xl_col_to_name(idx["flags"])
        rng = (1, 0, MAX_ROW, len(keys) - 1)
        ws.conditional_format(
            *rng,
            {
                "type": "formula",
                "criteria": f'=OR(ISNUMBER(SEARCH("拒访",${fl}2)),ISNUMBER(SEARCH("dnc",${fl}2)))',
                "format": self.cf_grey,
                "stop_if_true": True,
            },
        )
        ws.conditional_format(
            *rng,
            {
                "type": "formula",
                "criteria": f"=AND(ISNUMBER(${nx}2),${nx}2<{NAMES['today']})",
                "format": self.cf_red,
                "stop_if_true": True,
            },
        )
        ws.conditional_format(
            *rng,
            {
                "type": "formula",
                "criteria": f"=AND(ISNUMBER(${nx}2),${nx}2={NAMES['today']})",
                "format": self.cf_amber,
                "stop_if_true": True,
            },
        )
        ws.write_comment(0, idx["next_date"], L["manual_note"])
        # Without the followup functions the outputs stay blank and this one cell says why.
        self._missing_note(ws, len(keys) + 1)
        ws.freeze_panes(1, 2)
        self.manual_rows = rows


def _this_row(formula: str) -> str:
    """`tManual[@[类别]]` → `tManual[[#This Row],[类别]]`, the form stored in the file."""
    return formula.replace("[@[", "[[#This Row],[")
