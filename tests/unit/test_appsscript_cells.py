"""Code.gs's IS_SUCCESS, REPORT_NAME, REPORT_DEADLINE, QUOTA_CHECK, FOLLOWUP_ERROR, FAQ_LOOKUP and
CUSTOMER_HISTORY give the Excel functions' values and error texts, in several script/sheet zone pairs.

Every case runs once through `followup.udfs.excel` (with what xlwings hands over: numbers as
floats, empty cells as None, a column as a flat list, date cells as datetimes) and once through
Code.gs under node, all cases of a zone pair in one node process. The Apps Script services are
stubbed as tests/unit/test_appsscript.py does (the sheet's zone; Utilities.formatDate with Intl).
Results are compared as the sheet shows them: a Date as its wall time in the sheet's zone.
"""

from __future__ import annotations

import datetime as dt
import random
import shutil
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from fakes.apps_script_runtime import PRELUDE, run_node

from followup.addin.gsheets import make_appsscript
from followup.sync.demo.crm import FAQ_QUERIES, FAQ_ROWS
from followup.udfs import crm, excel
from followup.udfs.errors import FollowupError
from followup.udfs.messages import MESSAGES
from followup.udfs.privacy import mask_phones_in_text
from followup.udfs.schema import EXTRA_ALIASES, OUTCOMES

NODE = shutil.which("node")
pytestmark = pytest.mark.skipif(NODE is None, reason="node is not installed")

HARNESS = (
    PRELUDE
    + r"""
const CtxDate = vm.runInContext('Date', ctx), CtxArray = vm.runInContext('Array', ctx);
function sheetWall(y, m, d, hh, mi) {  // a date(-time) cell as Sheets delivers it: that wall time in the sheet's zone
  const wall = Date.UTC(y, m - 1, d, hh, mi);
  let t = wall - offsetMinutes(wall, SHEET_TZ) * 60000;
  t = wall - offsetMinutes(t, SHEET_TZ) * 60000;
  return new CtxDate(t);
}
function arg(v) {
  if (Array.isArray(v)) return CtxArray.from(v.map(arg));
  if (v && typeof v === 'object') {
    if ('date' in v) return sheetWall(...v.date.split('-').map(Number), 0, 0);
    if ('datetime' in v) { const [d, t] = v.datetime.split('T'); return sheetWall(...d.split('-').map(Number), ...t.split(':').map(Number)); }
    if ('blank' in v) return '';
    if ('col' in v) return CtxArray.from(v.col.map(x => CtxArray.from([arg(x)])));
  }
  return v;
}
function shown(v) {  // what the sheet shows: a Date as its wall time in the sheet's zone
  if (v instanceof CtxDate) {
    const o = parts(v, SHEET_TZ), day = `${o.year}-${o.month}-${o.day}`;
    return 'D:' + ((o.hour === '00' && o.minute === '00' && o.second === '00') ? day : `${day} ${o.hour}:${o.minute}:${o.second}`);
  }
  if (v instanceof CtxArray || Array.isArray(v)) return v.map(shown);
  return v;
}
const out = [];
for (const c of JSON.parse(fs.readFileSync(casesFile, 'utf8'))) {
  let got;
  try { got = shown(ctx[c.fn](...c.args.map(arg))); }
  catch (e) { got = e.followup ? {error: e.message} : {crash: String(e && e.stack || e)}; }
  out.push(got);
}
process.stdout.write(JSON.stringify(out));
"""
)

# (script project's zone = node's process zone, spreadsheet's zone)
ZONE_PAIRS = [
    ("Asia/Shanghai", "Asia/Shanghai"),
    ("UTC", "Asia/Shanghai"),
    ("Asia/Shanghai", "America/Los_Angeles"),
    ("America/Los_Angeles", "Pacific/Kiritimati"),
    ("UTC", "Asia/Singapore"),
]


def _py_arg(v: object) -> object:
    """A case argument as xlwings hands it to Python ("": an empty cell, which Sheets gives as "")."""
    if v == "":
        return None
    if isinstance(v, bool) or v is None or isinstance(v, str):
        return v
    if isinstance(v, int):
        return float(v)
    if isinstance(v, list):
        return [_py_arg(x) for x in v]
    if isinstance(v, dict):
        if "date" in v:
            return dt.datetime.fromisoformat(v["date"])
        if "datetime" in v:
            return dt.datetime.fromisoformat(v["datetime"])
        if "blank" in v:
            return None
        if "col" in v:
            return [_py_arg(x) for x in v["col"]]
    return v


