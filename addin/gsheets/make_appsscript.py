"""Generate `addin/gsheets/Code.gs`: the cell functions for Google Sheets (Apps Script).

The script is `interpreter.js` (a small generic interpreter mirroring udfs/cadence.py,
udfs/engine.py and udfs/closing.py) plus the data it interprets, the step-closing rule's included, serialised as JSON: every built-in playbook, the
flag and outcome vocabularies, the call windows and China's working-day calendar (the official
schedules of udfs/official_calendar.toml, else the statutory days of the `holidays` package,
marked unofficial: CALENDAR_NOTE says so in a cell). The rules stay data.

    python -m followup.addin.gsheets.make_appsscript          # rewrite Code.gs
    python -m followup.addin.gsheets.make_appsscript --check  # exit 1 when Code.gs is stale
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
CODE_GS = HERE / "Code.gs"
INTERPRETER = HERE / "interpreter.js"
CELLS_JS = HERE / "cells.js"  # error texts, REPORT_NAME/DEADLINE, IS_SUCCESS, QUOTA_CHECK, FOLLOWUP_ERROR
CRM_JS = HERE / "crm.js"  # FAQ_LOOKUP, CUSTOMER_HISTORY (udfs/crm.py)
PRIVACY_JS = HERE / "privacy.js"  # fuMaskPhones_ (udfs/privacy.py mask_phones_in_text)
CALENDAR_YEARS = range(2020, 2036)

__all__ = ["build_data", "build_phone_data", "render", "main", "CODE_GS"]


def _playbook_data(pb) -> dict:
    def off(o):
        return None if o is None else {"days": o.days, "months": o.months}

    classes = {}
    for code, c in pb.classes.items():
        steps = [
            {
                "offset": off(s.offset),
                "base": s.base,
                "series": (
                    {"days_of_month": list(s.series.days_of_month), "count": s.series.count} if s.series else None
                ),
                "dom_index": s.dom_index,
                "channel": s.channel,
                "purpose": s.purpose,
                "owner": s.owner,
                "open_from": off(s.open_from),
                "open_before_days": s.open_before_days,
                "from_step": s.from_step,
            }
            for s in c.steps
        ]
        r = c.repeat
        classes[code] = {
            "title": c.title,
            "title_en": c.title_en,
            "aliases": list(c.aliases),
            "owner": c.owner,
            "sorted": c.sorted_steps,
            "steps": steps,
            "repeat": None
            if r is None
            else {
                "every": off(r.every),
                "start": off(r.start),
                "base": r.base,
                "count": r.count,
                "channel": r.channel,
                "purpose": r.purpose,
                "owner": r.owner,
            },
            "on_complete": {"to": c.on_complete.to} if c.on_complete else None,
            "routes": [[k, v] for k, v in c.routes.items()],
            "table": {  # FOLLOWUP_TABLE (automatic mode) only
                "anchor": c.anchor,
                "cancel_when": list(c.cancel_when),
                "keep_anchor": bool(c.on_complete and c.on_complete.anchor == "same"),
                "events": [
                    {
                        "on": e.on,
                        "unless": list(e.unless),
                        "instead_of_step": e.instead_of_step,
                        "channel": e.channel,
                        "purpose": e.purpose,
                        "owner": e.owner,
                    }
                    for e in c.events
                ],
            },
        }
    return {
        "name": pb.name,
        "title": pb.title,
        "max_attempts": pb.max_attempts,
        "retry_after_days": pb.retry_after_days,
        "urgent_flags": list(pb.urgent_flags),
        "urgent_purpose": pb.urgent_purpose,
        "dnc_sms_months": pb.dnc_sms_months,
        "unreachable_sms": pb.unreachable_sms,
        "sms_flags": list(pb.sms_flags),
        "classes": classes,
        "max_calls_per_month": pb.max_calls_per_month,
        "table": _table_data(pb),
        "routing": None
        if pb.routing is None
        else {
            "class": pb.routing.cls,
            "max_purchased": pb.routing.max_purchased,
            "max_daily_reception": pb.routing.max_daily_reception,
            "to": pb.routing.to,
        },
    }


def _table_data(pb) -> dict:
    """What FOLLOWUP_TABLE needs of a playbook beyond the row functions: the class derivation
    (udfs/table/prep.py) and the fact columns it reads."""
    facts = {r.when for r in pb.derive} | {f for r in pb.derive for f in r.later_than}
    facts |= {c.anchor for c in pb.classes.values()} | {f for c in pb.classes.values() for f in c.cancel_when}
    facts |= {f for c in pb.classes.values() for e in c.events for f in (e.on, *e.unless)}
    if pb.routing is not None:
        facts |= {"purchase_date", "visit_date"}
    return {
        "open_before_days": pb.open_before_days,
        "default_class": pb.default_class,
        "facts": sorted(facts),
        "counts": sorted({r.count for r in pb.derive if r.count}),
        "derive": [
            {
                "cls": r.cls,
                "when": r.when,
                "later_than": list(r.later_than),
                "count": r.count,
                "count_min": r.count_min,
                "fallback": r.fallback,
                "warning": r.warning,
            }
            for r in pb.derive
        ],
    }


def build_table_data() -> dict:
    """FOLLOWUP_TABLE's vocabulary: column names and aliases, headers, statuses, purposes."""
    from followup.udfs.schema import (
        CALL_COLUMNS,
        COMPUTED_COLUMNS,
        COUNT_COLUMNS,
        CUSTOMER_COLUMNS,
        EXTRA_ALIASES,
        FACT_COLUMNS,
        PURPOSES,
        STATUSES,
    )
    from followup.udfs.table.rows import ERROR_STATUS

    return {
        "columns": {"customers": {**CUSTOMER_COLUMNS, **FACT_COLUMNS, **COUNT_COLUMNS}, "calls": CALL_COLUMNS},
        "aliases": dict(EXTRA_ALIASES),
        "headers": {**CUSTOMER_COLUMNS, **FACT_COLUMNS, **COUNT_COLUMNS, **CALL_COLUMNS, **COMPUTED_COLUMNS},
        "statuses": {code: zh for zh, code in STATUSES.items()},
        "purposes": {k: PURPOSES[k] for k in ("do_not_call", "finished", "cancelled", "transition", "missing_anchor")},
        "error_status": ERROR_STATUS,
    }


