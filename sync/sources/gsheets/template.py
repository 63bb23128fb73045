"""`followup gsheets init`: the workbook layout of SPEC §4.2 as a Google Sheet.

Three requests: spreadsheets.create (tabs, frozen header rows) — or, with a folder, Drive
files.create in that folder and the tabs made by the batchUpdate —, values:batchUpdate (headers
and settings, RAW), spreadsheets.batchUpdate (the lookup formula of the computed columns in
客户's header, dropdowns, date formats, conditional formatting of 下次回访, warning-only
protection of the computed columns and of the sync's 跟进计划 tab, the last tab); then one Drive
permissions.create per person it is shared with. Every answer is validated (answers.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gspread
from gspread.urls import SPREADSHEETS_API_V4_BASE_URL
from xlsxwriter.utility import xl_col_to_name

from followup.udfs.playbook import get_playbook
from followup.udfs.schema import (
    CALL_COLUMNS,
    CHANNELS,
    COMPUTED_COLUMNS,
    CUSTOMER_COLUMNS,
    FLAGS,
    GIFT_COLUMNS,
    KINDS,
    OUTCOMES,
    SHEETS,
)

from .answers import BatchUpdate, Created, ValuesUpdate, checked
from .cells import a1
from .drive import create_in_folder, share
from .errors import GSheetsRequestError
from .http import json_of
from .plan import PLAN_HEADERS, PLAN_TAB, lookup_formula

__all__ = ["create_template", "layout"]

DATE_FORMAT = {"type": "DATE", "pattern": "yyyy-mm-dd"}
TIME_FORMAT = {"type": "DATE_TIME", "pattern": "yyyy-mm-dd hh:mm"}


def layout(playbook: str = "optometry") -> dict[str, list[list[Any]]]:
    """Tab → its first rows (headers; key/value rows for 设置)."""
    pb = get_playbook(playbook)
    return {
        SHEETS["customers"]: [list(CUSTOMER_COLUMNS.values()) + list(COMPUTED_COLUMNS.values())],  # as shown
        SHEETS["calls"]: [list(CALL_COLUMNS.values())],
        SHEETS["gifts"]: [list(GIFT_COLUMNS.values())],
        SHEETS["quota"]: [["门店", "周", "成功回访", "目标", "是否均衡"]],
        SHEETS["settings"]: [
            ["设置项", "值"],
            ["门店", ""],
            ["门店组别", "1"],
            ["回访方案", pb.name],
            ["时区", "Asia/Shanghai"],
        ],
        PLAN_TAB: [list(PLAN_HEADERS)],
    }


def _customer_header() -> list[str]:
    """客户's header row as written (RAW): the customer columns; the computed ones come from the
    lookup formula placed in the next cell by the batchUpdate."""
    return list(CUSTOMER_COLUMNS.values())


def _range(sheet_id: int, col: int, rows: int = 5000) -> dict:
    return {
        "sheetId": sheet_id,
        "startRowIndex": 1,
        "endRowIndex": rows,
        "startColumnIndex": col,
        "endColumnIndex": col + 1,
    }


def _list_rule(sheet_id: int, col: int, values: list[str], strict: bool = True) -> dict:
    return {
        "setDataValidation": {
            "range": _range(sheet_id, col),
            "rule": {
                "condition": {"type": "ONE_OF_LIST", "values": [{"userEnteredValue": v} for v in values]},
                "showCustomUi": True,
                "strict": strict,
            },
        }
    }


def _format(sheet_id: int, col: int, fmt: dict) -> dict:
    return {
        "repeatCell": {
            "range": _range(sheet_id, col),
            "cell": {"userEnteredFormat": {"numberFormat": fmt}},
            "fields": "userEnteredFormat.numberFormat",
        }
    }


def format_requests(ids: dict[str, int], playbook: str = "optometry") -> list[dict]:
    pb = get_playbook(playbook)
    cust, calls, gifts = ids[SHEETS["customers"]], ids[SHEETS["calls"]], ids[SHEETS["gifts"]]
    ccols = list(CUSTOMER_COLUMNS) + list(COMPUTED_COLUMNS)
    kcols = list(CALL_COLUMNS)
    reqs: list[dict] = []
    classes = [c.title for c in pb.classes.values()] + list(pb.classes)
    if classes:
        reqs.append(_list_rule(cust, ccols.index("class"), classes))
    reqs.append(_list_rule(cust, ccols.index("flags"), list(FLAGS), strict=False))  # several flags: a hint
    reqs.append(_list_rule(calls, kcols.index("outcome"), list(OUTCOMES)))
    reqs.append(_list_rule(calls, kcols.index("channel"), [c for c in CHANNELS if c != "到店"]))
    reqs.append(_list_rule(calls, kcols.index("kind"), list(KINDS)))
    reqs.append(_list_rule(calls, kcols.index("escalate"), ["是", "否"]))
    for key in (
        "consult_date",
        "visit_date",
        "appointment_date",
        "purchase_date",
        "birthday",
        "anchor_date",
        "next_date",
    ):
        reqs.append(_format(cust, ccols.index(key), DATE_FORMAT))
    reqs.append(_format(calls, kcols.index("call_time"), TIME_FORMAT))
    reqs.append(_format(gifts, list(GIFT_COLUMNS).index("given_date"), DATE_FORMAT))
    nxt = xl_col_to_name(ccols.index("next_date"))
    target = [_range(cust, 0) | {"endColumnIndex": len(ccols)}]
    for i, (formula, color) in enumerate(
        (
            (f'=AND(${nxt}2<>"",${nxt}2<TODAY())', {"red": 0.98, "green": 0.8, "blue": 0.8}),
            (f"=${nxt}2=TODAY()", {"red": 1.0, "green": 0.93, "blue": 0.7}),
        )
    ):
        reqs.append(
            {
                "addConditionalFormatRule": {
                    "index": i,
                    "rule": {
                        "ranges": target,
                        "booleanRule": {
                            "condition": {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]},
                            "format": {"backgroundColor": color},
                        },
                    },
                }
            }
        )
    first = len(CUSTOMER_COLUMNS)
    reqs.append(
        {
            "addProtectedRange": {
                "protectedRange": {
                    "range": {
                        "sheetId": cust,
                        "startColumnIndex": first,
                        "endColumnIndex": first + len(COMPUTED_COLUMNS),
                    },
                    "description": "计算列:由同步写入,请勿手改 (computed by the sync: do not edit)",
                    "warningOnly": True,
                }
            }
        }
    )
    reqs.append(
        {
            "updateCells": {
                "start": {"sheetId": cust, "rowIndex": 0, "columnIndex": first},
                "rows": [
                    {"values": [{"userEnteredValue": {"formulaValue": lookup_formula(ccols.index("customer_id"), 0)}}]}
                ],
                "fields": "userEnteredValue",
            }
        }
    )
    plan = ids[PLAN_TAB]
    reqs.append(
        {
            "addProtectedRange": {
                "protectedRange": {
                    "range": {"sheetId": plan},
                    "description": "同步写入的跟进计划,请勿手改 (written by the sync: do not edit)",
                    "warningOnly": True,
                }
            }
        }
    )
    for key in ("anchor_date", "next_date"):
        reqs.append(_format(plan, 1 + list(COMPUTED_COLUMNS).index(key), DATE_FORMAT))
    for sid in ids.values():
        reqs.append(
            {
                "repeatCell": {
                    "range": {"sheetId": sid, "startRowIndex": 0, "endRowIndex": 1},
                    "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                    "fields": "userEnteredFormat.textFormat.bold",
                }
            }
        )
    return reqs


def create_template(
    client: gspread.Client,
    title: str,
    playbook: str = "optometry",
    *,
    folder: str | None = None,
    share_with: Sequence[str] = (),
    role: str = "writer",
    notify: bool = True,
) -> dict:
    """Create the spreadsheet; returns {"id", "url", "requests", "shared"}.

    Without `folder`: spreadsheets.create (in the caller's My Drive: an OAuth user's, since a
    service account has no storage there). With `folder`: Drive files.create inside it (a shared
    drive folder for a service account), then one batchUpdate turns its one tab into the layout.
    Either way three requests, plus one permissions.create per e-mail in `share_with`.
    """
    http: Any = client.http_client  # our FollowupHTTPClient (client.py)
    http.where = title
    tabs = layout(playbook)
    if folder is None:
        body = {
            "properties": {"title": title, "locale": "zh_CN", "timeZone": "Asia/Shanghai"},
            "sheets": [
                {"properties": {"title": t, "index": i, "gridProperties": {"frozenRowCount": 1}}}
                for i, t in enumerate(tabs)
            ],
        }
        meta = checked(Created, json_of(http.request("post", SPREADSHEETS_API_V4_BASE_URL, json=body), title), title)
        key = meta.spreadsheetId
        ids = {s.properties.title: s.properties.sheetId for s in meta.sheets}
        missing = [t for t in tabs if t not in ids]
        if missing:
            raise GSheetsRequestError(
                f"Google 新建的表格缺少工作表 {'、'.join(missing)} (the new spreadsheet lacks the tabs {', '.join(missing)})",
                where=title,
            )
        setup: list[dict] = []
    else:
        key = create_in_folder(http, folder, title)
        ids = {t: i for i, t in enumerate(tabs)}  # a new Google Sheet's one tab has sheetId 0
        setup = _tab_requests(ids)
    rows_of = {**tabs, SHEETS["customers"]: [_customer_header()]}
    values = {
        "valueInputOption": "RAW",
        "data": [{"range": a1(t, "A1"), "values": rows} for t, rows in rows_of.items()],
    }

    def post(url: str, body: dict, model):
        return checked(model, json_of(http.request("post", url, json=body), title), title)

    batch = f"{SPREADSHEETS_API_V4_BASE_URL}/{key}:batchUpdate"
    if folder is not None:  # tabs first: the values go into them
        post(batch, {"requests": setup + format_requests(ids, playbook)}, BatchUpdate)
    post(f"{SPREADSHEETS_API_V4_BASE_URL}/{key}/values:batchUpdate", values, ValuesUpdate)
    if folder is None:
        post(batch, {"requests": format_requests(ids, playbook)}, BatchUpdate)
    shared = share(http, key, share_with, role, notify) if share_with else []
    return {
        "id": key,
        "url": f"https://docs.google.com/spreadsheets/d/{key}/edit",
        "requests": 3 + len(shared),
        "shared": list(share_with),
    }


def _tab_requests(ids: dict[str, int]) -> list[dict]:
    """Locale and time zone, the first tab renamed, the others added: every tab with a frozen header."""
    reqs: list[dict] = [
        {
            "updateSpreadsheetProperties": {
                "properties": {"locale": "zh_CN", "timeZone": "Asia/Shanghai"},
                "fields": "locale,timeZone",
            }
        }
    ]
    for i, (title, sid) in enumerate(ids.items()):
        props = {"sheetId": sid, "title": title, "index": i, "gridProperties": {"frozenRowCount": 1}}
        if sid == 0:
            reqs.append(
                {"updateSheetProperties": {"properties": props, "fields": "title,index,gridProperties.frozenRowCount"}}
            )
        else:
            reqs.append({"addSheet": {"properties": props}})
    return reqs