def _shown(v: object) -> object:
    if isinstance(v, dt.datetime):
        return "D:" + (f"{v:%Y-%m-%d}" if v.time() == dt.time() else f"{v:%Y-%m-%d %H:%M:%S}")
    if isinstance(v, dt.date):
        return f"D:{v:%Y-%m-%d}"
    if isinstance(v, (list, tuple)):
        return [_shown(x) for x in v]
    return v


def _excel(fn: str, args: list) -> object:
    """The Excel function's answer (its message when it fails on purpose)."""
    f = excel.FOLLOWUP_ERROR if fn == "FOLLOWUP_ERROR" else excel.CELL_FUNCTIONS[fn]
    py = [_py_arg(a) for a in args]
    if fn == "QUOTA_CHECK":  # @xw.arg(ndim=1): one cell arrives as a list of one
        py[:2] = [v if isinstance(v, list) else [v] for v in py[:2]]
    try:
        return _shown(f(*py))
    except FollowupError as e:
        return {"error": mask_phones_in_text(str(e))}


def _sheet_shows_deadline(value: object, sheet_tz: str) -> object:
    """REPORT_DEADLINE in Sheets: the Date where the sheet's zone shows Shanghai's wall time at
    that instant, else the text `yyyy-mm-dd hh:mm (Asia/Shanghai)`."""
    if not (isinstance(value, str) and value.startswith("D:")):
        return value
    wall = dt.datetime.fromisoformat(value[2:])
    at = wall.replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    if at.utcoffset() == at.astimezone(ZoneInfo(sheet_tz)).utcoffset():
        return value
    return f"{wall:%Y-%m-%d %H:%M} (Asia/Shanghai)"


def _in_sheet(case: dict, answer: object, sheet_tz: str) -> object:
    """Excel's answer as a sheet in `sheet_tz` must show it."""
    return _sheet_shows_deadline(answer, sheet_tz) if case["fn"] == "REPORT_DEADLINE" else answer


def _run_node(tmp_path: Path, cases: list[dict], process_tz: str, sheet_tz: str) -> list:
    return run_node(HARNESS, make_appsscript.CODE_GS, tmp_path, cases, process_tz, sheet_tz)


# ---- the cases -------------------------------------------------------------------------------

BLANK = {"blank": True}


def _day_arg(rng: random.Random, day: dt.date) -> object:
    """One date as a cell may hold it: Date, ISO text, 2026/11/3, 2026年11月3日, serial."""
    r = rng.random()
    if r < 0.35:
        return {"date": day.isoformat()}
    if r < 0.55:
        return day.isoformat()
    if r < 0.65:
        return f"{day.year}/{day.month}/{day.day}"
    if r < 0.75:
        return f"{day.year}年{day.month}月{day.day}日"
    return (day - dt.date(1899, 12, 30)).days


def _time_arg(rng: random.Random, day: dt.date) -> object:
    """A call time: a date-time cell, text with a time, a serial with a fraction, or a date."""
    hh, mm = rng.randint(8, 20), rng.randint(0, 59)
    r = rng.random()
    if r < 0.4:
        return {"datetime": f"{day.isoformat()}T{hh:02d}:{mm:02d}"}
    if r < 0.6:
        return f"{day.isoformat()} {hh}:{mm:02d}"
    if r < 0.75:
        return (day - dt.date(1899, 12, 30)).days + round((hh * 60 + mm) / 1440, 6)
    return _day_arg(rng, day)


BAD_DATES = ["2026-02-30", "明天", True, -5, 3_000_000, "2026-11-03 25:00", "2026-13-01 10:00", BLANK, None, "  "]
OUTCOME_WORDS = [*OUTCOMES, "success", " SUCCESS ", "no_answer", "成功\u3000", "", None, BLANK]
BAD_OUTCOMES = ["接通了", "xyz", 3, True]


