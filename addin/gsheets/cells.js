
/* ---- Error texts, report names and deadlines, quotas, FOLLOWUP_ERROR: mirrors followup/udfs/
 * messages.py, errors.py, calendar.py, quotas/ and excel.py. The texts come from Python
 * (FOLLOWUP_DATA.messages, .reports, .quotas); a value is shown as Python shows it in Excel
 * (repr of what xlwings hands over: numbers as floats, empty cells as None, dates as datetimes). */

/** MESSAGES[key] with its {placeholders} filled (udfs/messages.expected). */
function fuMsg_(key, values) {
  var text = FOLLOWUP_DATA.messages[key];
  if (text === undefined) throw new Error('no message ' + key);
  return text.replace(/\{(\w+)\}/g, function (m, name) {
    return (values && values[name] !== undefined) ? String(values[name]) : m;
  });
}

/** '中文 (English)' → ['中文', 'English'] as errors._split: each language said once. */
function fuSplit_(text) {
  text = String(text).trim();
  if (text.charAt(text.length - 1) !== ')') return [text, ''];
  var depth = 0;
  for (var i = text.length - 1; i >= 0; i--) {
    var ch = text.charAt(i);
    if (ch === ')') depth += 1; else if (ch === '(') depth -= 1;
    if (depth === 0) {
      var inner = text.slice(i + 1, -1).trim();
      if (i === 0 || /[\u3000-\u9fff\uff00-\uffef]/.test(inner)) return [text, ''];
      return [text.slice(0, i).replace(/\s+$/, ''), inner];
    }
  }
  return [text, ''];
}

/** Python's repr of a float (xlwings hands every number over as a float). */
function fuPyFloat_(n) {
  if (isNaN(n)) return 'nan';
  if (!isFinite(n)) return n > 0 ? 'inf' : '-inf';
  if (n === 0) return (1 / n < 0) ? '-0.0' : '0.0';
  var m = /^(-?)(\d)(?:\.(\d+))?e([+-]\d+)$/.exec(n.toExponential());  // shortest round-trip digits
  var sign = m[1], head = m[2], tail = m[3] || '', exp = Number(m[4]), digits = head + tail;
  if (exp < -4 || exp >= 16) {
    var e = Math.abs(exp);
    return sign + head + (tail ? '.' + tail : '') + 'e' + (exp < 0 ? '-' : '+') + (e < 10 ? '0' : '') + e;
  }
  if (exp >= digits.length - 1) return sign + digits + new Array(exp - digits.length + 2).join('0') + '.0';
  if (exp >= 0) return sign + digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
  return sign + '0.' + new Array(-exp).join('0') + digits;
}

function fuHex_(c, width) {
  var h = c.toString(16);
  return new Array(width - h.length + 1).join('0') + h;
}

/** Python's repr of a str: quotes chosen as Python does, non-printable characters escaped. */
function fuPyStrRepr_(s) {
  var q = (s.indexOf("'") >= 0 && s.indexOf('"') < 0) ? '"' : "'";
  var out = q;
  Array.from(s).forEach(function (ch) {
    var c = ch.codePointAt(0);
    if (ch === '\\' || ch === q) out += '\\' + ch;
    else if (ch === '\t') out += '\\t';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch !== ' ' && /[\p{C}\p{Z}]/u.test(ch))
      out += c < 0x100 ? '\\x' + fuHex_(c, 2) : c < 0x10000 ? '\\u' + fuHex_(c, 4) : '\\U' + fuHex_(c, 8);
    else out += ch;
  });
  return out + q;
}

/** A Date as the spreadsheet shows it: [y, m, d, H, M, S, ms] in the spreadsheet's zone. */
function fuWall_(date) {
  var p = Utilities.formatDate(date, fuZone_(), 'yyyy-MM-dd-HH-mm-ss').split('-').map(Number);
  p.push(((date.getTime() % 1000) + 1000) % 1000);
  return p;
}

