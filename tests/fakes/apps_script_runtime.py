"""The Apps Script runtime as the parity tests give it to Code.gs under node: one prelude, one runner.

A node script starting with `PRELUDE` is called as `node script.js CODE_GS CASES_FILE SHEET_TZ`.
It loads Code.gs into a `vm` context whose `SpreadsheetApp.getActive().getSpreadsheetTimeZone()`
is the sheet's zone and whose `Utilities.formatDate(date, timeZone, format)` behaves as the real
one (Java SimpleDateFormat patterns, any IANA zone, through Intl: never the process zone). It
leaves `vm`, `fs`, `code`, `casesFile`, `SHEET_TZ`, `pad`, `parts`, `offsetMinutes`,
`formatDate` and `ctx` for the test's own part.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

NODE = shutil.which("node")

PRELUDE = r"""const vm = require('vm'), fs = require('fs');
const [code, casesFile, SHEET_TZ] = process.argv.slice(2);
const pad = n => String(n).padStart(2, '0');
// Utilities.formatDate(date, timeZone, format) as the real one does it (Java SimpleDateFormat
// patterns, any IANA zone): here with Intl and the zone given, never the process zone.
const fmts = {};
function parts(d, tz) {
  const f = fmts[tz] || (fmts[tz] = new Intl.DateTimeFormat('en-US', {timeZone: tz, hourCycle: 'h23',
    year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit'}));
  const o = {};
  for (const p of f.formatToParts(d)) o[p.type] = p.value;
  return o;
}
function offsetMinutes(ms, tz) {
  const o = parts(new Date(ms), tz);
  const wall = Date.UTC(+o.year, +o.month - 1, +o.day, +o.hour, +o.minute, +o.second);
  return Math.round((wall - (ms - ((ms % 1000) + 1000) % 1000)) / 60000);
}
function formatDate(d, tz, fmt) {
  if (typeof tz !== 'string' || !tz) throw new Error('formatDate: time zone required');
  const o = parts(d, tz), off = offsetMinutes(d.getTime(), tz);
  const Z = (off < 0 ? '-' : '+') + pad(Math.floor(Math.abs(off) / 60)) + pad(Math.abs(off) % 60);
  const map = {yyyy: o.year, MM: o.month, dd: o.day, HH: o.hour, mm: o.minute, ss: o.second, Z: Z};
  return fmt.replace(/yyyy|MM|dd|HH|mm|ss|Z/g, t => map[t]);
}
const ctx = {
  SpreadsheetApp: {getActive: () => ({getSpreadsheetTimeZone: () => SHEET_TZ})},
  Utilities: {formatDate: formatDate},
};
vm.createContext(ctx); vm.runInContext(fs.readFileSync(code, 'utf8'), ctx);
"""


def run_node(harness: str, code_gs: Path, tmp_path: Path, cases: list, process_tz: str, sheet_tz: str) -> list:
    """Run `harness` (PRELUDE + the test's part) on Code.gs with `cases` (JSON) in a node whose
    process zone is `process_tz` and whose sheet is in `sheet_tz`; returns its JSON answer."""
    (tmp_path / "harness.js").write_text(harness, encoding="utf-8")
    (tmp_path / "cases.json").write_text(json.dumps(cases, ensure_ascii=False), encoding="utf-8")
    proc = subprocess.run(
        [str(NODE), str(tmp_path / "harness.js"), str(code_gs), str(tmp_path / "cases.json"), sheet_tz],
        capture_output=True,
        text=True,
        timeout=300,
        env={"TZ": process_tz, "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)