def quota_cases(rng: random.Random, n: int = 160) -> list[dict]:
    cases = []
    groups = ["1", 1, "2", 2.0, "一组", "第2组", "group 3", "4", "三组"]
    for k in range(n):
        monday = dt.date(2023, 6, 5) + dt.timedelta(weeks=rng.randint(0, 240))  # official years and others
        size = rng.choice([0, 1, 5, 20, 40, 70, 120])
        share_day = rng.randint(0, 6) if rng.random() < 0.3 else None  # a week crowded on one day
        dates, outcomes = [], []
        for _ in range(size):
            day = monday + dt.timedelta(
                days=share_day if share_day is not None and rng.random() < 0.6 else rng.randint(-2, 8)
            )
            dates.append(_time_arg(rng, day))
            outcomes.append(rng.choice(["成功"] * 6 + OUTCOME_WORDS))
        if size and rng.random() < 0.25:  # unusable calls: their own rows
            for _ in range(rng.randint(1, 3)):
                i = rng.randrange(size)
                if rng.random() < 0.5:
                    dates[i] = rng.choice(BAD_DATES)
                else:
                    outcomes[i] = rng.choice(BAD_OUTCOMES)
        group = rng.choice(groups) if rng.random() > 0.03 else rng.choice(["9", "五组", None, "大店"])
        week_start = rng.choice([None, None, BLANK, _day_arg(rng, monday + dt.timedelta(days=rng.randint(0, 6)))])
        if rng.random() < 0.02:
            week_start = rng.choice(["下周", True])
        if rng.random() < 0.02 and outcomes:
            outcomes = outcomes[:-1]  # different lengths
        if k % 3 == 0 and len(dates) == len(outcomes) == 1:
            cases.append({"fn": "QUOTA_CHECK", "args": [dates[0], outcomes[0], group, week_start]})
        else:
            cases.append({"fn": "QUOTA_CHECK", "args": [{"col": dates}, {"col": outcomes}, group, week_start]})
    return cases


def scalar_cases(rng: random.Random) -> list[dict]:
    cases = []
    completed = [None, BLANK, "是", "否", "yes", "NO", "完成", "未完成", "x", 1, 0, True, False, "  ", "也许", 2.5]
    for o in [*OUTCOME_WORDS, *BAD_OUTCOMES, {"date": "2026-11-03"}, 0]:
        for c in completed:
            cases.append({"fn": "IS_SUCCESS", "args": [o, c]})
    kinds = [
        "weekly",
        "gift",
        "monthly",
        "回访记录单",
        "礼品",
        "汇总",
        " Monthly ",
        "月报",
        "周报",
        "季报",
        "",
        None,
        3,
    ]
    for _ in range(500):
        day = dt.date(2020, 1, 1) + dt.timedelta(days=rng.randint(0, 15 * 365))
        when = _day_arg(rng, day) if rng.random() > 0.05 else rng.choice(BAD_DATES)
        kind = rng.choice(kinds)
        cases.append({"fn": "REPORT_NAME", "args": [kind, when]})
        cases.append({"fn": "REPORT_DEADLINE", "args": [kind, when]})
    return cases


CUSTOMERS = [
    ["客户编号", "姓名", "电话", "门店", "类别", "咨询日期", "到店日期", "购买日期", "购买金额"],
    ["K1", "王芳", "13812345678", "一店", "A", {"date": "2026-10-01"}, "2026-10-03", {"date": "2026-10-03"}, 1880],
    ["K2", "李强", "13900001111", "一店", "D", {"date": "2026-10-02"}, None, None, None],
]


