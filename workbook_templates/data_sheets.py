"""The data-entry sheets: 客户 (with the computed FOLLOWUP_TABLE block beside its Table),
回访记录 and 礼品."""

from __future__ import annotations

import datetime as dt

from xlsxwriter.utility import xl_col_to_name

from followup.udfs.schema import CALL_COLUMNS, COMPUTED_COLUMNS, GIFT_COLUMNS

from . import values
from .layout import DATE_KEYS, MAX_ROW, NAMES, TABLES
from .texts import code_lists
from .writer import FORMULAS, WriterBase, cached

__all__ = ["DataSheets"]


class DataSheets(WriterBase):
    def customers_sheet(self):
        lay, L = self.lay, self.L
        ws = self.wb.add_worksheet(lay.sheet("customers"))
        self.ws_customers = ws
        keys = lay.customer_keys
        self._table(ws, TABLES["customers"], keys, self.customers)
        idx = {k: i for i, k in enumerate(keys)}
        self._dv_list(ws, idx["class"], list(lay.class_codes) or ["-"], strict=False, prompt=self._class_prompt())
        self._dv_list(ws, idx["flags"], code_lists(self.lang)["flags"], strict=False, prompt=L["flag_prompt"])
        ws.freeze_panes(1, 2)
        last_col = len(keys) - 1
        if lay.computed:
            # FOLLOWUP_TABLE returns its own header row: the formula sits in the header row,
            # one spacer column right of the table, and spills 客户编号 + the computed columns.
            start = len(keys) + 1
            ws.set_column(len(keys), len(keys), 2)
            block = values.table_block(self._customer_rows(), self._call_rows(), self.pb.name, self.today)
            out_keys = ["customer_id", *COMPUTED_COLUMNS]
            for j, k in enumerate(out_keys):
                ws.set_column(start + j, start + j, self._width(k, lay.h(k)), self._cfmt(k))
            formula = FORMULAS["table"].format(
                customers=TABLES["customers"],
                calls=TABLES["calls"],
                playbook=NAMES["playbook"],
                today=NAMES["today"],
            )
            last = start + len(out_keys) - 1
            ws.write_dynamic_array_formula(0, start, len(block) - 1, last, formula, self.f_hdr_c, cached(block[0][0]))
            for i, row in enumerate(block):
                for j, v in enumerate(row):
                    if i or j:
                        _write_value(ws, i, start + j, v, self.f_hdr_c if i == 0 else self._cfmt(out_keys[j]))
            ws.write_comment(0, start, L["computed_note"])
            # Without the followup functions the block stays blank and this one cell says why.
            self._missing_note(ws, last + 1)
            self.table_anchor = (0, start, len(block) - 1, last)
            status_col = xl_col_to_name(last)
            rng = (1, 0, MAX_ROW, last)
            for fmt, words in (
                (self.cf_grey, ("拒访", "do_not_call")),
                (self.cf_red, ("逾期", "overdue")),
                (self.cf_amber, ("今日到期", "due_today")),
            ):
                cond = ",".join(f'${status_col}2="{w}"' for w in words)
                ws.conditional_format(
                    *rng, {"type": "formula", "criteria": f"=OR({cond})", "format": fmt, "stop_if_true": True}
                )
            last_col = last
        if not lay.computed:
            ws.set_row(0, 20)
        self.customers_last_col = last_col

    def _cfmt(self, key):
        return self.f_c_date if key in DATE_KEYS else self.f_c

    def calls_sheet(self):
        lay, L = self.lay, self.L
        ws = self.wb.add_worksheet(lay.sheet("calls"))
        keys = tuple(CALL_COLUMNS)
        self._table(ws, TABLES["calls"], keys, self.calls)
        idx = {k: i for i, k in enumerate(keys)}
        lists = code_lists(self.lang)
        self._dv_list(ws, idx["kind"], lists["kind"], prompt=lay.h("kind"))
        self._dv_list(ws, idx["channel"], lists["channel"], prompt=lay.h("channel"))
        self._dv_list(ws, idx["outcome"], lists["outcome"], prompt=lay.h("outcome"))
        self._dv_list(ws, idx["escalate"], [L["yes"], L["no"]])
        self._dv_list(ws, idx["resolution"], L["resolution"], strict=False)
        q = values.quotas_for(self.pb.name)
        ws.data_validation(
            1,
            idx["questions"],
            MAX_ROW,
            idx["questions"],
            {
                "validate": "integer",
                "criteria": "between",
                "minimum": 0,
                "maximum": q.max_questions,
                "error_type": "warning",
                "error_message": f"每次回访最多 {q.max_questions} 个问题 (at most {q.max_questions} questions)",
            },
        )
        ws.freeze_panes(1, 0)

    def gifts_sheet(self):
        ws = self.wb.add_worksheet(self.lay.sheet("gifts"))
        keys = tuple(GIFT_COLUMNS)
        self._table(ws, TABLES["gifts"], keys, self.gifts)
        self._dv_list(ws, keys.index("check_result"), self.L["check"], strict=False)
        ws.freeze_panes(1, 0)


def _write_value(ws, r, c, v, fmt):
    if v is None or v == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(v, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()) if not isinstance(v, dt.datetime) else v, fmt)
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        ws.write_number(r, c, v, fmt)
    else:
        ws.write_string(r, c, str(v), fmt)