def calendar_data() -> dict:
    """The working-day calendar of CALENDAR_YEARS as udfs/workcalendar.py has it: the official
    schedules (udfs/official_calendar.toml), else the statutory fallback; which years are official
    (with the notice) — SPEC §3.7."""
    from followup.udfs.workcalendar import calendar_scope, year_calendar

    off_days: list[str] = []
    on_days: list[str] = []
    official: dict[str, str] = {}
    with calendar_scope():  # the export's fallback years are no warning of this process
        for year in CALENDAR_YEARS:
            cal = year_calendar(year)
            if cal.official:
                official[str(year)] = cal.source
            off_days += sorted(d.isoformat() for d in cal.days_off if d.weekday() < 5)
            on_days += sorted(d.isoformat() for d in cal.workdays)
    return {
        "years": [CALENDAR_YEARS[0], CALENDAR_YEARS[-1]],
        "off": off_days,
        "on": on_days,
        "official": official,
    }


def build_data() -> dict:
    from followup.udfs import excel
    from followup.udfs.calendar import MONTHLY_DEADLINE, REPORT_KINDS, WEEKLY_DEADLINE
    from followup.udfs.callwindow import WINDOWS
    from followup.udfs.closing import CLOSING
    from followup.udfs.engine import MAX_COUNT
    from followup.udfs.messages import BAD_ARGUMENT, BAD_ARGUMENT_EN, MESSAGES
    from followup.udfs.playbook import builtin_playbooks, get_playbook
    from followup.udfs.quotas import WEEK_STATUS, WEEKDAYS_ZH, default_quotas
    from followup.udfs.quotas.check import HEADER as QUOTA_HEADER
    from followup.udfs.quotas.targets import CN_DIGITS, NO, REASONS, YES
    from followup.udfs.schema import FLAGS, OUTCOMES, PURPOSES, SUCCESS_OUTCOMES

    quotas = default_quotas()
    return {
        "playbooks": {name: _playbook_data(get_playbook(name)) for name in builtin_playbooks()},
        "purposes": {"sms_first": PURPOSES["sms_first"], "cap": PURPOSES["cap"]},
        "closing": {kind: list(outcomes) for kind, outcomes in CLOSING.items()},
        "table": build_table_data(),
        "flags": {k.lower(): v for k, v in FLAGS.items()},
        "outcomes": {k.lower(): v for k, v in OUTCOMES.items()},
        "windows": {kind: [f"{a:%H:%M}-{b:%H:%M}" for a, b in spans] for kind, spans in WINDOWS.items()},
        "calendar": calendar_data(),
        "messages": MESSAGES,
        "bad_argument": {"zh": BAD_ARGUMENT, "en": BAD_ARGUMENT_EN},
        "max_count": MAX_COUNT,
        "functions": sorted(excel.CELL_FUNCTIONS),
        "arity": {name: fn.__code__.co_argcount for name, fn in sorted(excel.CELL_FUNCTIONS.items())},
        "quotas": {
            "groups": {k: {"weekly": list(g.weekly), "daily": g.daily} for k, g in quotas.groups.items()},
            "evenness_max_share": quotas.evenness_max_share,
            "success": sorted(SUCCESS_OUTCOMES),
            "yes": sorted(YES),
            "no": sorted(NO),
            "cn_digits": CN_DIGITS,
            "weekdays": list(WEEKDAYS_ZH),
            "status": WEEK_STATUS,
            "reasons": REASONS,
            "header": list(QUOTA_HEADER),
        },
        "reports": {
            "kinds": {code: list(spec["aliases"]) for code, spec in REPORT_KINDS.items()},
            "names": {code: spec["name"] for code, spec in REPORT_KINDS.items()},
            "zone_text": "{when} (Asia/Shanghai)",
            "weekly_at": f"{WEEKLY_DEADLINE:%H:%M}",
            "monthly_day": MONTHLY_DEADLINE[0],
            "monthly_at": f"{MONTHLY_DEADLINE[1]:%H:%M}",
            "utc_offset_minutes": 480,
        },
    }