def error_cases() -> list[dict]:
    """Bad arguments of every function, directly and through FOLLOWUP_ERROR: the same texts."""
    faq = [["问题", "答案", "关键词"], *[list(r) for r in FAQ_ROWS[:5]]]
    calls = [["时间", "客户编号", "结果"], [{"datetime": "2026-10-06T10:30"}, "K1", "成功"]]
    calls_bad_head = [["when", "who"], ["x", "y"]]
    calls_day = {"col": [{"date": "2026-11-16"}, "2026-11-17 10:00"]}
    bad = [
        ("NEXT_FOLLOWUP", ["Z类", "2026-11-03", 0, None, 0, "", "optometry", "2026-11-20"]),
        ("NEXT_FOLLOWUP", ["A", "2026-11-03", 0, None, 0, "", "retail", "2026-11-20"]),
        ("NEXT_FOLLOWUP", ["A", "2026-11-03", 0, None, 0, "", " nope ", "2026-11-20"]),
        ("NEXT_FOLLOWUP", ["A", "2026-11-03", 0, None, 0, "", 7, "2026-11-20"]),
        ("NEXT_FOLLOWUP", ["A", "2026-02-30", 0, None, 0, "", "optometry", "2026-11-20"]),
        ("NEXT_FOLLOWUP", ["A", "2026-11-03", -1, None, 0, "", None, "2026-11-20"]),
        ("NEXT_FOLLOWUP", ["A", "2026-11-03", 1.5, None, 0, "", None, "2026-11-20"]),
        ("NEXT_FOLLOWUP", ["A", "2026-11-03", "x", None, 0, "", None, "2026-11-20"]),
        ("NEXT_FOLLOWUP", ["A", "2026-11-03", 20000, None, 0, "", None, "2026-11-20"]),
        ("NEXT_FOLLOWUP", ["A", True, 0, None, 0, "", None, "2026-11-20"]),
        ("NEXT_FOLLOWUP", ["A", -3, 0, None, 0, "", None, "2026-11-20"]),
        ("NEXT_FOLLOWUP", ["A", "2026-11-03", 0, "昨天", 0, "", None, "2026-11-20"]),
        ("NEXT_FOLLOWUP", [{"date": "2026-11-03"}, "2026-11-03", 0, None, 0, "", None, "2026-11-20"]),
        ("NEXT_FOLLOWUP", ['it\'s "A"', "2026-11-03", 0, None, 0, "", None, "2026-11-20"]),
        ("NEXT_FOLLOWUP", ["A\tB\\", "2026-11-03", 0, None, 0, "", None, "2026-11-20"]),
        ("NEXT_FOLLOWUP", ["A", "2026-11-03", 0, None, 0, "", None, "2026-11-20"]),
        ("FOLLOWUP_STEP", ["PRE", "2026-11-03", 0, None, 0, "", "optometry", "2026-11-20"]),
        ("FOLLOWUP_ROUTE", ["", "成功", None]),
        ("FOLLOWUP_ROUTE", [BLANK, "成功", "aesthetics"]),
        ("FOLLOWUP_ROUTE", ["C", "到店已购", "health_products"]),
        ("WEEK_LABEL", ["abc"]),
        ("WEEK_LABEL", [BLANK]),
        ("CALL_WINDOW", [True, ""]),
        ("CALL_WINDOW", [None, ""]),
        ("REPORT_NAME", ["季报", "2026-11-18"]),
        ("REPORT_NAME", ["weekly", 0.5]),
        ("REPORT_DEADLINE", [None, "2026-11-18"]),
        ("IS_SUCCESS", ["成功", "maybe"]),
        ("QUOTA_CHECK", [calls_day, {"col": ["成功"]}, 1, None]),
        ("QUOTA_CHECK", [{"col": [BLANK, None]}, {"col": ["成功", "成功"]}, "2", None]),
        ("QUOTA_CHECK", [calls_day, {"col": ["成功", "成功"]}, "第九组", None]),
        ("QUOTA_CHECK", [calls_day, {"col": ["成功", "成功"]}, 1, "下周一"]),
        ("FAQ_LOOKUP", ["发票", faq, "x"]),
        ("FAQ_LOOKUP", ["发票", faq, 2]),
        ("FAQ_LOOKUP", ["发票", [["a", "b"], ["x", "y"]], 1]),
        ("CUSTOMER_HISTORY", ["", CUSTOMERS, calls]),
        ("CUSTOMER_HISTORY", ["K9", CUSTOMERS, calls]),
        ("CUSTOMER_HISTORY", ["K1", CUSTOMERS, calls_bad_head]),
        ("CUSTOMER_HISTORY", [1.0, CUSTOMERS, calls]),
        ("MASK_PHONE", ["13812345678"]),
    ]
    cases = []
    for fn, args in bad:
        cases.append({"fn": fn, "args": args})
        cases.append({"fn": "FOLLOWUP_ERROR", "args": [fn, *args][:9]})
    for fn, args in [  # fine, but a year without an official holiday schedule: its warning
        ("CALL_WINDOW", ["2028-05-01", ""]),
        ("CALENDAR_NOTE", [{"date": "2027-10-02"}]),
        ("CALENDAR_NOTE", ["2025-10-02"]),
        ("QUOTA_CHECK", [{"col": ["2027-02-08 10:00"]}, {"col": ["成功"]}, 1, None]),
        ("NEXT_FOLLOWUP", ["B", "2027-12-28", 0, "2027-12-30", 2, "", None, "2028-01-02"]),
    ]:
        cases.append({"fn": fn, "args": args})
        cases.append({"fn": "FOLLOWUP_ERROR", "args": [fn, *args]})
    for name in ["next_followup", " =Next_Followup(", "NOPE", "", BLANK, 3]:
        cases.append({"fn": "FOLLOWUP_ERROR", "args": [name, "Z", "2026-11-03"]})
    return cases