/** Python's repr of a cell value as xlwings hands it over ('' is an empty cell: None). */
function fuPyRepr_(v) {
  if (v === null || v === undefined || v === '') return 'None';
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (typeof v === 'number') return fuPyFloat_(v);
  if (typeof v === 'string') return fuPyStrRepr_(v);
  if (v instanceof Date) {
    if (isNaN(v.getTime())) return 'None';
    var p = fuWall_(v), args = p.slice(0, 5);
    if (p[5] || p[6]) args.push(p[5]);
    if (p[6]) args.push(p[6] * 1000);
    return 'datetime.datetime(' + args.join(', ') + ')';
  }
  if (Array.isArray(v)) return '[' + v.map(fuPyRepr_).join(', ') + ']';
  return fuPyStrRepr_(String(v));
}

/** Python's str() of a cell value (normalize() reads values through it). */
function fuPyStr_(v) {
  if (typeof v === 'number') return fuPyFloat_(v);
  if (typeof v === 'boolean') return v ? 'True' : 'False';
  if (v instanceof Date && !isNaN(v.getTime())) {
    var p = fuWall_(v), two = function (n) { return (n < 10 ? '0' : '') + n; };
    return p[0] + '-' + two(p[1]) + '-' + two(p[2]) + ' ' + two(p[3]) + ':' + two(p[4]) + ':' + two(p[5]);
  }
  return String(v);
}

/** The error of a bad argument, worded as errors.BadArgument words it (phones masked). */
function fuBad_(argument, value, expected) {
  var parts = fuSplit_(expected), shown = fuPyRepr_(value);
  var frame = parts[1] ? FOLLOWUP_DATA.bad_argument.en : FOLLOWUP_DATA.bad_argument.zh;
  var text = frame.replace(/\{(argument|value|zh|en)\}/g, function (m, k) {
    return {argument: argument, value: shown, zh: parts[0], en: parts[1]}[k];
  });
  var e = new Error(fuMaskText_(text));
  e.followup = true;
  return e;
}

function fuBlank_(v) {
  return v === null || v === undefined || (typeof v === 'string' && !v.trim()) || (typeof v === 'number' && isNaN(v));
}

/* ---- reports (udfs/calendar.py) ---- */

function fuReportKind_(kind) {
  var rep = FOLLOWUP_DATA.reports, text = fuNorm_(kind).replace(/ /g, '');
  for (var k in rep.kinds) if (rep.kinds[k].indexOf(text) >= 0) return k;
  throw fuBad_('kind', kind, fuMsg_('report_kind'));
}

/**
 * The exact file name of the report that covers a date, e.g. 11月第3周客户回访记录单.xlsx.
 * @param {string} kind weekly (回访记录单), gift (礼品) or monthly (汇总)
 * @param {Date} date a day the report covers
 * @customfunction
 */
function REPORT_NAME(kind, date) {
  if (fuBlank_(date)) return '';
  var code = fuReportKind_(kind), n = fuDayArg_(date, 'date'), p = fuYmd_(n);
  var name = FOLLOWUP_DATA.reports.names[code];
  if (code === 'monthly') return name.replace('{M}', p[1]);
  var label = WEEK_LABEL(date).match(/^(\d+)月第(\d+)周$/);
  return name.replace('{M}', label[1]).replace('{W}', label[2]);
}

/**
 * When the report covering a date is due: the Monday after its week at 12:00 (weekly, gift),
 * the 2nd of the next month at 18:00 (monthly), Asia/Shanghai time. In a spreadsheet whose zone
 * is at +08:00 then (Shanghai, Singapore, …) it is that instant as a Date (format the cell
 * yyyy-mm-dd hh:mm; comparable with NOW()), the same wall time Excel shows. Elsewhere a Date
 * would show another wall time, so it is the text `2026-11-23 12:00 (Asia/Shanghai)`.
 * @param {string} kind weekly (回访记录单), gift (礼品) or monthly (汇总)
 * @param {Date} date a day the report covers
 * @customfunction
 */
