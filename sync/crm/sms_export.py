"""`followup sms export`: the day's SMS tasks as batch files for an SMS gateway (seed 001 「短信群发」).

The tasks are those of `followup today` (`sync/today.py`: thanks, reminders, birthdays, holiday
greetings, the playbook's SMS steps such as the 611 plan); holiday greetings, one line per agent
there, become one message per customer here. Each message gets a template of the playbook's
`[sms]` data (`udfs/sms.py`) and the store's signature: `[[stores]] sms_signature` in the config,
else a 短信签名 row in the workbook's 设置 sheet, else the store's name.

Left out and counted, with the reason: do-not-call customers the playbook allows no SMS (or whose
allowance has run out), invalid or non-mobile numbers (`phonenumbers`, region CN) and numbers
marked 空号, customers already messaged that day (an SMS row in 回访记录 on that day), and a second
message to the same customer that day.

Files, per sending account (signature) `S`, in the output folder (names made by
`followup.sync.filenames.data_names`: two signatures never share a file):
- `短信群发_<date>_<S>.csv` (UTF-8 with BOM, opens in Excel) — one row per message with the columns
  PhoneNumber, SignName, TemplateCode, TemplateParam (a JSON object: name, store, date[, holiday]),
  then customer_id, name, store, date, purpose for reading; every cell neutralised against formula
  injection and the phone in the gateway's digits-only form (`followup.sync.csv_safe`);
- `短信群发_<date>_<S>.json` — the same as ready SendBatchSms requests (Aliyun's shape: one template
  per request, at most 100 numbers, PhoneNumberJson / SignNameJson / TemplateParamJson as JSON
  text, TemplateCode);
- `短信群发_<date>_审核.xlsx` — for review: the messages as they will read (phones masked), the
  exclusions with reasons, and the counts.
These are the only files besides the workbooks' phone columns that hold full numbers: they are
written with mode 0600 (owner read/write only).
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from followup.sync.csv_safe import csv_bytes, gateway_phone
from followup.sync.filenames import data_names
from followup.sync.reports.xlsx_out import atomic_write_bytes
from followup.udfs.playbook import get_playbook
from followup.udfs.privacy import mask_phone
from followup.udfs.schema import flag_codes
from followup.udfs.sms import pick_template, render_text

if TYPE_CHECKING:
    from followup.sync.config import Config

__all__ = ["SmsExport", "plan_sms", "export_sms", "CSV_COLUMNS", "REASONS", "valid_mobile", "write_private"]

CSV_COLUMNS = [
    "PhoneNumber",
    "SignName",
    "TemplateCode",
    "TemplateParam",
    "customer_id",
    "name",
    "store",
    "date",
    "purpose",
]
REASONS = {
    "dnc": "拒访且回访方案不允许短信 (do-not-call, no SMS allowance)",
    "invalid": "号码无效或不是手机号 (invalid or not a mobile number)",
    "sent": "当天已发过短信 (already messaged that day)",
    "duplicate": "同一客户当天已有另一条短信 (another message to this customer that day)",
    "template": "回访方案没有可用的短信模板 (the playbook has no SMS template)",
}
BATCH_LIMIT = 100  # SendBatchSms: at most 100 numbers per request


def valid_mobile(phone: object) -> bool:
    """A Chinese (or +country) mobile number that `phonenumbers` holds valid."""
    import phonenumbers

    text = "" if phone is None else str(phone).strip()
    if not text:
        return False
    try:
        num = phonenumbers.parse(text, "CN")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(num) and phonenumbers.number_type(num) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


@dataclass
class SmsExport:
    day: dt.date
    queued: pd.DataFrame = field(default_factory=pd.DataFrame)  # full phones: only for the batch files
    excluded: pd.DataFrame = field(default_factory=pd.DataFrame)  # phones masked
    files: list[Path] = field(default_factory=list)
    review: Path | None = None

    def counts(self) -> dict[str, int]:
        out = {"queued": len(self.queued)}
        for key in REASONS:
            out[key] = int((self.excluded["reason_code"] == key).sum()) if len(self.excluded) else 0
        return out


def _signature(store, config: Config | None) -> str:
    cfg = config.store(store.name) if config is not None else None
    sign = (
        (cfg.sms_signature if cfg is not None else None)
        or (store.settings or {}).get("短信签名")
        or (store.settings or {}).get("sms_signature")
    )
    return str(sign or store.name).strip()


def _sms_today(calls: pd.DataFrame, day: dt.date) -> set[str]:
    if calls is None or calls.empty or "channel" not in calls.columns:
        return set()
    t = pd.to_datetime(calls["call_time"], errors="coerce")
    hit = (calls["channel"] == "sms") & (t.dt.normalize() == pd.Timestamp(day))
    return set(calls.loc[hit.fillna(False), "customer_id"].astype(str))


def _refused_on(calls: pd.DataFrame) -> dict[Any, pd.Timestamp]:
    if calls is None or calls.empty or "outcome" not in calls.columns:
        return {}
    r = calls[calls["outcome"] == "refused"]
    return pd.to_datetime(r["call_time"], errors="coerce").groupby(r["customer_id"].astype(str)).max().to_dict()


def _date_text(day: dt.date) -> str:
    return f"{day.month}月{day.day}日"


def plan_sms(stores, tables: dict[str, pd.DataFrame], day: dt.date, config: Config | None = None) -> SmsExport:
    """Which messages go out on `day` and which are left out (see the module docstring)."""
    from followup.sync.today import day_list
    from followup.udfs.workcalendar import greeting

    tasks = day_list(stores, tables, day, keep_dnc_sms=True)  # 拒访 ones are listed as excluded
    tasks = tasks[tasks["task"] == "短信"]
    holiday = greeting(day) or ""  # the festival of today's greeting (SPEC §3.7)
    queued, excluded = [], []
    for s in stores:
        cust = s.customers.reset_index(drop=True)
        if cust.empty:
            continue
        mine = tasks[tasks["store"] == s.name]
        if mine.empty:
            continue
        pb = get_playbook(s.playbook)
        t = tables.get(s.name)
        dnc = t["dnc"].to_numpy() if t is not None and "dnc" in t.columns else [False] * len(cust)
        status = t["status_code"].to_numpy() if t is not None and "status_code" in t.columns else [""] * len(cust)
        info: dict[str, Any] = {}
        for i, row in enumerate(cust.to_dict("records")):
            info.setdefault(str(row["customer_id"]), (row, bool(dnc[i]), status[i]))
        owners = cust.get("owner", pd.Series("", index=cust.index)).fillna("").astype(str)
        sent = _sms_today(s.calls, day)
        refused = _refused_on(s.calls)
        sign = _signature(s, config)
        seen: set[str] = set()
        rows = []
        for task in mine.to_dict("records"):
            if task["customer_id"]:
                rows.append((str(task["customer_id"]), task["purpose"]))
            else:  # one holiday line per agent → one message per customer of that agent
                for cid in cust.loc[owners == str(task["owner"]), "customer_id"].astype(str):
                    rows.append((cid, task["purpose"]))
        for cid, purpose in rows:
            if cid not in info:
                continue
            rec, is_dnc, code = info[cid]
            is_dnc = is_dnc or "dnc" in flag_codes(rec.get("flags"))
            phone = "" if rec.get("phone") is None else str(rec["phone"])
            base = {
                "store": s.name,
                "customer_id": cid,
                "name": rec.get("name") or "",
                "purpose": purpose,
                "owner": rec.get("owner") or "",
            }
            reason = None
            if is_dnc:
                months = pb.dnc_sms_months
                since = refused.get(cid)
                if months is None or (
                    since is not None
                    and since is not pd.NaT
                    and pd.Timestamp(day) > since + pd.DateOffset(months=months)
                ):
                    reason = "dnc"
            if reason is None and (code == "invalid_number" or not valid_mobile(phone)):
                reason = "invalid"
            if reason is None and cid in sent:
                reason = "sent"
            if reason is None and cid in seen:
                reason = "duplicate"
            template = pick_template(pb.sms, purpose) if reason is None else None
            if reason is None and template is None:
                reason = "template"
            if reason is not None:
                excluded.append({**base, "phone": mask_phone(phone), "reason_code": reason, "reason": REASONS[reason]})
                continue
            assert template is not None  # no reason to exclude: a template was found
            seen.add(cid)
            when = day
            if "提醒" in purpose or "预约" in purpose:
                appt = pd.to_datetime(rec.get("appointment_date"), errors="coerce")
                if appt is not pd.NaT and not pd.isna(appt):
                    when = appt.date()
            params = {"name": str(rec.get("name") or "顾客"), "store": s.name, "date": _date_text(when)}
            if "{holiday}" in template.text:
                params["holiday"] = holiday or purpose.split(":")[-1].strip()
            queued.append(
                {
                    **base,
                    "phone": phone,
                    "sign": sign,
                    "template": template.code,
                    "template_title": template.title,
                    "params": params,
                    "text": render_text(template, params, sign),
                }
            )
    cols_q = [
        "store",
        "customer_id",
        "name",
        "phone",
        "sign",
        "template",
        "template_title",
        "params",
        "text",
        "purpose",
        "owner",
    ]
    cols_x = ["store", "customer_id", "name", "phone", "purpose", "owner", "reason_code", "reason"]
    return SmsExport(
        day=day, queued=pd.DataFrame(queued, columns=cols_q), excluded=pd.DataFrame(excluded, columns=cols_x)
    )


def write_private(path: Path, data: bytes) -> Path:
    """Write `data` to `path` with mode 0600 (owner only), atomically."""
    return atomic_write_bytes(path, data, mode=0o600)


def _csv_bytes(part: pd.DataFrame, day: dt.date) -> bytes:
    """The batch as CSV: every cell neutralised (`csv_safe`: a name starting with `=` is no
    formula), the phone in the gateway's digits-only form."""
    rows = (
        [
            gateway_phone(r["phone"]),
            r["sign"],
            r["template"],
            json.dumps(r["params"], ensure_ascii=False),
            r["customer_id"],
            r["name"],
            r["store"],
            r["params"]["date"],
            r["purpose"],
        ]
        for r in part.to_dict("records")
    )
    return csv_bytes(CSV_COLUMNS, rows)


