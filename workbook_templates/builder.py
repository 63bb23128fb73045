"""Build the workbook templates (SPEC §4.2) with XlsxWriter.

One template per playbook whose columns differ (optometry, aesthetics, health_products,
retail). Every sheet is an Excel Table; the computed block of 客户 is ONE dynamic-array
`=FOLLOWUP_TABLE(tCustomers[#All],tCalls[#All],FU_Playbook,FU_Today)` beside the table (a
spill may not sit inside a Table), 手动模式 holds the per-row NEXT_FOLLOWUP / FOLLOWUP_STEP
variant, 配额 is native Excel formulas (COUNTIFS over the call log, works without the add-in).
Every formula carries the value the real engine computes for the sample rows on
`samples.SAMPLE_TODAY`, and the workbook's dates are fixed, so a re-run is byte-identical.
"""
from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import quote_sheetname, xl_col_to_name, xl_rowcol_to_cell

from followup.udfs.callwindow import is_working_day
from followup.udfs.playbook import builtin_playbooks, get_playbook
from followup.udfs.quotas import WEEK_STATUS, WEEKDAYS_ZH
from followup.udfs.schema import (CALL_COLUMNS, CHANNELS, COMPUTED_COLUMNS, CUSTOMER_COLUMNS,
                                  FACT_COLUMNS, FLAGS, GIFT_COLUMNS, KINDS, OUTCOMES, SETTINGS_KEYS,
                                  STATUSES)

from . import samples, values
from .layout import (CONF_SHEET, DATE_KEYS, DATETIME_KEYS, MANUAL_COLUMNS, MANUAL_INPUTS,
                     MANUAL_OUTPUTS, MAX_ROW, NAMES, PLAYBOOKS, TABLES, Layout, layout,
                     template_filename)

__all__ = ["build_template", "build_all", "template_bytes", "CREATED", "UDF_MODULE", "FORMULAS"]

CREATED = dt.datetime(2026, 1, 1, 0, 0, 0)   # fixed: re-running gives identical bytes
UDF_MODULE = "followup.udfs.excel"
_OPTIONS = {"strings_to_numbers": False, "strings_to_formulas": False, "strings_to_urls": False,
            "default_date_format": "yyyy-mm-dd", "in_memory": True}

# The formulas, written the way Excel shows them. UDF names are written as-is (no `_xludf.`
# prefix: that is what Excel adds when it meets a name it does not know).
FORMULAS = {
    # FOLLOWUP_TABLE returns 客户编号 + the computed columns with a header row; DROP(…,,1)
    # leaves out the echoed 客户编号 so the sheet has one customer-id column.
    "table": "=DROP(FOLLOWUP_TABLE({customers}[#All],{calls}[#All],{playbook},{today}),,1)",
    "next": "=NEXT_FOLLOWUP({args},{playbook},{today})",
    "step": "=INDEX(FOLLOWUP_STEP({args},{playbook},{today}),1,{k})",
}