function REPORT_DEADLINE(kind, date) {
  if (fuBlank_(date)) return '';
  var code = fuReportKind_(kind), n = fuDayArg_(date, 'date');
  var rep = FOLLOWUP_DATA.reports, day, at;
  if (code === 'monthly') {
    var p = fuYmd_(n);
    day = fuDay_(p[0] + Math.floor(p[1] / 12), p[1] % 12 + 1, rep.monthly_day);
    at = rep.monthly_at;
  } else {
    day = n - fuWeekday_(n) + 7;
    at = rep.weekly_at;
  }
  var hm = at.split(':');
  var ms = day * 86400000 + (Number(hm[0]) * 60 + Number(hm[1]) - rep.utc_offset_minutes) * 60000;
  if (fuOffsetMinutes_(ms, fuZone_()) === rep.utc_offset_minutes) return new Date(ms);
  var ymd = fuYmd_(day), two = function (x) { return (x < 10 ? '0' : '') + x; };
  return rep.zone_text.replace('{when}', ymd[0] + '-' + two(ymd[1]) + '-' + two(ymd[2]) + ' ' + at);
}

/* ---- quotas (udfs/quotas/targets.py, check.py) ---- */

function fuYesNo_(value, argument) {
  if (value === null || value === undefined || (typeof value === 'number' && isNaN(value))) return null;
  if (typeof value === 'boolean') return value;
  if (typeof value === 'number') return value !== 0;
  var t = fuNorm_(value);
  if (!t) return null;
  if (FOLLOWUP_DATA.quotas.yes.indexOf(t) >= 0) return true;
  if (FOLLOWUP_DATA.quotas.no.indexOf(t) >= 0) return false;
  throw fuBad_(argument, value, fuMsg_('yes_no'));
}

function fuIsSuccess_(outcome, completed) {
  if (fuYesNo_(completed, 'completed') === false) return false;
  if (outcome === null || outcome === undefined || !fuNorm_(outcome)) return false;
  var code = fuCode_(FOLLOWUP_DATA.outcomes, outcome);
  if (code === null) throw fuBad_('outcome', outcome, fuMsg_('outcome'));
  return FOLLOWUP_DATA.quotas.success.indexOf(code) >= 0;
}

/**
 * Whether a call counts as a success (成功; with completed given and 否, it does not).
 * @param {string} outcome 成功, 未完成, 无人接听, 关机, 停机, 空号, 拒访, 已发送
 * @param {string} completed 是/否 (optional)
 * @customfunction
 */
function IS_SUCCESS(outcome, completed) {
  return fuIsSuccess_(outcome, completed);
}

function fuGroup_(group) {
  var Q = FOLLOWUP_DATA.quotas, text = fuNorm_(group);
  for (var cn in Q.cn_digits) text = text.split(cn).join(Q.cn_digits[cn]);
  if (/^\d+\.0+$/.test(text)) text = text.split('.')[0];
  var key = Q.groups[text] ? text : text.replace(/^(?:第|group\s*)?(\d+)(?:组)?$/, '$1');
  if (!Object.prototype.hasOwnProperty.call(Q.groups, key)) throw fuBad_('group', group, fuMsg_('group', {groups: Object.keys(Q.groups).join(', ')}));
  return key;
}

/** Python's f'{x:.0%}': x × 100 as a float, rounded half to even. */
function fuPercent_(x) {
  var v = x * 100, f = Math.floor(v), r = (v - f === 0.5) ? (f % 2 === 0 ? f : f + 1) : Math.round(v);
  return r + '%';
}