# ---- FAQ: the demo FAQ and paraphrases agents type ------------------------------------------

PARAPHRASES = [
    "能开票吗",
    "可以开发票不",
    "发票怎么开",
    "要报销,给开票吗",
    "电子发票有吗",
    "新眼镜头晕",
    "戴上眼镜晕",
    "眼镜戴着不舒服头晕怎么办",
    "刚配的镜子晕",
    "镜片保修多久",
    "镜片坏了保修吗",
    "膜掉了能换吗",
    "镜架修理收费吗",
    "眼镜腿断了",
    "鼻托坏了怎么办",
    "眼镜螺丝掉了",
    "OK镜多久复查",
    "角膜塑形镜复查时间",
    "塑形镜要去医院吗",
    "孩子近视加深怎么办",
    "小孩度数增长太快",
    "儿童近视防控",
    "验光要预约吗",
    "散瞳验光多长时间",
    "周末验光人多吗",
    "你们几点开门",
    "晚上几点下班",
    "春节营业吗",
    "营业到几点",
    "可以微信付款吗",
    "能刷医保卡吗",
    "支持支付宝吗",
    "可以用银行卡吗",
    "眼镜能退吗",
    "不喜欢能换货吗",
    "退款怎么办",
    "护理液开封多久",
    "镜盒多久换",
    "隐形眼镜护理",
    "积分能抵钱吗",
    "会员积分有效期",
    "积分怎么兑换",
    "赠品还没收到",
    "礼物什么时候寄",
    "送的礼品在哪领",
    "镜片起雾了",
    "戴口罩眼镜起雾",
    "防雾镜片有吗",
    "老花镜和近视镜能一副吗",
    "渐进多焦点镜片",
    "看远看近一副眼镜",
    "眼睛发干",
    "眼干怎么办",
    "看电脑眼睛干涩",
    "能上门验光吗",
    "老人不方便来店",
    "上门服务怎么约",
    "哪里停车",
    "有停车位吗",
    "停车收费吗",
    "镜片什么牌子好",
    "进口镜片价格",
    "有哪些品牌",
    "投诉电话多少",
    "不满意找谁",
    "我要投诉",
    "服务态度差要反映",
    "今天天气怎么样",
    "你好",
    "谢谢",
    "xyz",
    "123",
    "请问可以开发票吗?",
    "客户问镜片可以保修多久?",
    "会员积分怎么使用呢",
    # long ones (more than 30 characters: crm.js's other LCS path)
    "客户说新配的眼镜戴了三天还是头晕眼睛胀,想问问是不是度数配错了要不要来店里复查一下",
    "每天9:00到21:00营业吗节假日是不是照常营业春节期间门店几点开门几点关门",
]


def faq_queries() -> list[str]:
    """The FAQ's own questions, their keywords, the demo queries, the paraphrases above, and
    each with the filler agents type around it."""
    base = [q for q, _ in FAQ_QUERIES] + PARAPHRASES
    for question, _, keywords in FAQ_ROWS:
        base.append(question)
        base += [k for k in keywords.split(",") if k]
    out = list(base)
    for q in base:
        out += [f"请问{q}", f"客户问{q}吗", f"{q}怎么办"]
    return out


