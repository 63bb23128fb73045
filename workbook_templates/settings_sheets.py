"""The 设置 sheet (playbook, store group, FU_Today), the holiday calendar and the hidden
xlwings.conf sheet that points Excel at the cell functions."""

from __future__ import annotations

import datetime as dt

from xlsxwriter.utility import quote_sheetname

from followup.udfs.callwindow import is_working_day
from followup.udfs.playbook import builtin_playbooks
from followup.udfs.schema import SETTINGS_KEYS

from . import values
from .layout import CONF_SHEET, NAMES, TABLES
from .writer import WriterBase, cached

__all__ = ["SettingsSheets", "UDF_MODULE"]

UDF_MODULE = "followup.udfs.excel"


class SettingsSheets(WriterBase):
    def settings_sheet(self):
        lay, L = self.lay, self.L
        ws = self.wb.add_worksheet(lay.sheet("settings"))
        rows = [{"k": lay.h(k), "v": self.settings.get(k)} for k in SETTINGS_KEYS]
        self._table(ws, TABLES["settings"], ("k", "v"), rows, headers={"k": L["settings"][0], "v": L["settings"][1]})
        ws.set_column(0, 0, 14)
        ws.set_column(1, 1, 18, self.f_text)
        keys = list(SETTINGS_KEYS)
        for i, k in enumerate(keys):  # group and playbook are text ("2", not 2)
            v = self.settings.get(k)
            if k == "daily_reception":
                ws.write_number(1 + i, 1, v)
            else:
                ws.write_string(1 + i, 1, str(v), self.f_text)
        r_pb, r_grp = 1 + keys.index("playbook"), 1 + keys.index("store_group")
        ws.data_validation(
            r_pb, 1, r_pb, 1, {"validate": "list", "source": builtin_playbooks(), "error_type": "information"}
        )
        groups = list(values.quotas_for(self.pb.name).groups)
        ws.data_validation(r_grp, 1, r_grp, 1, {"validate": "list", "source": groups, "error_type": "warning"})
        sheet = quote_sheetname(lay.sheet("settings"))
        self.cells[NAMES["playbook"]] = f"{sheet}!$B${r_pb + 1}"
        self.cells[NAMES["group"]] = f"{sheet}!$B${r_grp + 1}"
        ws.write_string(0, 3, L["today"], self.f_label)
        ws.write_formula(0, 4, "=TODAY()", self.f_date, cached(self.today))
        ws.write_string(1, 3, L["today_note"], self.f_wrap)
        ws.set_row(1, 32)
        ws.set_column(3, 3, 24)
        ws.set_column(4, 4, 12)
        self.cells[NAMES["today"]] = f"{sheet}!$E$1"

    def calendar_sheet(self):
        L = self.L
        ws = self.wb.add_worksheet(self.lay.sheet("calendar"))
        rows = []
        start = dt.date(self.today.year - 1, 1, 1)
        for i in range((dt.date(self.today.year + 3, 12, 31) - start).days + 1):
            d = start + dt.timedelta(days=i)
            work = is_working_day(d)
            if work != (d.weekday() < 5):
                rows.append({"date": d, "kind": L["work"] if work else L["off"]})
        self._table(ws, TABLES["calendar"], ("date", "kind"), rows, headers={"date": L["cal"][0], "kind": L["cal"][1]})
        ws.set_column(0, 0, 12, self.f_date)
        ws.write_string(0, 3, L["cal_note"], self.f_wrap)
        ws.set_column(3, 3, 60)
        ws.freeze_panes(1, 0)

    def conf_sheet(self):
        ws = self.wb.add_worksheet(CONF_SHEET)
        ws.write_string(0, 0, "UDF Modules")
        ws.write_string(0, 1, UDF_MODULE)
        ws.set_column(0, 1, 24)
        ws.hide()