/** evaluate_week: [lo, hi], status, reasons (even when none). */
function fuEvaluateWeek_(counts, working, gq) {
  var Q = FOLLOWUP_DATA.quotas, n = 0, total = 0, i;
  for (i = 0; i < 7; i++) { if (working[i]) n += 1; total += counts[i]; }
  var scale = Math.min(n, 5) / 5;
  var lo = Math.floor(gq.weekly[0] * scale + 0.5), hi = Math.floor(gq.weekly[1] * scale + 0.5);
  var status = total < lo ? 'below' : total > hi ? 'above' : 'within';
  var reasons = [];
  if (total >= gq.daily) {
    var idle = [];
    for (i = 0; i < 7; i++) if (working[i] && counts[i] === 0) idle.push(Q.weekdays[i]);
    if (idle.length) reasons.push(Q.reasons.idle.replace('{days}', idle.join('、')));
  }
  var share = Math.max(Q.evenness_max_share, n ? 1 / n : 1.0);
  if (total) {
    var top = 0;
    for (i = 1; i < 7; i++) if (counts[i] > counts[top]) top = i;
    if (counts[top] / total > share + 1e-9)
      reasons.push(Q.reasons.share.replace('{day}', Q.weekdays[top]).replace('{got}', fuPercent_(counts[top] / total))
        .split('{most}').join(fuPercent_(share)));
  }
  return {range: [lo, hi], status: status, reasons: reasons};
}

/** A range or one cell → the flat list xlwings hands over with ndim=1 (empty: one empty cell). */
function fuFlat_(values) {
  if (values === null || values === undefined) return [null];
  if (!Array.isArray(values)) return [values];
  var out = [];
  values.forEach(function (v) {
    if (Array.isArray(v)) v.forEach(function (x) { out.push(x); }); else out.push(v);
  });
  return out;
}

/** to_datetime(value).date() as a day number (null when empty): a text with a time must be a valid one. */
function fuTimeDay_(value, argument) {
  if (typeof value === 'string') {
    var m = FU_TEXT_DATE.exec(value);
    if (m && m[4] !== undefined) {
      if (!fuValid_(+m[1], +m[2], +m[3]) || +m[4] > 23 || +m[5] > 59 || +(m[6] || 0) > 59)
        throw fuBad_(argument, value, fuMsg_('date_time'));
      return fuDay_(+m[1], +m[2], +m[3]);
    }
  }
  var n = fuToDate_(value, argument);
  if (n !== null && typeof value === 'number' && Math.round((value - Math.floor(value)) * 86400) >= 86400) n += 1;
  return n;
}

/**
 * One store group's week: successes per day against the daily target, the week's total against
 * its range, evenness; an unusable call gets its own 数据错误 row and the rest still counts.
 * @param {Array} dates the calls' times (a column)
 * @param {Array} outcomes the calls' outcomes (the same length)
 * @param {string} group the store group: 1, 2, 一组, 第2组, …
 * @param {Date} week_start any day of the week (default: the week of the first call)
 * @return rows of 日期, 星期, 工作日, 成功数, 日目标, 达标
 * @customfunction
 */