def _rapidfuzz_best(query: str, faq: list[list]) -> str:
    """The answer Excel gave with rapidfuzz's partial_ratio (the pre-issue-22 desktop ranking)."""
    from rapidfuzz import fuzz

    def sim(a: str, b: str) -> float:
        if not a or not b:
            return 0.0
        return max(float(fuzz.partial_ratio(a, b)), crm._bigram_overlap(a, b))

    q = crm._norm(query)
    if not q:
        return ""
    qs = crm._strip_filler(q) or q
    best: tuple[float, int, str] = (-1.0, 0, "")
    for i, (question, answer, keywords) in enumerate(faq[1:]):
        nq = crm._norm(question)
        qtext = crm._strip_filler(nq) or nq
        kw = max([100.0 if k in q else sim(k, qs) * 0.8 for k in crm._keywords(keywords)], default=0.0)
        score = round(0.55 * max(kw, sim(qs, crm._norm(answer)) * 0.5) + 0.45 * sim(qs, qtext), 1)
        if score > best[0]:
            best = (score, i, answer)
    return best[2] if best[0] >= 30 else ""


FAQ = [["问题", "答案", "关键词"], *[list(r) for r in FAQ_ROWS]]


def faq_cases() -> list[dict]:
    return [{"fn": "FAQ_LOOKUP", "args": [q, FAQ, 3 if i % 4 == 0 else 1]} for i, q in enumerate(faq_queries())]


def history_cases() -> list[dict]:
    """One customer's history from tables with header aliases (手机, 日期, …) and date cells as
    Dates, date-times, texts and serials, some late in the evening (another day in UTC)."""
    customers = [
        ["客户编号", "姓名", "手机号", "门店", "类别", "咨询日期", "到店日期", "购买日期", "购买金额", "归属"],
        ["K1", "王芳", "13812345678", "一店", "A", {"date": "2026-10-01"}, "2026/10/3", 46298.9, 1880, "小刘"],
        [1002, "李强", 13900001111, "一店", "D", {"datetime": "2026-10-02T23:30"}, None, None, None, "小王"],
    ]
    calls = [
        ["时间/日期", "客户编号", "坐席", "类型", "方式", "结果", "反馈", "处理状态"],
        [{"datetime": "2026-10-06T10:30"}, "K1", "小刘", "客户服务", "电话", "成功", "请回电 13912345678", None],
        [{"datetime": "2026-10-05T23:50"}, "K1", "小刘", "service", "sms", "sent", None, None],
        ["2026-10-07 08:05", "k1", "小王", "礼品核查", "电话", "无人接听", "", "处理中"],
        [46302.75, "K1", "小王", "客户服务", "电话", "未完成", 12.5, None],
        ["2026-10-08 25:00", "K1", "小王", "客户服务", "电话", "成功", "时间写错了", None],
        [{"date": "2026-10-09"}, 1002.0, "小王", "客户服务", "电话", "拒访", True, None],
    ]
    gifts = [
        ["门店", "客户编号", "礼品", "价值", "发放日期", "核查结果"],
        ["一店", "K1", "保温杯", 129, {"date": "2026-10-04"}, "已收到"],
    ]
    complaints = [
        [
            "投诉编号",
            "投诉日期",
            "客户编号",
            "投诉内容",
            "投诉类别",
            "责任部门",
            "处理人",
            "处理状态",
            "处理结果",
            "解决日期",
            "回访日期",
        ],
        [
            "T1",
            {"date": "2026-10-10"},
            "K1",
            "镜片有划痕",
            "产品质量",
            "配镜部",
            "张师傅",
            "已解决",
            "已更换镜片",
            "2026-10-12 18:30",
            46310,
        ],
    ]
    phone_only = [["客户编号", "mobile", "日期"], ["K3", "13700002222", "2026-10-01"]]
    return [
        {"fn": "CUSTOMER_HISTORY", "args": ["K1", customers, calls, gifts, complaints]},
        {"fn": "CUSTOMER_HISTORY", "args": [" k1 ", customers, calls, None, None]},
        {"fn": "CUSTOMER_HISTORY", "args": [1002, customers, calls, gifts, None]},
        {"fn": "CUSTOMER_HISTORY", "args": ["K3", phone_only, calls]},
    ]


def all_cases() -> list[dict]:
    rng = random.Random(20261207)
    return quota_cases(rng) + scalar_cases(rng) + error_cases() + faq_cases() + history_cases()


@pytest.fixture(scope="module")
def cases() -> list[dict]:
    return all_cases()


@pytest.fixture(scope="module")
def answers(cases) -> list[object]:
    """Excel's answer to every case (computed once)."""
    return [_excel(c["fn"], c["args"]) for c in cases]


