"""CLI plug-in for the CRM items of seed 001: `sms export`, `feedback-form`, `faq`, `history`.

Registered through `followup.sync.cli.PLUGINS`. Exit codes as everywhere: 0 done; 1 rows of the
sources were rejected (listed; the command still did its work); 2 bad argument (unknown customer
or complaint id); 4 the output could not be written; 5 nothing usable was read.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, cast

import typer

from .commands import ConfigOpt, DayOpt, LangOpt, NowOpt, SourceOpt, parse_now
from .output import Out, fail, guard

if TYPE_CHECKING:
    from followup.sync.config import Config

__all__ = ["register"]


def _config(config: Path | None, source: list[Path], lang: str | None) -> Config:
    """The config, with every Excel source checked to exist: a missing path is named as such
    (exit 5), not blamed on a sheet the workbook would lack."""
    from followup.sync.errors import NOTHING_READ

    from .commands import _config as make

    cfg = make(config, source, None, lang)
    missing = [str(p) for p in cfg.sources.excel if not Path(p).exists()]
    if missing:
        fail(f"找不到数据源 / source not found: {', '.join(missing)}", NOTHING_READ)
    return cfg


def _stores(cfg: Config, outcome: tuple[str, str], read=None):
    """(stores, ReadResult) of `read` (None: read the sources now); no usable store →
    NothingReadError (exit 5) saying `outcome` (what was not done)."""
    from followup.sync.merge import merge_stores
    from followup.sync.pipeline import _nothing_read, read_all
    from followup.sync.sources import sources_for

    sources = sources_for(cfg)
    read = read_all(cfg, None, sources) if read is None else read
    if not read.stores:
        raise _nothing_read(cfg, read, sources, outcome)
    return merge_stores(read.stores, cfg), read


def _read_crm(cfg: Config):
    """(CrmData, ReadResult): the complaints and FAQ the configured sources read."""
    from followup.sync.crm.sheets import crm_of
    from followup.sync.pipeline import read_all

    read = read_all(cfg)
    return crm_of(read), read


def _problems(o: Out, rejections, brief: bool = False) -> int:
    fatal = [r for r in rejections if r.fatal]
    if fatal and brief:  # a lookup: one line, as `followup today` does
        o.say(
            o.t(
                f"注意: {len(fatal)} 行数据有问题,未计入 (运行 followup sync 查看错误清单)",
                f"note: {len(fatal)} rows have problems and were skipped (see followup sync)",
            ),
            "yellow",
        )
        return 1
    if fatal:
        o.say(o.t(f"注意: {len(fatal)} 行数据有问题,未使用:", f"note: {len(fatal)} rows were rejected:"), "yellow")
        for r in fatal[:20]:
            o.say("  " + r.line())
        if len(fatal) > 20:
            o.say(f"  …… (+{len(fatal) - 20})")
    return 1 if fatal else 0


def _write_error(path: Path, e: OSError) -> None:
    fail(
        f"无法写入 {path}: {e.strerror or e};请检查文件夹是否存在、是否有写权限、磁盘是否已满 "
        f"(cannot write {path}: check that the folder exists, is writable and the disk is not full)",
        4,
    )


def sms_export(
    date: str | None = DayOpt,
    config: Path | None = ConfigOpt,
    source: list[Path] = SourceOpt,
    out: Path = typer.Option(..., "--out", "-o", metavar="DIR", help="输出文件夹 / output folder"),
    now: str | None = NowOpt,
    lang: str | None = LangOpt,
) -> None:
    """导出当天的短信群发文件(每个签名一份)和审核表 / the day's SMS batch files and a review workbook."""
    from followup.sync.crm.sms_export import export_sms, plan_sms
    from followup.sync.deadline import localize
    from followup.sync.today import default_day
    from followup.udfs.dates import to_date
    from followup.udfs.table import followup_table
    from followup.udfs.workcalendar import calendar_scope, unofficial_warning

    cfg = _config(config, source, lang)
    o = Out(cfg.lang)
    day = to_date(date, "date") if date else default_day(localize(parse_now(now), cfg.timezone))
    stores, read = _stores(cfg, ("未导出短信", "no SMS file was written"))
    with calendar_scope(cfg.calendar_years()) as cal:  # SPEC §3.7: [calendar] years are official
        tables = {
            s.name: followup_table(s.customers, s.calls if not s.calls.empty else None, s.playbook, day)
            for s in stores
            if not s.customers.empty
        }
        exp = plan_sms(stores, tables, cast(dt.date, day), cfg)  # a date given, else the default day
    for year in sorted(cal.unofficial):  # a year without an official schedule: said, never silent
        o.say(unofficial_warning(year), "yellow")
    try:
        export_sms(exp, out)
    except OSError as e:
        _write_error(Path(getattr(e, "filename", None) or out), e)
    counts = exp.counts()
    o.say(
        o.t(
            f"{day:%Y-%m-%d} 短信群发: 待发送 {counts['queued']} 条",
            f"SMS batch for {day:%Y-%m-%d}: {counts['queued']} to send",
        ),
        "bold",
    )
    from followup.sync.crm.sms_export import REASONS

    for key, text in REASONS.items():
        if counts[key]:
            o.say(o.t(f"  排除 {counts[key]} 条: {text}", f"  left out {counts[key]}: {text}"))
    for p in exp.files:
        o.say(f"  {p}")
    o.say(o.t(f"  审核表: {exp.review}", f"  review workbook: {exp.review}"))
    o.say(
        o.t(
            "以上文件含完整手机号,已设为仅本人可读写 (权限 0600);仅用于发送短信,发送后请删除。",
            "These files hold full phone numbers and are readable by you only (mode 0600): use them to send, "
            "then delete them.",
        ),
        "yellow",
    )
    raise typer.Exit(_problems(o, read.rejections))


