"""Visual regression check: the demo's reports rendered to PDF by LibreOffice (headless) print as a
store manager needs them — one page wide per sheet, header rows on every page, at most one page
per ~40 data rows, each sheet of the ledger and the error list on one page — and can't be misread
(issue 23): every store and group has one colour in both charts, drawn as such in the PDF; the
states a manager scans for are coloured, with a legend; every table has a caption; a Chinese
report holds no English (footers included); the store order is one; the gift record's figures
add up; the ledger names the filer of each revision; an empty week shows no orphan header.

The demo is filed on time, then re-filed late by 张三 with one call's feedback changed (a second,
late revision of the weekly record); an empty week (2026-W44) is filed into a folder of its own.

Needs `soffice` (apt-get install libreoffice-calc-nogui) and pypdf; skips without LibreOffice,
fails instead under CI=true (.ci/run installs it).
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest

from followup.sync.demo import run_demo

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

if SOFFICE is None:
    if os.environ.get("CI") == "true":
        pytest.fail(
            "LibreOffice (soffice) is required under CI=true: apt-get install libreoffice-calc-nogui", pytrace=False
        )
    pytest.skip("LibreOffice (soffice) is not installed", allow_module_level=True)

pypdf = pytest.importorskip("pypdf")

ROWS_PER_PAGE = 40


def _to_pdf(files: list[Path], out: Path, profile: str) -> None:
    proc = subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation={profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    for f in files:
        assert (out / (f.stem + ".pdf")).is_file(), (f.name, proc.stdout, proc.stderr)


@pytest.fixture(scope="module")
def filed(tmp_path_factory):
    """The demo filed on time, then re-filed late by 张三 with changed content; the PDFs of its five
    files; and an empty week filed apart. {"files", "pdf", "empty", "empty_pdf"}."""
    import datetime as dt

    from followup.sync.config import load_config
    from followup.sync.pipeline import run_sync

    base = tmp_path_factory.mktemp("print")
    config, _ = run_demo(base / "demo")
    store = base / "demo" / "stores" / "二店.xlsx"
    wb = openpyxl.load_workbook(store)
    ws = wb["回访记录"]
    head = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if str(ws.cell(r, 1).value).startswith("2026-11-18"))
    ws.cell(row, head.index("反馈") + 1).value = "镜框有点松,已约周六到店调整;" * 4  # a long, wrapping note
    wb.save(store)
    result = run_sync(config, dt.datetime(2026, 11, 30, 14, 5), "2026-W47", who="张三")
    files = [result.paths[k] for k in ("weekly", "gift", "monthly", "ledger", "errors")]
    out = base / "pdf"
    profile = (base / "lo-profile").as_uri()
    empty_cfg = base / "demo" / "empty.toml"
    text = (base / "demo" / "followup.toml").read_text(encoding="utf-8")
    empty_cfg.write_text(text.replace('report_dir = "reports"', 'report_dir = "reports-empty"'), encoding="utf-8")
    empty = run_sync(load_config(empty_cfg), dt.datetime(2026, 11, 2, 9, 0), "2026-W44").paths["weekly"]
    _to_pdf([*files, empty], out, profile)
    return {"files": files, "pdf": out, "empty": empty, "config": config}


@pytest.fixture(scope="module")
def rendered(filed):
    """{file stem: (xlsx path, [page texts], [page sizes])} of the five files."""
    got = {}
    for f in filed["files"]:
        reader = pypdf.PdfReader(str(filed["pdf"] / (f.stem + ".pdf")))
        got[f.stem] = (
            f,
            [p.extract_text() or "" for p in reader.pages],
            [(float(p.mediabox.width), float(p.mediabox.height)) for p in reader.pages],
        )
    return got


def _page_colours(pdf: Path) -> list[set[str]]:
    """Per page, the RGB colours (#RRGGBB) the page fills or strokes with (PDF `rg`/`RG` operators)."""
    out = []
    for page in pypdf.PdfReader(str(pdf)).pages:
        data = page.get_contents().get_data() if page.get_contents() is not None else b""
        found = re.findall(rb"([\d.]+) ([\d.]+) ([\d.]+) (?:rg|RG)\b", data)
        out.append({"#" + "".join(f"{round(float(v) * 255):02X}" for v in rgb) for rgb in found})
    return out


def _by_name(rendered, part: str):
    return next(v for k, v in rendered.items() if part in k)


def _sheet_pages(texts: list[str], sheets: list[str]) -> dict[str, list[str]]:
    """Pages per sheet: the page header carries the sheet name (&A) in its middle."""
    pages: dict[str, list[str]] = {s: [] for s in sheets}
    for t in texts:
        head = t.strip().splitlines()[0] if t.strip() else ""
        tokens = head.split()[1:]  # the report's name, then the sheet's (&A), then the period
        name = next((s for s in sheets if s in tokens), None) or next(
            (s for s in sorted(sheets, key=len, reverse=True) if s in head), None
        )
        assert name is not None, head
        pages[name].append(t)
    return pages


def _data_rows(path: Path) -> dict[str, tuple[int, int]]:
    """Per sheet: (data rows, columns in use)."""
    wb = openpyxl.load_workbook(path, read_only=True)
    return {ws.title: (ws.max_row, ws.max_column) for ws in wb.worksheets}


def test_every_page_is_a4_with_report_header_and_page_numbers(rendered):
    for stem, (_path, texts, sizes) in rendered.items():
        for (w, h), _text in zip(sizes, texts):
            assert {round(w), round(h)} == {595, 842}, (stem, w, h)  # A4 (either way round)
        n = len(texts)
        for i, text in enumerate(texts, start=1):
            # footer: page x / y, in the report's language only (no "page x of y" in a Chinese report)
            assert f"第 {i} 页 / 共 {n} 页" in text and "page" not in text, (stem, i)


def test_weekly_record_one_page_wide_headers_repeated_and_compact(rendered):
    path, texts, sizes = _by_name(rendered, "客户回访记录单")
    rows = _data_rows(path)
    pages = _sheet_pages(texts, list(rows))
    assert all(pages.values()), {k: len(v) for k, v in pages.items()}
    detail = pages["回访明细"]
    n_detail = rows["回访明细"][0] - 4
    # one page width: every page holds the last column's header (处理状态), i.e. no column spilled
    # onto pages of its own, and every page repeats the header row
    for i, text in enumerate(detail):
        assert "处理状态" in text and "客户编号" in text, f"detail page {i + 1} lacks the header row"
    for name, texts_ in pages.items():
        assert len(texts_) <= max(1, math.ceil(rows[name][0] / ROWS_PER_PAGE)) + 3, (name, len(texts_))
    # ≤ one page per ~40 data rows overall (plus one per store break and per small sheet)
    assert len(detail) <= math.ceil(n_detail / ROWS_PER_PAGE) + 3, (len(detail), n_detail)
    assert len(texts) <= math.ceil(sum(r for r, _ in rows.values()) / ROWS_PER_PAGE) + 6
    # the summary's chart and its tables: the chart is not split (the summary fits in two pages)
    assert len(pages["汇总"]) <= 2


def test_stores_start_on_their_own_pages(rendered):
    path, texts, _ = _by_name(rendered, "客户回访记录单")
    detail = _sheet_pages(texts, list(_data_rows(path)))["回访明细"]
    stores_per_page = [set(re.findall(r"\d\d:\d\d\s*([一二三]店)", t)) for t in detail]  # time, then store
    assert all(len(s) == 1 for s in stores_per_page), stores_per_page
    order = [next(iter(s)) for s in stores_per_page]
    assert order == sorted(order, key=["一店", "二店", "三店"].index)


def test_ledger_and_error_list_print_on_one_page(rendered):
    for part in ("提交记录", "错误清单"):
        path, texts, _ = _by_name(rendered, part)
        pages = _sheet_pages(texts, list(_data_rows(path)))
        assert all(len(p) == 1 for p in pages.values()), (part, {k: len(v) for k, v in pages.items()})
    _, texts, _ = _by_name(rendered, "错误清单")
    assert "电话为空,请补填" in texts[0] and "2026-13-01 10:00" in texts[0]  # messages not cut off
    _, texts, _ = _by_name(rendered, "提交记录")
    assert "2026-11-23 09:30:00" in texts[0]


def test_gift_and_monthly_one_page_wide(rendered):
    path, texts, _ = _by_name(rendered, "礼品回访记录单")
    pages = _sheet_pages(texts, list(_data_rows(path)))
    for text in pages["礼品抽查"]:
        assert "核查结果" in text and "发放日期" in text
    path, texts, _ = _by_name(rendered, "汇总表")
    pages = _sheet_pages(texts, list(_data_rows(path)))
    assert len(pages["门店汇总"]) == 1  # table, small-store check and chart on one page
    assert "11月第3周" in pages["门店汇总"][0] and "门店" in pages["门店汇总"][0]


# ---- issue 23: pictures that can't be misread, figures that add up -------------------------------

ALERT_FILL = "#FFC7CE"
NS = {
    "c": "http://schemas.openxmlformats.org/drawingml/2006/chart",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
}


def _pdf_of(filed, part: str) -> Path:
    return next(filed["pdf"] / (f.stem + ".pdf") for f in filed["files"] if part in f.stem)


def _xlsx_of(filed, part: str) -> Path:
    return next(f for f in filed["files"] if part in f.stem)


def _series(path: Path) -> list[dict]:
    """Every chart series of a workbook: kind (bar/line), name (the referenced cell's text), fill,
    outline/line colour, and the data labels it keeps (points not deleted)."""
    import zipfile
    from xml.etree import ElementTree as ET

    wb = openpyxl.load_workbook(path)
    out = []
    with zipfile.ZipFile(path) as z:
        for part in sorted(n for n in z.namelist() if n.startswith("xl/charts/chart")):
            root = ET.fromstring(z.read(part))
            for kind in ("barChart", "lineChart"):
                for ser in root.iter(f"{{{NS['c']}}}{kind}"):
                    for s in ser.findall("c:ser", NS):
                        ref = s.find("c:tx/c:strRef/c:f", NS).text
                        sheet, cell = ref.rsplit("!", 1)
                        name = wb[sheet.strip("'")][cell.replace("$", "")].value
                        fill = s.find("c:spPr/a:solidFill/a:srgbClr", NS)
                        line = s.find("c:spPr/a:ln/a:solidFill/a:srgbClr", NS)
                        labels = s.find("c:dLbls", NS)
                        kept = (
                            None
                            if labels is None
                            else [
                                d.find("c:idx", NS).get("val")
                                for d in labels.findall("c:dLbl", NS)
                                if d.find("c:delete", NS) is None
                            ]
                        )
                        out.append(
                            {
                                "chart": part,
                                "kind": kind,
                                "name": str(name),
                                "fill": None if fill is None else "#" + fill.get("val").upper(),
                                "line": None if line is None else "#" + line.get("val").upper(),
                                "kept": kept,
                            }
                        )
    return out


def _grey(colour: str) -> float:
    r, g, b = (int(colour[i : i + 2], 16) for i in (1, 3, 5))
    return 0.299 * r + 0.587 * g + 0.114 * b


def test_one_colour_per_store_and_group_in_both_charts_and_in_print(filed):
    stores = ["一店", "二店", "三店"]
    groups = {"2": ["一店"], "1": ["二店", "三店"]}  # the demo's config
    weekly, monthly = _series(_xlsx_of(filed, "客户回访记录单")), _series(_xlsx_of(filed, "汇总表"))
    bars = [
        {s["name"]: (s["fill"], s["line"]) for s in series if s["kind"] == "barChart"} for series in (weekly, monthly)
    ]
    assert bars[0] == bars[1] and list(bars[0]) == stores  # the same colours in both reports
    fills = [bars[0][s][0] for s in stores]
    assert len(set(fills)) == 3 and all(fills)
    # readable in grey print: the stores' bars differ in lightness
    greys = sorted(_grey(c) for c in fills)
    assert all(b - a >= 25 for a, b in zip(greys, greys[1:])), greys
    group_colour = {}
    for g, members in groups.items():
        lines = [s for s in weekly + monthly if s["kind"] == "lineChart" and s["name"].startswith(f"{g}组")]
        assert len(lines) == 3, lines  # the weekly record's daily target, the monthly band's min and max
        colours = {s["line"] for s in lines}
        assert len(colours) == 1, lines
        group_colour[g] = colours.pop()
        for s in lines:  # each line names its stores, and they are outlined in its colour
            assert s["name"].endswith("(" + "、".join(members) + ")"), s["name"]
            assert s["kept"] is not None and len(s["kept"]) == 1, s  # labelled (at its last point)
        assert {bars[0][m][1] for m in members} == {group_colour[g]}
    assert len(set(group_colour.values())) == 2
    # the print shows them: every bar fill and group colour is drawn on the chart's page
    for pdf, sheet in ((_pdf_of(filed, "客户回访记录单"), "汇总"), (_pdf_of(filed, "汇总表"), "门店汇总")):
        texts = [p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages]
        colours = _page_colours(pdf)
        page = next(i for i, t in enumerate(texts) if sheet in t.splitlines()[0] and "合计" in t)
        assert set(fills) | set(group_colour.values()) <= colours[page], (sheet, sorted(colours[page]))


STATES = ("未达标", "不均衡", "逾期", "高", "未核查")


def _rules(ws) -> list[tuple[str, object, str]]:
    """(range, rule, fill colour) of a sheet's conditional formats."""
    out = []
    for cf in ws.conditional_formatting:
        for rule in cf.rules:
            fill = rule.dxf.fill if rule.dxf is not None else None
            colour = None
            if fill is not None:
                colour = (fill.bgColor.rgb if fill.bgColor is not None else None) or fill.fgColor.rgb
            out.append((str(cf.sqref), rule, "#" + str(colour)[-6:].upper() if colour else ""))
    return out


def test_states_are_coloured_with_a_legend_in_every_report(filed):
    from openpyxl.worksheet.cell_range import CellRange

    seen = set()
    for part in ("客户回访记录单", "礼品回访记录单", "汇总表"):
        path, pdf = _xlsx_of(filed, part), _pdf_of(filed, part)
        texts = [p.extract_text() for p in pypdf.PdfReader(str(pdf)).pages]
        colours = _page_colours(pdf)
        for ws in openpyxl.load_workbook(path).worksheets:
            rules = _rules(ws)
            cells = [c for row in ws.iter_rows() for c in row if c.value in STATES]
            for c in cells:
                covering = [
                    r
                    for rng, r, fill in rules
                    if fill == ALERT_FILL
                    and any(c.coordinate in CellRange(x) for x in rng.split())
                    and any(f'"{c.value}"' == f or c.value in str(r.text or "") for f in (r.formula or []) + [""])
                ]
                assert covering, (path.name, ws.title, c.coordinate, c.value)
                seen.add(c.value)
            pages = [i for i, t in enumerate(texts) if t.strip() and ws.title in t.splitlines()[0]]
            if cells:  # printed in the alert colour, with the legend in the footer
                assert any(ALERT_FILL in colours[i] for i in pages), (path.name, ws.title)
                assert all("红底 = 需处理" in texts[i] for i in pages), (path.name, ws.title)
    assert {"未达标", "不均衡", "未核查"} <= seen
    # the ledger: a late filing's minutes in red (张三's late revision)
    ws = openpyxl.load_workbook(_xlsx_of(filed, "提交记录"))["提交记录"]
    assert any(fill == ALERT_FILL and r.operator == "greaterThan" for _, r, fill in _rules(ws))
    assert ALERT_FILL in _page_colours(_pdf_of(filed, "提交记录"))[0]


def test_every_table_has_a_caption_and_the_summary_captions_print(filed, rendered):
    for part in ("客户回访记录单", "礼品回访记录单", "汇总表"):
        wb = openpyxl.load_workbook(_xlsx_of(filed, part))
        for ws in wb.worksheets:
            rows = list(ws.iter_rows())
            for i, row in enumerate(rows):
                head = row[0].fill.fgColor.rgb if row[0].fill is not None else None
                above = rows[i - 1][0].fill.fgColor.rgb if i else None
                if str(head).endswith("DDEBF7") and not str(above).endswith("DDEBF7") and row[0].font.b:
                    if i + 1 < len(rows) and rows[i + 1][0].value is None and row[1].value is None:
                        continue  # a 合计 row after an empty table is no header
                    named = [rows[j][0].value for j in range(max(0, i - 2), i) if isinstance(rows[j][0].value, str)]
                    assert named, (part, ws.title, i + 1)
    captions = {
        "客户回访记录单": ("汇总", ["各门店本周回访与配额", "各坐席本周回访"]),
        "礼品回访记录单": ("礼品抽查", ["各门店礼品抽查核对", "抽查名单"]),
        "汇总表": ("门店汇总", ["各门店本月回访"]),
    }
    for part, (sheet, names) in captions.items():
        path, texts, _ = _by_name(rendered, part)
        text = "\n".join(_sheet_pages(texts, list(_data_rows(path)))[sheet])
        assert all(n in text for n in names), (part, names)


def test_chinese_reports_hold_no_english(filed, rendered):
    for stem, (_path, texts, _) in rendered.items():
        for i, text in enumerate(texts, start=1):
            words = set(re.findall(r"[A-Za-z]{3,}", text)) - {"xlsx"}
            assert not words, (stem, i, words)
    empty = pypdf.PdfReader(str(filed["pdf"] / (filed["empty"].stem + ".pdf")))
    assert not set(re.findall(r"[A-Za-z]{3,}", "".join(p.extract_text() for p in empty.pages)))


def test_one_store_order_in_open_complaints_and_the_error_list(rendered):
    order = ["一店", "二店", "三店"]
    path, texts, _ = _by_name(rendered, "客户回访记录单")
    complaints = "\n".join(_sheet_pages(texts, list(_data_rows(path)))["未结投诉"])
    _, errors, _ = _by_name(rendered, "错误清单")
    for text in (complaints, errors[0]):
        seen = [m for m in re.findall(r"[一二三]店", text.split("\n", 1)[1])]
        firsts = list(dict.fromkeys(seen))
        assert firsts == order, firsts
        assert seen == sorted(seen, key=order.index), seen  # grouped, never back to an earlier store


def test_gift_record_adds_up_on_its_first_page(filed, rendered):
    path, texts, _ = _by_name(rendered, "礼品回访记录单")
    wb = openpyxl.load_workbook(path)
    rows = list(wb["礼品抽查"].iter_rows(values_only=True))
    h = next(i for i, r in enumerate(rows) if r[0] == "门店")
    head = list(rows[h])
    col = {
        k: head.index(k)
        for k in ("礼品记录数", "应抽查", "已核查", "待核查", "核查比例", "结论", "核查短信", "其中发给抽查客户")
    }
    body = rows[h + 1 : h + 4]
    total = rows[h + 4]
    assert total[0] == "合计"
    for r in body + [total]:
        assert r[col["应抽查"]] == r[col["已核查"]] + r[col["待核查"]], r
        assert abs(r[col["核查比例"]] - r[col["已核查"]] / r[col["礼品记录数"]]) < 1e-6, r
        assert r[col["结论"]] == ("达标" if r[col["待核查"]] == 0 else "未达标"), r
    for k in ("礼品记录数", "应抽查", "已核查", "待核查", "核查短信", "其中发给抽查客户"):
        assert total[col[k]] == sum(r[col[k]] for r in body), k
    # the SMS list squares with the counts: one row per gift-check SMS/call, those to the sample marked
    calls = list(wb["礼品核查回访"].iter_rows(values_only=True))
    ch = next(i for i, r in enumerate(calls) if r[0] == "时间")
    listed = [r for r in calls[ch + 1 :] if r[0] is not None]
    mark = list(calls[ch]).index("在抽查名单中")
    assert len(listed) == total[col["核查短信"]]
    assert sum(1 for r in listed if r[mark] == "是") == total[col["其中发给抽查客户"]]
    # the sample lists each record's state; the first page says all of it
    sample = [r for r in rows[h + 5 :] if r[0] in ("一店", "二店", "三店")]
    assert len(sample) == total[col["应抽查"]]
    assert sum(1 for r in sample if r[-1] == "未核查") == total[col["待核查"]]
    first = texts[0]
    assert f"应抽查 {total[col['应抽查']]} 条" in first and f"待核查 {total[col['待核查']]} 条" in first
    assert "各门店礼品抽查核对" in first and "合计" in first


def test_totals_rows_have_every_rate(filed):
    ws = openpyxl.load_workbook(_xlsx_of(filed, "客户回访记录单"))["汇总"]
    rows = list(ws.iter_rows(values_only=True))
    h = next(i for i, r in enumerate(rows) if r[0] == "门店" and "成功率" in r)
    head, total = list(rows[h]), next(r for r in rows[h:] if r[0] == "合计")
    assert abs(total[head.index("成功率")] - total[head.index("成功数")] / total[head.index("回访数")]) < 1e-6
    assert total[head.index("单日最高占比")] is not None
    ws = openpyxl.load_workbook(_xlsx_of(filed, "汇总表"))["门店汇总"]
    rows = list(ws.iter_rows(values_only=True))
    h = next(i for i, r in enumerate(rows) if r[0] == "门店")
    head, total = list(rows[h]), next(r for r in rows[h:] if r[0] == "合计")
    assert abs(total[head.index("成功率")] - total[head.index("成功数")] / total[head.index("回访数")]) < 1e-6


def test_ledger_names_the_filer_of_every_revision_and_rows_read_as_one(filed, rendered):
    path, texts, _ = _by_name(rendered, "提交记录")
    wb = openpyxl.load_workbook(path)
    ws = wb["提交记录"]
    head = [c.value for c in ws[1]]
    weekly = next(r for r in ws.iter_rows(min_row=2, values_only=True) if r[1] == "11月第3周客户回访记录单.xlsx")
    assert weekly[head.index("提交人")] == "张三" and weekly[head.index("首次提交人")] == "客服中心"
    assert weekly[head.index("修订次数")] == 2
    revisions = [r for r in wb["修订记录"].iter_rows(min_row=2, values_only=True) if r[0] == weekly[1]]
    assert [(r[2], r[3], f"{r[4]:%m-%d %H:%M}") for r in revisions] == [
        (1, "客服中心", "11-23 09:30"),
        (2, "张三", "11-30 14:05"),
    ]
    pages = _sheet_pages(texts, wb.sheetnames)
    assert "首次提交人" in pages["提交记录"][0] and "2026-11-30 14:05:00" in pages["修订记录"][0]
    # a row whose text wraps (the long feedback) keeps all its cells top-aligned: it reads as one row
    detail = openpyxl.load_workbook(_xlsx_of(filed, "客户回访记录单"))["回访明细"]
    tall = [r for r, d in detail.row_dimensions.items() if d.height and d.height > 15]
    assert tall
    for r in tall:
        for c in detail[r]:
            if c.value is not None:
                assert c.alignment.vertical == "top", (c.coordinate, c.value)


def test_an_empty_week_shows_no_orphan_header(filed):
    texts = [p.extract_text() for p in pypdf.PdfReader(str(filed["pdf"] / (filed["empty"].stem + ".pdf"))).pages]
    summary = [t for t in texts if "汇总" in t.splitlines()[0]]
    assert summary
    text = "\n".join(summary)
    assert "各坐席本周回访" in text and "本周没有回访记录" in text
    assert text.count("门店 组别 回访数") == 1  # the store table's header, once: not repeated on another page
    assert "坐席 回访数" not in text  # no header of an empty per-agent table