def _batch_bytes(part: pd.DataFrame) -> bytes:
    requests = []
    for code, g in part.groupby("template", sort=True):
        recs = g.to_dict("records")
        for i in range(0, len(recs), BATCH_LIMIT):
            chunk = recs[i : i + BATCH_LIMIT]
            requests.append(
                {
                    "TemplateCode": code,
                    "PhoneNumberJson": json.dumps([gateway_phone(r["phone"]) for r in chunk]),
                    "SignNameJson": json.dumps([r["sign"] for r in chunk], ensure_ascii=False),
                    "TemplateParamJson": json.dumps([r["params"] for r in chunk], ensure_ascii=False),
                }
            )
    return json.dumps(requests, ensure_ascii=False, indent=1).encode("utf-8")


def _review_bytes(exp: SmsExport) -> bytes:
    from followup.sync.reports.xlsx_out import SheetWriter, fixed_created, workbook_bytes

    def fill(wb, f):
        q = SheetWriter(wb, "待发送", f)
        q.title(f"{exp.day:%Y-%m-%d} 短信群发审核 (SMS batch for review) — {len(exp.queued)} 条")
        shown = exp.queued.assign(phone=exp.queued["phone"].map(mask_phone))
        q.frame(
            shown.reindex(
                columns=[
                    "store",
                    "sign",
                    "customer_id",
                    "name",
                    "phone",
                    "template",
                    "template_title",
                    "text",
                    "purpose",
                    "owner",
                ]
            ),
            ["门店", "签名", "客户编号", "姓名", "电话", "模板编号", "模板", "短信内容", "回访目的", "归属"],
        )
        q.finish(freeze=3)
        x = SheetWriter(wb, "排除", f)
        x.title(f"未发送 (left out) — {len(exp.excluded)} 条")
        x.frame(
            exp.excluded.reindex(columns=["store", "customer_id", "name", "phone", "purpose", "owner", "reason"]),
            ["门店", "客户编号", "姓名", "电话", "回访目的", "归属", "原因"],
        )
        x.finish(freeze=3)
        c = SheetWriter(wb, "统计", f)
        c.title("统计 (counts)")
        c.line(["项目 (item)", "数量 (count)"], f["head"])
        counts = exp.counts()
        c.line(["待发送 (to send)", counts["queued"]])
        for key, text in REASONS.items():
            c.line([f"排除: {text}", counts[key]])
        c.row += 1
        c.note(
            "本导出的 CSV/JSON 文件含完整手机号,权限 0600,仅限发送短信使用,发送后请删除 "
            "(the CSV/JSON files hold full numbers, mode 0600: use them only to send, then delete them)"
        )
        c.finish()

    return workbook_bytes(fixed_created(exp.day), fill, "短信群发审核")


def export_sms(exp: SmsExport, out_dir: Path) -> SmsExport:
    """Write the per-account CSV + JSON batch files and the review workbook (all mode 0600)."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"短信群发_{exp.day:%Y-%m-%d}"
    signs = exp.queued["sign"].astype(str)
    # one name per signature (`filenames.data_names`: signatures differing only in punctuation get
    # two files); the .csv and the .json share it
    names = data_names(sorted(set(signs)), f"{stem}_", ".json", empty="account")
    for sign, part in exp.queued.groupby(signs, sort=True):
        name = names[str(sign)][: -len(".json")]
        exp.files.append(write_private(out_dir / f"{name}.csv", _csv_bytes(part, exp.day)))
        exp.files.append(write_private(out_dir / f"{name}.json", _batch_bytes(part)))
    exp.review = write_private(out_dir / f"{stem}_审核.xlsx", _review_bytes(exp))
    return exp