def feedback_form(
    complaint: str = typer.Option(..., "--complaint", metavar="ID", help="投诉编号 / complaint id"),
    config: Path | None = ConfigOpt,
    source: list[Path] = SourceOpt,
    out: Path = typer.Option(Path("."), "--out", "-o", metavar="DIR", help="输出文件夹 / output folder"),
    lang: str | None = LangOpt,
) -> None:
    """打印投诉反馈单(A4 一页,一式两份) / a one-page printable complaint feedback form, two copies."""
    from followup.sync.crm.feedback_form import write_feedback_form
    from followup.udfs.schema import normalize

    cfg = _config(config, source, lang)
    o = Out(cfg.lang)
    crm, read = _read_crm(cfg)
    c = crm.complaints
    if c.empty:
        fail(
            o.t("没有找到投诉记录:工作簿中没有「投诉」工作表或表中没有可用的行 ", "no complaints found: ")
            + "(no 投诉/complaints sheet with usable rows in the sources)",
            5,
        )
    hit = c[c["complaint_id"].map(normalize) == normalize(complaint)]
    if hit.empty:
        known = "、".join(c["complaint_id"].astype(str).head(10))
        fail(f"找不到投诉编号 {complaint} (no complaint with this id); 现有 (known): {known}", 2)
    rec = hit.iloc[0].to_dict()
    customer = None
    try:
        stores, _ = _stores(cfg, ("", ""), read)
        for s in stores:
            if s.name == rec["store"] and not s.customers.empty:
                m = s.customers[s.customers["customer_id"].astype(str) == str(rec["customer_id"])]
                if len(m):
                    customer = m.iloc[0].to_dict()
    except Exception:  # noqa: BLE001 - the form is printed without the customer's name then
        customer = None
    try:
        Path(out).mkdir(parents=True, exist_ok=True)
        path = write_feedback_form(rec, customer, out)
    except OSError as e:
        _write_error(Path(out), e)
    o.say(
        o.t(f"已写入反馈单 (A4 一页,一式两份): {path}", f"feedback form written (one A4 page, two copies): {path}"),
        "green",
    )
    raise typer.Exit(_problems(o, crm.read.rejections))