_L = {
    "zh": {
        "computed_note": "以下各列由 =FOLLOWUP_TABLE(...) 自动计算,请勿手填",
        "quota_title": "本周成功回访配额", "as_of": "基准日期", "week_start": "本周一", "group": "门店组别",
        "day_cols": ["日期", "星期", "工作日", "成功数", "日目标", "达标"],
        "total": "本周合计", "even": "均衡", "uneven": "不均衡", "yes": "是", "no": "否",
        "helper": "计算依据", "n_work": "工作日数", "daily": "每日目标", "lo": "每周下限", "hi": "每周上限",
        "share": "单日占比上限", "idle": "零成功工作日", "top": "最高单日占比",
        "targets": ["组别", "每日目标", "每周下限", "每周上限"], "evenness_max": "均衡:单日最多占全周",
        "chart": "本周每日成功回访", "chart_s1": "成功数", "chart_s2": "日目标",
        "today": "今天(计算基准日)",
        "today_note": "默认公式 =TODAY();填入某个日期即可查看那天的回访计划与配额",
        "settings": ["项目", "值"], "cal": ["日期", "类型"], "off": "休", "work": "班",
        "cal_note": "与周一至周五规则不同的日子:休 = 工作日放假,班 = 周末调休上班",
        "manual_note": "手动模式:填写类别、锚点日期与回访进度,下次回访由 NEXT_FOLLOWUP 计算(不会自动转类)",
        "resolution": ["待处理", "处理中", "已解决"], "check": ["已核实", "未核实", "无法联系"],
        "class_prompt": "类别", "flag_prompt": "可填多个,用逗号分隔",
    },
    "en": {
        "computed_note": "Computed by =FOLLOWUP_TABLE(...): do not type here",
        "quota_title": "Successful callbacks this week", "as_of": "As of", "week_start": "Monday",
        "group": "Store group",
        "day_cols": ["date", "weekday", "working", "successes", "daily target", "met"],
        "total": "Week total", "even": "even", "uneven": "uneven", "yes": "yes", "no": "no",
        "helper": "Working", "n_work": "working days", "daily": "daily target", "lo": "weekly min",
        "hi": "weekly max", "share": "max share of one day", "idle": "working days with 0",
        "top": "largest day share",
        "targets": ["group", "daily", "weekly_min", "weekly_max"], "evenness_max": "evenness: max share of one day",
        "chart": "Successful callbacks per day", "chart_s1": "successes", "chart_s2": "daily target",
        "today": "Today (as-of date)",
        "today_note": "Formula =TODAY() by default; type a date to see the plan and quotas of that day",
        "settings": ["key", "value"], "cal": ["date", "kind"], "off": "off", "work": "work",
        "cal_note": "Days that differ from the Mon-Fri rule: off = weekday holiday, work = make-up working day",
        "manual_note": "Manual mode: type class, anchor date and progress; NEXT_FOLLOWUP computes the next date (no class changes)",
        "resolution": ["open", "in progress", "resolved"], "check": ["verified", "not verified", "unreachable"],
        "class_prompt": "class", "flag_prompt": "several allowed, comma separated",
    },
}
_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_WEEK_STATUS_EN = {"below": "below", "within": "within", "above": "above"}


def _code_lists(lang: str) -> dict[str, list[str]]:
    if lang == "zh":
        return {"outcome": list(OUTCOMES), "channel": list(CHANNELS), "kind": list(KINDS), "flags": list(FLAGS)}
    return {"outcome": list(OUTCOMES.values()), "channel": list(CHANNELS.values()),
            "kind": list(KINDS.values()), "flags": list(FLAGS.values())}


def _translate(row: dict, lang: str) -> dict:
    """Sample values in English codes for the English template (the engine accepts both)."""
    if lang == "zh":
        return row
    out = dict(row)
    for key, table in (("outcome", OUTCOMES), ("channel", CHANNELS), ("kind", KINDS)):
        if out.get(key) in table:
            out[key] = table[out[key]]
    if out.get("flags"):
        out["flags"] = ", ".join(FLAGS.get(w.strip(), w.strip()) for w in str(out["flags"]).split(","))
    return out


