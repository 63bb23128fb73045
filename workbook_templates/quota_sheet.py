"""The 配额 sheet: this week's successful callbacks against the store group's targets, in
native Excel formulas (COUNTIFS over the call log), with its chart."""

from __future__ import annotations

from xlsxwriter.utility import quote_sheetname

from followup.udfs.quotas import WEEK_STATUS, WEEKDAYS_ZH
from followup.udfs.schema import OUTCOMES

from . import values
from .layout import NAMES, TABLES
from .texts import WEEK_STATUS_EN, WEEKDAYS_EN
from .writer import WriterBase, cached

__all__ = ["QuotaSheet"]


class QuotaSheet(WriterBase):
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
        ws.write_formula(1, 1, f"={NAMES['today']}", self.f_date, cached(self.today))
        ws.write_string(2, 0, L["week_start"], self.f_label)
        ws.write_formula(2, 1, "=B2-WEEKDAY(B2,3)", self.f_date, cached(result.week_start))
        self.cells[NAMES["week_start"]] = f"{sheet}!$B$3"
        ws.write_string(1, 3, L["group"], self.f_label)
        ws.write_formula(1, 4, f'={NAMES["group"]}&""', self.f_text, str(self.settings["store_group"]))
        # per-day rows (same columns as udfs.quotas.QuotaResult.to_rows)
        for j, h in enumerate(L["day_cols"]):
            ws.write_string(4, j, h, self.f_label)
        yes, no = L["yes"], L["no"]
        success_words = [w for w, c in OUTCOMES.items() if c == "success"] + ["success"]
        names = WEEKDAYS_ZH if self.lang == "zh" else WEEKDAYS_EN
        for i, d in enumerate(result.days):
            r = 5 + i
            a = f"A{r + 1}"
            ws.write_formula(r, 0, f"={NAMES['week_start']}+{i}", self.f_date, cached(d.date))
            ws.write_string(r, 1, names[i])
            ws.write_formula(
                r,
                2,
                f'=IF((WEEKDAY({a},2)<=5)<>(COUNTIF({TABLES["calendar"]}[{L["cal"][0]}],{a})>0),"{yes}","{no}")',
                None,
                yes if d.working else no,
            )
            count = "+".join(
                f'COUNTIFS({calls_t}[{outcome_h}],"{w}",{calls_t}[{time_h}],">="&{a},{calls_t}[{time_h}],"<"&({a}+1))'
                for w in success_words
            )
            ws.write_formula(r, 3, f"={count}", self.f_int, d.successes)
            ws.write_formula(r, 4, f'=IF(C{r + 1}="{yes}",$H$16,"")', self.f_int, d.target if d.working else "")
            met = (yes if d.successes >= d.target else no) if d.working else ""
            ws.write_formula(r, 5, f'=IF(C{r + 1}="{yes}",IF(D{r + 1}>=E{r + 1},"{yes}","{no}"),"")', None, met)
        lo, hi = result.weekly_target
        status = WEEK_STATUS if self.lang == "zh" else WEEK_STATUS_EN
        ws.write_string(12, 0, L["total"], self.f_label)
        ws.write_formula(12, 3, "=SUM(D6:D12)", self.f_int, result.total)
        # the weekly band is labelled and centred: beside the total it must not read as one number
        ws.write_formula(
            12, 4, f'="{L["band"]}"&$H$17&"-"&$H$18', self.wb.add_format({"align": "center"}), f"{L['band']}{lo}-{hi}"
        )
        ws.write_formula(
            12,
            5,
            f'=IF(D13<$H$17,"{status["below"]}",IF(D13>$H$18,"{status["above"]}","{status["within"]}"))',
            None,
            status[result.status],
        )
        ws.write_string(13, 0, L["even"], self.f_label)
        ws.write_formula(
            13,
            5,
            f'=IF(AND($H$20=0,$H$21<=$H$19+0.000000001),"{L["even"]}","{L["uneven"]}")',
            None,
            L["even"] if result.even else L["uneven"],
        )
        # the working (visible, documented): targets and evenness inputs
        n_work = sum(d.working for d in result.days)
        share = max(q.evenness_max_share, 1 / n_work if n_work else 1.0)
        idle = (
            sum(1 for d in result.days if d.working and d.successes == 0) if result.total >= result.daily_target else 0
        )
        top = max(d.successes for d in result.days) / result.total if result.total else 0
        g = f'MATCH({NAMES["group"]}&"",{TABLES["quota"]}[{L["targets"][0]}],0)'
        helper = [
            (L["n_work"], f'=COUNTIF(C6:C12,"{yes}")', n_work, self.f_int),
            (L["daily"], f"=INDEX({TABLES['quota']}[{L['targets'][1]}],{g})", result.daily_target, self.f_int),
            (L["lo"], f"=INT(INDEX({TABLES['quota']}[{L['targets'][2]}],{g})*MIN(H15,5)/5+0.5)", lo, self.f_int),
            (L["hi"], f"=INT(INDEX({TABLES['quota']}[{L['targets'][3]}],{g})*MIN(H15,5)/5+0.5)", hi, self.f_int),
            (L["share"], "=MAX($H$11,IF(H15>0,1/H15,1))", share, self.f_pct),
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
        ws.add_table(
            4,
            6,
            4 + len(rows),
            9,
            {
                "name": TABLES["quota"],
                "style": "Table Style Light 9",
                "autofilter": False,
                "columns": [
                    {"header": t[0], "format": self.f_text},
                    {"header": t[1]},
                    {"header": t[2]},
                    {"header": t[3]},
                ],
                "data": [[r["g"], r["d"], r["lo"], r["hi"]] for r in rows],
            },
        )
        ws.write_string(10, 6, L["evenness_max"], self.f_label)
        ws.write_number(10, 7, q.evenness_max_share, self.f_pct)
        # highlighting and a chart
        ws.conditional_format(
            5, 5, 11, 5, {"type": "cell", "criteria": "==", "value": f'"{no}"', "format": self.cf_red}
        )
        ws.conditional_format(
            5, 5, 11, 5, {"type": "cell", "criteria": "==", "value": f'"{yes}"', "format": self.cf_good}
        )
        ws.conditional_format(
            12,
            5,
            13,
            5,
            {
                "type": "formula",
                "criteria": f'=OR($F13="{status["below"]}",$F13="{L["uneven"]}")',
                "format": self.cf_red,
            },
        )
        ws.conditional_format(
            12,
            5,
            13,
            5,
            {
                "type": "formula",
                "criteria": f'=OR($F13="{status["within"]}",$F13="{L["even"]}")',
                "format": self.cf_good,
            },
        )
        name = lay.sheet("quota")
        chart = self.wb.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": L["chart_s1"],
                "categories": [name, 5, 1, 11, 1],
                "values": [name, 5, 3, 11, 3],
                "fill": {"color": "#5B9BD5"},
                "data_labels": {"value": True},
            }
        )
        line = self.wb.add_chart({"type": "line"})
        line.add_series(
            {
                "name": L["chart_s2"],
                "categories": [name, 5, 1, 11, 1],
                "values": [name, 5, 4, 11, 4],
                "line": {"color": "#C00000", "dash_type": "dash"},
                "marker": {"type": "none"},
            }
        )
        chart.combine(line)
        chart.set_title({"name": L["chart"], "name_font": {"size": 11}})
        chart.set_legend({"position": "bottom"})
        chart.set_y_axis({"min": 0, "major_gridlines": {"visible": True, "line": {"color": "#E0E0E0"}}})
        chart.set_size({"width": 520, "height": 260})
        ws.insert_chart(22, 0, chart)
        ws.set_column(0, 0, 12)
        ws.set_column(1, 3, 10)
        ws.set_column(4, 4, 15)  # 周目标 250-300
        ws.set_column(5, 5, 10)
        ws.set_column(6, 6, 16)
        ws.set_column(7, 10, 10)
        self.quota_result = result