def faq(
    query: str = typer.Argument(..., metavar="QUERY", help="关键词或问题 / keywords or a question"),
    config: Path | None = ConfigOpt,
    source: list[Path] = SourceOpt,
    top: int = typer.Option(
        3, "--top", "-n", metavar="N", min=1, max=50, help="显示几条 (1–50) / how many answers (1–50)"
    ),
    lang: str | None = LangOpt,
) -> None:
    """检索常见问题 / search the FAQ sheet, ranked answers."""
    from followup.udfs.crm import faq_lookup

    cfg = _config(config, source, lang)
    o = Out(cfg.lang)
    crm, _ = _read_crm(cfg)
    if crm.faq.empty:
        _problems(o, crm.read.rejections)  # e.g. the sheet lacks its 问题 column
        fail(
            o.t("没有找到常见问题:工作簿中没有「常见问题」工作表或表中没有可用的行 ", "no FAQ found: ")
            + "(no 常见问题/FAQ sheet with usable rows in the sources)",
            5,
        )
    faq_rows = crm.faq.drop_duplicates(["question", "answer"])
    hits = faq_lookup(query, faq_rows[["question", "answer", "keywords"]], top=top)
    if not hits:
        o.say(o.t(f"没有与「{query}」相近的问题。", f"nothing close to {query!r}."), "yellow")
    for i, h in enumerate(hits, start=1):
        o.say(f"{i}. {h['question']}  ({h['score']:.0f})", "bold")
        o.say(f"   {h['answer']}")
    raise typer.Exit(_problems(o, crm.read.rejections, brief=True))


def history(
    customer_id: str = typer.Argument(..., metavar="CUSTOMER_ID", help="客户编号 / customer id"),
    config: Path | None = ConfigOpt,
    source: list[Path] = SourceOpt,
    lang: str | None = LangOpt,
) -> None:
    """客户的回访、到店、购买、礼品与投诉记录(按日期) / one customer's history in date order."""
    from rich.table import Table

    from followup.sync.crm.sheets import crm_of
    from followup.udfs.crm import HISTORY_COLUMNS, customer_history
    from followup.udfs.errors import BadArgument
    from followup.udfs.schema import normalize

    cfg = _config(config, source, lang)
    o = Out(cfg.lang)
    stores, read = _stores(cfg, ("无法显示客户记录", "no history can be shown"))
    crm = crm_of(read)
    owner = [
        s
        for s in stores
        if not s.customers.empty
        and (s.customers["customer_id"].astype(str).map(normalize) == normalize(customer_id)).any()
    ]
    if not owner:
        fail(f"找不到客户编号 {customer_id} (no customer with this id in the sources)", 2)
    s = owner[0]
    complaints = crm.complaints[crm.complaints["store"] == s.name] if len(crm.complaints) else None
    try:
        rows = customer_history(
            customer_id,
            s.customers,
            s.calls if len(s.calls) else None,
            s.gifts if len(s.gifts) else None,
            complaints if complaints is not None and len(complaints) else None,
        )
    except BadArgument as e:
        fail(str(e), 2)
    t = Table(title=f"{customer_id} — {s.name}", title_justify="left")
    for key in HISTORY_COLUMNS:
        t.add_column(HISTORY_COLUMNS[key] if o.lang != "en" else key)
    for r in rows:
        when = r["date"]
        shown = "" if when is None else (f"{when:%Y-%m-%d %H:%M}" if when.time() != dt.time() else f"{when:%Y-%m-%d}")
        t.add_row(shown, r["event"], r["detail"], r["result"], r["who"])
    o.console.print(t)
    raise typer.Exit(_problems(o, read.rejections + crm.read.rejections, brief=True))


def register(app: typer.Typer) -> None:
    sms = typer.Typer(no_args_is_help=True, help="短信群发 / bulk SMS")
    sms.command("export")(guard(sms_export))
    app.add_typer(sms, name="sms")
    app.command("feedback-form")(guard(feedback_form))
    app.command("faq")(guard(faq))
    app.command("history")(guard(history))