class _Builder:
    def __init__(self, playbook: str, lang: str):
        if lang not in _L:
            raise ValueError(f"lang {lang!r}: use zh or en")
        self.pb = get_playbook(playbook)
        self.lay: Layout = layout(playbook, lang)
        self.lang, self.L = lang, _L[lang]
        self.today = samples.SAMPLE_TODAY
        self.customers = [_translate(r, lang) for r in samples.customers(playbook)]
        self.calls = [_translate(r, lang) for r in samples.calls(playbook)]
        self.gifts = samples.gifts(playbook)
        self.settings = samples.settings(playbook)
        self.buf = io.BytesIO()
        self.wb = xlsxwriter.Workbook(self.buf, _OPTIONS)
        self.wb.set_properties({"created": CREATED, "title": f"followup {playbook}",
                                "comments": "followup workbook template (SPEC §4.2)"})
        # Automatic calculation, but no forced full recalculation on load: a program without
        # the followup functions (LibreOffice, viewers, Excel before the add-in recalculates
        # TODAY()) keeps showing the cached results instead of #NAME?.
        self.wb.set_calc_mode("auto", calc_id=191029)
        self.wb.calc_on_load = False
        self._formats()
        self.cells: dict[str, str] = {}   # named cells: name → absolute reference

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
        self.f_bold = f({"bold": True})
        self.f_label = f({"bold": True, "bg_color": "#F2F2F2", "border": 1})
        self.f_hdr_c = f({"bold": True, "bg_color": "#E2EFDA", "font_color": "#375623", "border": 1,
                          "bottom": 2})
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

    # ---- generic table ----------------------------------------------------------------------
    def _table(self, ws, name: str, keys: tuple[str, ...], rows: list[dict], first_col: int = 0,
               formulas: dict[str, str] | None = None, headers: dict[str, str] | None = None):
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
        ws.add_table(0, first_col, len(data), first_col + len(keys) - 1,
                     {"name": name, "columns": cols, "data": data, "style": "Table Style Medium 2",
                      "autofilter": True})
        return len(data)

    def _dv_list(self, ws, col: int, items: list[str], strict: bool = True, prompt: str | None = None,
                 first_row: int = 1, last_row: int = MAX_ROW):
        opts = {"validate": "list", "source": items, "error_type": "stop" if strict else "information",
                "error_title": "followup", "error_message": "请从下拉列表选择 (pick a value from the list)"}
        if prompt:
            opts.update({"input_title": prompt[:32], "input_message": ", ".join(items)[:255]})
        ws.data_validation(first_row, col, last_row, col, opts)

    # ---- sheets ----------------------------------------------------------------------------
    def customers_sheet(self):
        lay, L = self.lay, self.L
        ws = self.wb.add_worksheet(lay.sheet("customers"))
        self.ws_customers = ws
        keys = lay.customer_keys
        n = self._table(ws, TABLES["customers"], keys, self.customers)
        idx = {k: i for i, k in enumerate(keys)}
        self._dv_list(ws, idx["class"], list(lay.class_codes) or ["-"], strict=False,
                      prompt=self._class_prompt())
        self._dv_list(ws, idx["flags"], _code_lists(self.lang)["flags"], strict=False,
                      prompt=L["flag_prompt"])
        ws.freeze_panes(1, 2)
        last_col = len(keys) - 1
        if lay.computed:
            # FOLLOWUP_TABLE returns its own header row: the formula sits in the header row,
            # one spacer column right of the table; DROP removes its echoed 客户编号 column.
            start = len(keys) + 1
            ws.set_column(len(keys), len(keys), 2)
            block = values.table_block(self._customer_rows(), self._call_rows(), self.pb.name, self.today)
            out_keys = list(COMPUTED_COLUMNS)
            for j, k in enumerate(out_keys):
                ws.set_column(start + j, start + j, self._width(k, lay.h(k)), self._cfmt(k))
            formula = FORMULAS["table"].format(customers=TABLES["customers"], calls=TABLES["calls"],
                                               playbook=NAMES["playbook"], today=NAMES["today"])
            last = start + len(out_keys) - 1
            ws.write_dynamic_array_formula(0, start, len(block) - 1, last, formula, self.f_hdr_c,
                                           _cached(block[0][0]))
            for i, row in enumerate(block):
                for j, v in enumerate(row):
                    if i or j:
                        _write_value(ws, i, start + j, v, self.f_hdr_c if i == 0 else self._cfmt(out_keys[j]))
            ws.write_comment(0, start, L["computed_note"])
            self.table_anchor = (0, start, len(block) - 1, last)
            status_col = xl_col_to_name(last)
            rng = (1, 0, MAX_ROW, last)
            for fmt, words in ((self.cf_grey, ("拒访", "do_not_call")), (self.cf_red, ("逾期", "overdue")),
                               (self.cf_amber, ("今日到期", "due_today"))):
                cond = ",".join(f'${status_col}2="{w}"' for w in words)
                ws.conditional_format(*rng, {"type": "formula", "criteria": f"=OR({cond})", "format": fmt,
                                             "stop_if_true": True})
            last_col = last
        ws.set_row(0, 20)
        self.customers_last_col = last_col

    def _cfmt(self, key):
        return self.f_c_date if key in DATE_KEYS else self.f_c

    def _class_prompt(self) -> str:
        return ", ".join(f"{c} {r.title if self.lang == 'zh' else (r.title_en or r.title)}"
                         for c, r in self.pb.classes.items())

    def _customer_rows(self) -> list[list]:
        """The customers table as Excel hands it to FOLLOWUP_TABLE: header row, then the rows."""
        keys = self.lay.customer_keys
        return [[self.lay.h(k) for k in keys]] + [[r.get(k) for k in keys] for r in self.customers]

    def _call_rows(self) -> list[list]:
        keys = tuple(CALL_COLUMNS)
        return [[self.lay.h(k) for k in keys]] + [[r.get(k) for k in keys] for r in self.calls]

    def calls_sheet(self):
        lay, L = self.lay, self.L
        ws = self.wb.add_worksheet(lay.sheet("calls"))
        keys = tuple(CALL_COLUMNS)
        self._table(ws, TABLES["calls"], keys, self.calls)
        idx = {k: i for i, k in enumerate(keys)}
        lists = _code_lists(self.lang)
        self._dv_list(ws, idx["kind"], lists["kind"], prompt=lay.h("kind"))
        self._dv_list(ws, idx["channel"], lists["channel"], prompt=lay.h("channel"))
        self._dv_list(ws, idx["outcome"], lists["outcome"], prompt=lay.h("outcome"))
        self._dv_list(ws, idx["escalate"], [L["yes"], L["no"]])
        self._dv_list(ws, idx["resolution"], L["resolution"], strict=False)
        q = values.quotas_for(self.pb.name)
        ws.data_validation(1, idx["questions"], MAX_ROW, idx["questions"],
                           {"validate": "integer", "criteria": "between", "minimum": 0,
                            "maximum": q.max_questions, "error_type": "warning",
                            "error_message": f"每次回访最多 {q.max_questions} 个问题 (at most {q.max_questions} questions)"})
        ws.freeze_panes(1, 0)

    def gifts_sheet(self):
        ws = self.wb.add_worksheet(self.lay.sheet("gifts"))
        keys = tuple(GIFT_COLUMNS)
        self._table(ws, TABLES["gifts"], keys, self.gifts)
        self._dv_list(ws, keys.index("check_result"), self.L["check"], strict=False)
        ws.freeze_panes(1, 0)

    def settings_sheet(self):
        lay, L = self.lay, self.L
        ws = self.wb.add_worksheet(lay.sheet("settings"))
        rows = [{"k": lay.h(k), "v": self.settings.get(k)} for k in SETTINGS_KEYS]
        self._table(ws, TABLES["settings"], ("k", "v"), rows,
                    headers={"k": L["settings"][0], "v": L["settings"][1]})
        ws.set_column(0, 0, 14)
        ws.set_column(1, 1, 18, self.f_text)
        keys = list(SETTINGS_KEYS)
        for i, k in enumerate(keys):   # group and playbook are text ("2", not 2)
            v = self.settings.get(k)
            if k == "daily_reception":
                ws.write_number(1 + i, 1, v)
            else:
                ws.write_string(1 + i, 1, str(v), self.f_text)
        r_pb, r_grp = 1 + keys.index("playbook"), 1 + keys.index("store_group")
        ws.data_validation(r_pb, 1, r_pb, 1, {"validate": "list", "source": builtin_playbooks(),
                                              "error_type": "information"})
        groups = list(values.quotas_for(self.pb.name).groups)
        ws.data_validation(r_grp, 1, r_grp, 1, {"validate": "list", "source": groups, "error_type": "warning"})
        sheet = quote_sheetname(lay.sheet("settings"))
        self.cells[NAMES["playbook"]] = f"{sheet}!$B${r_pb + 1}"
        self.cells[NAMES["group"]] = f"{sheet}!$B${r_grp + 1}"
        ws.write_string(0, 3, L["today"], self.f_label)
        ws.write_formula(0, 4, "=TODAY()", self.f_date, _cached(self.today))
        ws.write_string(1, 3, L["today_note"], self.f_wrap)
        ws.set_row(1, 32)
        ws.set_column(3, 3, 24)
        ws.set_column(4, 4, 12)
        self.cells[NAMES["today"]] = f"{sheet}!$E$1"

    def quota_sheet(self):
        lay, L = self.lay, self.L
        ws = self.wb.add_worksheet(lay.sheet("quota"))
        q = values.quotas_for(self.pb.name)
        result = values.quota(self.calls, self.settings["store_group"], self.today, self.pb.name)
        sheet = quote_sheetname(lay.sheet("quota"))
        calls_t = TABLES["calls"]
        time_h, outcome_h = lay.h("call_time"), lay.h("outcome")
        ws.write_string(0, 0, L["quota_title"], self.f_title)
        ws.write_string(1, 0, L["as_of"], self.f_label)
        ws.write_formula(1, 1, f"={NAMES['today']}", self.f_date, _cached(self.today))
        ws.write_string(2, 0, L["week_start"], self.f_label)
        ws.write_formula(2, 1, "=B2-WEEKDAY(B2,3)", self.f_date, _cached(result.week_start))
        self.cells[NAMES["week_start"]] = f"{sheet}!$B$3"
        ws.write_string(1, 3, L["group"], self.f_label)
        ws.write_formula(1, 4, f'={NAMES["group"]}&""', self.f_text, str(self.settings["store_group"]))
        # per-day rows (same columns as udfs.quota_week.QuotaResult.to_rows)
        for j, h in enumerate(L["day_cols"]):
            ws.write_string(4, j, h, self.f_label)
        yes, no = L["yes"], L["no"]
        success_words = [w for w, c in OUTCOMES.items() if c == "success"] + ["success"]
        names = WEEKDAYS_ZH if self.lang == "zh" else _WEEKDAYS_EN
        for i, d in enumerate(result.days):
            r = 5 + i
            a = f"A{r + 1}"
            ws.write_formula(r, 0, f"={NAMES['week_start']}+{i}", self.f_date, _cached(d.date))
            ws.write_string(r, 1, names[i])
            ws.write_formula(r, 2, f'=IF((WEEKDAY({a},2)<=5)<>(COUNTIF({TABLES["calendar"]}[{L["cal"][0]}],{a})>0),'
                                   f'"{yes}","{no}")', None, yes if d.working else no)
            count = "+".join(f'COUNTIFS({calls_t}[{outcome_h}],"{w}",{calls_t}[{time_h}],">="&{a},'
                             f'{calls_t}[{time_h}],"<"&({a}+1))' for w in success_words)
            ws.write_formula(r, 3, f"={count}", self.f_int, d.successes)
            ws.write_formula(r, 4, f'=IF(C{r + 1}="{yes}",$H$16,"")', self.f_int,
                             d.target if d.working else "")
            met = (yes if d.successes >= d.target else no) if d.working else ""
            ws.write_formula(r, 5, f'=IF(C{r + 1}="{yes}",IF(D{r + 1}>=E{r + 1},"{yes}","{no}"),"")', None, met)
        lo, hi = result.weekly_target
        status = (WEEK_STATUS if self.lang == "zh" else _WEEK_STATUS_EN)
        ws.write_string(12, 0, L["total"], self.f_label)
        ws.write_formula(12, 3, "=SUM(D6:D12)", self.f_int, result.total)
        ws.write_formula(12, 4, '=$H$17&"-"&$H$18', None, f"{lo}-{hi}")
        ws.write_formula(12, 5, f'=IF(D13<$H$17,"{status["below"]}",IF(D13>$H$18,"{status["above"]}","{status["within"]}"))',
                         None, status[result.status])
        ws.write_string(13, 0, L["even"], self.f_label)
        ws.write_formula(13, 5, f'=IF(AND($H$20=0,$H$21<=$H$19+0.000000001),"{L["even"]}","{L["uneven"]}")',
                         None, L["even"] if result.even else L["uneven"])
        # the working (visible, documented): targets and evenness inputs
        n_work = sum(d.working for d in result.days)
        share = max(q.evenness_max_share, 1 / n_work if n_work else 1.0)
        idle = sum(1 for d in result.days if d.working and d.successes == 0) if result.total >= result.daily_target else 0
        top = max(d.successes for d in result.days) / result.total if result.total else 0
        g = f'MATCH({NAMES["group"]}&"",{TABLES["quota"]}[{L["targets"][0]}],0)'
        helper = [
            (L["n_work"], '=COUNTIF(C6:C12,"%s")' % yes, n_work, self.f_int),
            (L["daily"], f'=INDEX({TABLES["quota"]}[{L["targets"][1]}],{g})', result.daily_target, self.f_int),
            (L["lo"], f'=INT(INDEX({TABLES["quota"]}[{L["targets"][2]}],{g})*MIN(H15,5)/5+0.5)', lo, self.f_int),
            (L["hi"], f'=INT(INDEX({TABLES["quota"]}[{L["targets"][3]}],{g})*MIN(H15,5)/5+0.5)', hi, self.f_int),
            (L["share"], f"=MAX($H$11,IF(H15>0,1/H15,1))", share, self.f_pct),
            (L["idle"], f'=IF(D13>=H16,COUNTIFS(C6:C12,"{yes}",D6:D12,0),0)', idle, self.f_int),
            (L["top"], "=IF(D13>0,MAX(D6:D12)/D13,0)", top, self.f_pct),
        ]
        ws.write_string(13, 7, L["helper"], self.f_bold)
        for i, (label, formula, value, fmt) in enumerate(helper):
            ws.write_string(14 + i, 6, label, self.f_label)
            ws.write_formula(14 + i, 7, formula, fmt, value)
        # targets table (from the playbook's quotas) at G5:J…
        rows = [{"g": k, "d": v.daily, "lo": v.weekly[0], "hi": v.weekly[1]} for k, v in q.groups.items()]
        t = L["targets"]
        ws.add_table(4, 6, 4 + len(rows), 9, {
            "name": TABLES["quota"], "style": "Table Style Light 9", "autofilter": False,
            "columns": [{"header": t[0], "format": self.f_text}, {"header": t[1]}, {"header": t[2]}, {"header": t[3]}],
            "data": [[r["g"], r["d"], r["lo"], r["hi"]] for r in rows]})
        ws.write_string(10, 6, L["evenness_max"], self.f_label)
        ws.write_number(10, 7, q.evenness_max_share, self.f_pct)
        # highlighting and a chart
        ws.conditional_format(5, 5, 11, 5, {"type": "cell", "criteria": "==", "value": f'"{no}"', "format": self.cf_red})
        ws.conditional_format(5, 5, 11, 5, {"type": "cell", "criteria": "==", "value": f'"{yes}"', "format": self.cf_good})
        ws.conditional_format(12, 5, 13, 5, {"type": "formula", "criteria": f'=OR($F13="{status["below"]}",$F13="{L["uneven"]}")',
                                             "format": self.cf_red})
        ws.conditional_format(12, 5, 13, 5, {"type": "formula", "criteria": f'=OR($F13="{status["within"]}",$F13="{L["even"]}")',
                                             "format": self.cf_good})
        name = lay.sheet("quota")
        chart = self.wb.add_chart({"type": "column"})
        chart.add_series({"name": L["chart_s1"], "categories": [name, 5, 1, 11, 1], "values": [name, 5, 3, 11, 3],
                          "fill": {"color": "#5B9BD5"}, "data_labels": {"value": True}})
        line = self.wb.add_chart({"type": "line"})
        line.add_series({"name": L["chart_s2"], "categories": [name, 5, 1, 11, 1], "values": [name, 5, 4, 11, 4],
                         "line": {"color": "#C00000", "dash_type": "dash"}, "marker": {"type": "none"}})
        chart.combine(line)
        chart.set_title({"name": L["chart"], "name_font": {"size": 11}})
        chart.set_legend({"position": "bottom"})
        chart.set_y_axis({"min": 0, "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
        chart.set_size({"width": 520, "height": 260})
        ws.insert_chart(22, 0, chart)
        ws.set_column(0, 0, 12)
        ws.set_column(1, 5, 10)
        ws.set_column(6, 6, 16)
        ws.set_column(7, 10, 10)
        self.quota_result = result

    def manual_sheet(self):
        lay, L = self.lay, self.L
        ws = self.wb.add_worksheet(lay.sheet("manual"))
        rows = values.manual_rows(self._customer_rows(), self._call_rows(), self.pb.name, self.today)
        rows = [_translate(r, self.lang) for r in rows]
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
                ws.write_formula(1 + i, idx[key], _this_row(formulas[key]), self._key_format(key, True) or self.f_c,
                                 _cached(out[key]))
        for key in MANUAL_OUTPUTS:
            ws.set_column(idx[key], idx[key], self._width(key, lay.h(key)), self._key_format(key, True) or self.f_c)
        self._dv_list(ws, idx["class"], list(lay.class_codes), strict=False, prompt=self._class_prompt())
        self._dv_list(ws, idx["flags"], _code_lists(self.lang)["flags"], strict=False, prompt=L["flag_prompt"])
        for key in ("calls_done", "failed_attempts"):
            ws.data_validation(1, idx[key], MAX_ROW, idx[key], {"validate": "integer", "criteria": ">=", "value": 0})
        nx, fl = xl_col_to_name(idx["next_date"]), xl_col_to_name(idx["flags"])
        rng = (1, 0, MAX_ROW, len(keys) - 1)
        ws.conditional_format(*rng, {"type": "formula", "criteria": f'=OR(ISNUMBER(SEARCH("拒访",${fl}2)),ISNUMBER(SEARCH("dnc",${fl}2)))',
                                     "format": self.cf_grey, "stop_if_true": True})
        ws.conditional_format(*rng, {"type": "formula", "criteria": f'=AND(ISNUMBER(${nx}2),${nx}2<{NAMES["today"]})',
                                     "format": self.cf_red, "stop_if_true": True})
        ws.conditional_format(*rng, {"type": "formula", "criteria": f'=AND(ISNUMBER(${nx}2),${nx}2={NAMES["today"]})',
                                     "format": self.cf_amber, "stop_if_true": True})
        ws.write_comment(0, idx["next_date"], L["manual_note"])
        ws.freeze_panes(1, 2)
        self.manual_rows = rows

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
        self._table(ws, TABLES["calendar"], ("date", "kind"), rows,
                    headers={"date": L["cal"][0], "kind": L["cal"][1]})
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

    def build(self) -> bytes:
        self.customers_sheet()
        self.calls_sheet()
        self.gifts_sheet()
        self.quota_sheet()
        self.settings_sheet()
        if self.lay.computed:
            self.manual_sheet()
        self.calendar_sheet()
        self.conf_sheet()
        for ws in self.wb.worksheets():   # printing / PDF: A4 landscape, one page wide
            ws.set_landscape()
            ws.set_paper(9)
            ws.fit_to_pages(1, 0)
            ws.repeat_rows(0)
        for name, ref in sorted(self.cells.items()):
            self.wb.define_name(name, f"={ref}")
        self.ws_customers.activate()
        self.wb.close()
        return self.buf.getvalue()


def _this_row(formula: str) -> str:
    """`tManual[@[类别]]` → `tManual[[#This Row],[类别]]`, the form stored in the file."""
    return formula.replace("[@[", "[[#This Row],[")


def _blank(v):
    return None if v is None or v == "" else v


def _cached(v):
    """A formula's cached result for XlsxWriter: dates as serials, None as empty text."""
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        v = v.date()
    if isinstance(v, dt.date):
        return (v - dt.date(1899, 12, 30)).days
    return v


def _write_value(ws, r, c, v, fmt):
    if v is None or v == "":
        ws.write_blank(r, c, None, fmt)
    elif isinstance(v, dt.date):
        ws.write_datetime(r, c, dt.datetime.combine(v, dt.time()) if not isinstance(v, dt.datetime) else v, fmt)
    elif isinstance(v, (int, float)) and not isinstance(v, bool):
        ws.write_number(r, c, v, fmt)
    else:
        ws.write_string(r, c, str(v), fmt)


def template_bytes(playbook: str, lang: str = "zh") -> bytes:
    return _Builder(playbook, lang).build()


def build_template(playbook: str, lang: str = "zh", out_dir: str | Path = ".") -> Path:
    """Write one template (`followup_<playbook>[_en].xlsx`) into `out_dir`; returns its path."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / template_filename(playbook, lang)
    data = template_bytes(playbook, lang)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path


def build_all(out_dir: str | Path, langs: tuple[str, ...] = ("zh",),
              playbooks: tuple[str, ...] = PLAYBOOKS) -> list[Path]:
    return [build_template(pb, lang, out_dir) for lang in langs for pb in playbooks]