def build_crm_data() -> dict:
    """What crm.js needs of udfs/crm.py and udfs/schema.py: column names and vocabularies."""
    from followup.udfs import crm
    from followup.udfs.schema import (
        CALL_COLUMNS,
        CHANNELS,
        CUSTOMER_COLUMNS,
        EXTRA_ALIASES,
        FACT_COLUMNS,
        GIFT_COLUMNS,
        KINDS,
        OUTCOMES,
    )

    def zh(table):
        return {v.lower(): k for k, v in table.items()}

    columns = {
        "customers": {**CUSTOMER_COLUMNS, **FACT_COLUMNS},
        "calls": CALL_COLUMNS,
        "gifts": GIFT_COLUMNS,
        "complaints": crm.COMPLAINT_COLUMNS,
        "faq": crm.FAQ_COLUMNS,
    }
    return {
        "columns": columns,
        "headers": {what: list(cols.values()) for what, cols in columns.items()},  # in the sheet's order
        "kinds": zh(KINDS),
        "channels": zh(CHANNELS),
        "outcomes": zh(OUTCOMES),
        "statuses": zh(crm.COMPLAINT_STATUSES),
        "filler": list(crm._FILLER),
        "fact_events": [list(e) for e in crm._FACT_EVENTS],
        "history_header": list(crm.HISTORY_COLUMNS.values()),
        "aliases": dict(sorted(EXTRA_ALIASES.items())),
    }


def build_phone_data() -> dict:
    """udfs/privacy.py's phone rule as data for privacy.js: the folding table as runs
    [first, last, first folded code, step], the two regular expressions and the digit minimum."""
    from followup.udfs.privacy import DIGEST_PATTERN, MIN_DIGITS, PHONE_PATTERN, fold_table

    runs: list[list[int]] = []
    for c, out in sorted({0: "\x00", **fold_table()}.items()):
        o = ord(out)
        if runs and c == runs[-1][1] + 1:
            run = runs[-1]
            if run[0] == run[1] and o - run[2] in (0, 1):  # a run of one: the second sets the step
                run[1], run[3] = c, o - run[2]
                continue
            if o == run[2] + run[3] * (c - run[0]):
                run[1] = c
                continue
        runs.append([c, c, o, 0])
    return {"fold": runs, "pattern": PHONE_PATTERN, "digest": DIGEST_PATTERN, "min_digits": MIN_DIGITS}


def render() -> str:
    data = json.dumps(build_data(), ensure_ascii=False, sort_keys=True, indent=1)
    return (
        "// Generated by `python -m followup.addin.gsheets.make_appsscript` from the playbooks: do not edit.\n"
        "// Paste into Extensions → Apps Script (Code.gs), save, then use =NEXT_FOLLOWUP(...) in the sheet.\n"
        "// FOLLOWUP_DATA.closing (+ each playbook's max_attempts): the step-closing rule, exported from\n"
        "// followup/udfs/closing.py (CLOSING); fuLogEntry_/fuStepsClosed_/fuRetryDue_ apply it as log_entry,\n"
        "// steps_closed and retry_due do there.\n\n"
        f"var FOLLOWUP_DATA = {data};\n\n"
        + INTERPRETER.read_text(encoding="utf-8")
        + CELLS_JS.read_text(encoding="utf-8")
        + "\nvar FOLLOWUP_CRM = "
        + json.dumps(build_crm_data(), ensure_ascii=False, sort_keys=True, indent=1)
        + ";\n"
        + CRM_JS.read_text(encoding="utf-8")
        + "\nvar FOLLOWUP_PHONE = "
        + json.dumps(build_phone_data(), ensure_ascii=True, sort_keys=True)
        + ";\n"
        + PRIVACY_JS.read_text(encoding="utf-8")
    )


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    text = render()
    if "--check" in argv:
        current = CODE_GS.read_text(encoding="utf-8") if CODE_GS.exists() else ""
        if current != text:
            print(f"{CODE_GS.name} 已过期,请重新生成 (is stale: run python -m followup.addin.gsheets.make_appsscript)")
            return 1
        return 0
    CODE_GS.write_text(text, encoding="utf-8")
    print(f"wrote {CODE_GS}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