function QUOTA_CHECK(dates, outcomes, group, week_start) {
  var Q = FOLLOWUP_DATA.quotas, key = fuGroup_(group), gq = Q.groups[key];
  var ds = fuFlat_(dates), os = fuFlat_(outcomes), i;
  if (ds.length !== os.length)
    throw fuBad_('outcomes', os.length + ' 个', fuMsg_('same_length', {n: ds.length}));
  var rejected = [], calls = [];
  for (i = 0; i < ds.length; i++) {
    var day;
    try {
      day = fuTimeDay_(ds[i], 'dates[' + (i + 1) + ']');
      if (day !== null) {
        try { fuIsSuccess_(os[i]); } catch (e) {
          if (!e.followup) throw e;
          throw fuBad_('outcomes[' + (i + 1) + ']', os[i], fuMsg_('outcome'));
        }
      }
    } catch (e2) {
      if (!e2.followup) throw e2;
      rejected.push([i + 1, e2.message]);
      continue;
    }
    if (day !== null) calls.push([day, os[i]]);
  }
  var monday = fuToDate_(week_start, 'week_start');
  if (monday === null) {
    if (!calls.length) throw fuBad_('dates', ds, fuMsg_('no_dates'));
    monday = Math.min.apply(null, calls.map(function (c) { return c[0]; }));
  }
  monday -= fuWeekday_(monday);
  var counts = [0, 0, 0, 0, 0, 0, 0], working = [];
  calls.forEach(function (c) {
    var offset = c[0] - monday;
    if (offset >= 0 && offset < 7 && fuIsSuccess_(c[1])) counts[offset] += 1;
  });
  for (i = 0; i < 7; i++) working.push(fuWorkingDay_(monday + i));
  var week = fuEvaluateWeek_(counts, working, gq), total = counts.reduce(function (a, b) { return a + b; }, 0);
  var rows = [Q.header.slice()];
  for (i = 0; i < 7; i++) {
    var met = working[i] ? (counts[i] >= gq.daily ? '是' : '否') : '';
    rows.push([fuOut_(monday + i), Q.weekdays[(fuWeekday_(monday + i))], working[i] ? '是' : '否', counts[i],
               working[i] ? gq.daily : '', met]);
  }
  rows.push(['本周合计', '', '', total, week.range[0] + '-' + week.range[1], Q.status[week.status]]);
  rows.push(['均衡', '', '', '', '', week.reasons.length ? '不均衡: ' + week.reasons.join(';') : '均衡']);
  rejected.forEach(function (r) { rows.push(['数据错误 第' + r[0] + '条', '', '', '', '', r[1]]); });
  return rows;
}

/* ---- FOLLOWUP_ERROR (udfs/excel.py) ---- */

/**
 * The message of another function's error for the same arguments, or "" when the call is fine,
 * e.g. =FOLLOWUP_ERROR("NEXT_FOLLOWUP", F2, J2, 0, , , M2); when the call is fine but used a year
 * without an official holiday schedule, that year's warning.
 * @param {string} name the function's name
 * @customfunction
 */
function FOLLOWUP_ERROR(name, arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8) {
  var key = fuBlank_(name) ? '' : fuPyStr_(name).trim().toUpperCase().replace(/^=+/, '').split('(')[0];
  var names = FOLLOWUP_DATA.functions;
  if (names.indexOf(key) < 0)
    return fuBad_('name', name, fuMsg_('function_name', {names: names.join('、')})).message;
  var fn = fuFunctions_()[key];
  var args = [arg1, arg2, arg3, arg4, arg5, arg6, arg7, arg8].slice(0, FOLLOWUP_DATA.arity[key]);
  try {  // fine, but a year without an official holiday schedule used: its warning (SPEC §3.7)
    return fuCalendarNote_(function () { fn.apply(null, args); });
  } catch (e) {
    if (!e.followup) throw e;
    return e.message;
  }
}

function fuFunctions_() {
  return {
    NEXT_FOLLOWUP: NEXT_FOLLOWUP, FOLLOWUP_STEP: FOLLOWUP_STEP, FOLLOWUP_ROUTE: FOLLOWUP_ROUTE,
    CALL_WINDOW: CALL_WINDOW, CALENDAR_NOTE: CALENDAR_NOTE, IS_SUCCESS: IS_SUCCESS, QUOTA_CHECK: QUOTA_CHECK, WEEK_LABEL: WEEK_LABEL,
    REPORT_NAME: REPORT_NAME, REPORT_DEADLINE: REPORT_DEADLINE, MASK_PHONE: MASK_PHONE,
    FAQ_LOOKUP: FAQ_LOOKUP, CUSTOMER_HISTORY: CUSTOMER_HISTORY, FOLLOWUP_TABLE: FOLLOWUP_TABLE
  };
}