# ---- the tests -------------------------------------------------------------------------------


@pytest.mark.parametrize(("process_tz", "sheet_tz"), ZONE_PAIRS)
def test_code_gs_agrees_with_excel(tmp_path, cases, answers, process_tz, sheet_tz):
    expected = [_in_sheet(c, a, sheet_tz) for c, a in zip(cases, answers)]
    got = _run_node(tmp_path, cases, process_tz, sheet_tz)
    bad = [(c, e, g) for c, e, g in zip(cases, expected, got) if e != g]
    assert not bad, f"{len(bad)} of {len(cases)} differ (script {process_tz}, sheet {sheet_tz}), e.g. {bad[:2]}"


def test_the_cases_are_not_degenerate(cases, answers):
    """Every function is there, with values and with errors, and the errors are many kinds."""
    results = [(c["fn"], a) for c, a in zip(cases, answers)]
    fns = {fn for fn, _ in results}
    assert {"IS_SUCCESS", "REPORT_NAME", "REPORT_DEADLINE", "QUOTA_CHECK", "FOLLOWUP_ERROR", "FAQ_LOOKUP"} <= fns
    errors = [r["error"] for _, r in results if isinstance(r, dict)]
    assert len({e.split(" 无效")[0] for e in errors}) > 30
    quota = [r for fn, r in results if fn == "QUOTA_CHECK" and isinstance(r, list)]
    assert len(quota) > 120 and sum(1 for r in quota if any(str(row[0]).startswith("数据错误") for row in r)) > 10
    assert sum(1 for r in quota if r[9][5] != "均衡") > 20 and sum(1 for r in quota if r[9][5] == "均衡") > 5
    history = [r for fn, r in results if fn == "CUSTOMER_HISTORY" and isinstance(r, list)]
    assert len(history) == 4 and len(history[0]) > 10
    said = [r for fn, r in results if fn == "FOLLOWUP_ERROR" and r]
    assert len(said) > 40


def test_error_texts_come_from_the_table():
    """Code.gs carries MESSAGES itself and no message text of its own."""
    code = make_appsscript.CODE_GS.read_text(encoding="utf-8")
    data = make_appsscript.build_data()
    assert data["messages"] == MESSAGES
    script = (
        code.split("var FOLLOWUP_CRM")[0].split(";\n\n", 1)[1] + code.split("var FOLLOWUP_CRM")[1].split(";\n", 1)[1]
    )
    for text in MESSAGES.values():
        zh = text.split(" (")[0].split("{")[0]
        assert zh not in script, zh


def test_retail_names_its_missing_classes():
    msg = excel.FOLLOWUP_ERROR("NEXT_FOLLOWUP", "A", "2026-11-03", 0, None, 0, "", "retail")
    assert "没有客户类别" in msg and "的类别为" not in msg and "has no customer classes" in msg


def test_header_aliases_are_one_table():
    assert make_appsscript.build_crm_data()["aliases"] == dict(sorted(EXTRA_ALIASES.items()))
    assert {"手机", "手机号", "mobile", "phone_number", "日期", "时间/日期"} <= set(EXTRA_ALIASES)


def test_faq_one_ranking_agrees_with_rapidfuzz():
    """The FAQ ranking every runtime computes (crm.similarity) gives Excel's former rapidfuzz
    answer on ≥ 99 % of the test set; "能开票吗" finds the invoice answer."""
    queries = faq_queries()
    assert len(queries) > 600
    same = sum(_rapidfuzz_best(q, FAQ) == (excel.FAQ_LOOKUP(q, FAQ) or "") for q in queries)
    assert same / len(queries) >= 0.99, f"{same} of {len(queries)}"
    assert excel.FAQ_LOOKUP("能开票吗", FAQ) == FAQ_ROWS[7][1]


def test_partial_ratio_is_rapidfuzz_partial_ratio():
    """Property: the exhaustive partial_ratio equals rapidfuzz's on random short texts."""
    from rapidfuzz import fuzz

    rng = random.Random(5)
    for _ in range(3000):
        alphabet = "眼镜片发票头晕ab"[: rng.randint(2, 9)]
        a = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        b = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40)))
        assert crm.partial_ratio(a, b) == pytest.approx(fuzz.partial_ratio(a, b) if a and b else 0.0), (a, b)
