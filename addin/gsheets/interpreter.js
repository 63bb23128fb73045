/* followup: cell functions for Google Sheets. A small generic interpreter of the playbooks in
 * FOLLOWUP_DATA (rules stay data); mirrors followup/udfs/cadence.py + engine.py exactly, and
 * closing.py's step-closing rule over the data it exports (FOLLOWUP_DATA.closing).
 * Dates inside are whole day numbers (days since 1970-01-01, calendar arithmetic in UTC).
 *
 * Time zones: Sheets hands a date cell to a custom function as a Date at midnight in the
 * SPREADSHEET's zone, and turns a returned Date into a cell value in that zone too; the script
 * project's own zone (appsscript.json `timeZone`) may differ. So every Date is read and built
 * in the spreadsheet's zone (SpreadsheetApp…getSpreadsheetTimeZone + Utilities.formatDate),
 * never with the script zone's local getters, and an empty `today` is today in that zone. */

var FU_EPOCH_SERIAL = 25569; // 1970-01-01 as a Sheets serial (epoch 1899-12-30)
var FU_DEFAULT_ZONE = 'Asia/Shanghai';
var FU_ZONE_ = null;

/** The spreadsheet's time zone (cached for the execution); the script's zone outside a sheet. */
function fuZone_() {
  if (FU_ZONE_) return FU_ZONE_;
  try {
    var ss = SpreadsheetApp.getActive();
    if (ss) FU_ZONE_ = ss.getSpreadsheetTimeZone();
  } catch (e) { FU_ZONE_ = null; }
  if (!FU_ZONE_) {
    try { FU_ZONE_ = Session.getScriptTimeZone(); } catch (e2) { FU_ZONE_ = null; }
  }
  if (!FU_ZONE_) FU_ZONE_ = FU_DEFAULT_ZONE;
  return FU_ZONE_;
}

/** A Date → its calendar day (day number) in the spreadsheet's zone. */
function fuZoneDay_(date) {
  var p = Utilities.formatDate(date, fuZone_(), 'yyyy-MM-dd').split('-');
  return fuDay_(+p[0], +p[1], +p[2]);
}

/** Minutes east of UTC in force in `zone` at the instant `ms` ("Z" gives e.g. +0800). */
function fuOffsetMinutes_(ms, zone) {
  var z = Utilities.formatDate(new Date(ms), zone, 'Z');
  var sign = z.charAt(0) === '-' ? -1 : 1;
  return sign * (Number(z.substr(1, 2)) * 60 + Number(z.substr(3, 2)));
}

/** Day number → the Date at midnight of that day in the spreadsheet's zone. */
function fuZoneMidnight_(n) {
  var zone = fuZone_(), wall = n * 86400000;
  var t = wall - fuOffsetMinutes_(wall, zone) * 60000;
  t = wall - fuOffsetMinutes_(t, zone) * 60000;  // the offset in force at that midnight (DST)
  return new Date(t);
}

/** Today's day number in the spreadsheet's zone (Excel's default `today`, in Shanghai there). */
function fuToday_() { return fuZoneDay_(new Date()); }

function fuBad_(argument, value, expected) {
  var shown = (value instanceof Date) ? (isNaN(value.getTime()) ? 'Invalid Date' :
    Utilities.formatDate(value, fuZone_(), 'yyyy-MM-dd HH:mm')) : JSON.stringify(value);
  return new Error(fuMaskText_('参数 ' + argument + ' 的值 ' + shown + ' 无效: ' + expected +
                   ' (argument ' + argument + '=' + shown + ' is invalid: ' + expected + ')'));
}

/** Every mobile number inside an error text masked as 138****5678 (SPEC §3.5), as udfs/privacy.py. */
function fuMaskText_(text) {
  return String(text).replace(/(?<![\d.])(?:(?:\+|00)?86[\s-]?)?(1[3-9]\d)[\s-]?(\d{4})[\s-]?(\d{4})(?!\d)/g,
                              function (m, a, b, c) { return a + '****' + c; });
}

function fuDay_(y, m, d) { return Math.round(Date.UTC(y, m - 1, d) / 86400000); }

function fuYmd_(n) {
  var t = new Date(n * 86400000);
  return [t.getUTCFullYear(), t.getUTCMonth() + 1, t.getUTCDate()];
}

function fuValid_(y, m, d) {
  if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  return d <= fuMonthLen_(y, m);
}

function fuMonthLen_(y, m) { return new Date(Date.UTC(y, m, 0)).getUTCDate(); }

var FU_TEXT_DATE = /^\s*(\d{4})\s*(?:[-\/.]|年)\s*(\d{1,2})\s*(?:[-\/.]|月)\s*(\d{1,2})\s*日?(?:[ T]+(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?)?\s*$/;

/** A cell value → day number, or null when empty. */
function fuToDate_(value, argument) {
  if (value === null || value === undefined) return null;
  if (value instanceof Date) {
    if (isNaN(value.getTime())) return null;
    return fuZoneDay_(value);
  }
  if (typeof value === 'string') {
    var text = value.trim();
    if (!text) return null;
    var m = FU_TEXT_DATE.exec(text);
    if (m) {
      var y = +m[1], mo = +m[2], d = +m[3];
      if (fuValid_(y, mo, d)) return fuDay_(y, mo, d);
    }
    throw fuBad_(argument, value, '应为日期,例如 2026-11-03、2026/11/3 或 2026年11月3日 (expected a date such as 2026-11-03)');
  }
  if (typeof value === 'boolean') throw fuBad_(argument, value, '应为日期 (expected a date, got a boolean)');
  if (typeof value === 'number') {
    if (isNaN(value)) return null;
    var whole = Math.floor(value);
    if (!isFinite(value) || whole < 1 || whole > 2958465 || whole === 60)
      throw fuBad_(argument, value, '不是有效的 Excel 日期序列号 (not a valid Excel date serial)');
    // Serials from 61 on count from 1899-12-30 (Excel and Sheets agree); below, Excel's 1900 system.
    return whole < 60 ? whole - FU_EPOCH_SERIAL + 1 : whole - FU_EPOCH_SERIAL;
  }
  throw fuBad_(argument, value, '应为日期 (expected a date)');
}

/** day + months + days, months first and clamped at the month end (like relativedelta). */
function fuShift_(n, months, days) {
  var p = fuYmd_(n);
  var total = p[0] * 12 + (p[1] - 1) + months;
  var y = Math.floor(total / 12), m = total - y * 12 + 1;
  var d = Math.min(p[2], fuMonthLen_(y, m));
  return fuDay_(y, m, d) + days;
}

function fuSemimonthly_(anchor, days, i) {
  var p = fuYmd_(anchor), per = days.length;
  var first = p[0] * 12 + p[1] - 1;
  var slot = first * per;
  for (var j = 0; j < per; j++) if (days[j] <= p[2]) slot += 1;
  slot += i;
  var q = Math.floor(slot / per);
  var y = Math.floor(q / 12), m = q - y * 12;
  return fuDay_(y, m + 1, days[slot - q * per]);
}

function fuNorm_(text) {
  if (text === null || text === undefined) return '';
  return String(text).replace(/\u3000/g, ' ').trim().toLowerCase();
}

function fuCode_(table, value) {
  var t = fuNorm_(value);
  if (!t) return null;
  if (Object.prototype.hasOwnProperty.call(table, t)) return table[t];
  for (var k in table) if (table[k] === t) return t;
  return null;
}

function fuFlags_(value) {
  var out = {};
  if (value === null || value === undefined || (typeof value === 'number' && isNaN(value))) return out;
  var parts = String(value).replace(/，/g, ',').replace(/、/g, ',').replace(/;/g, ',').replace(/；/g, ',').split(',');
  for (var i = 0; i < parts.length; i++) {
    var words = parts[i].split(/[\s\u3000\u00a0\u2000-\u200a\u2028\u2029\u202f\u205f\u1680\x1c-\x1f\x85]+/);
    for (var j = 0; j < words.length; j++) {
      if (!words[j]) continue;
      var code = fuCode_(FOLLOWUP_DATA.flags, words[j]);
      out[code ? code : words[j]] = true;
    }
  }
  return out;
}

function fuCount_(value, argument) {
  if (value === null || value === undefined || value === '' || (typeof value === 'number' && isNaN(value))) return 0;
  var n = (typeof value === 'boolean') ? (value ? 1 : 0) : (typeof value === 'number' ? value : fuFloat_(value));
  if (n === null || isNaN(n) || n < 0 || n !== Math.floor(n) || !isFinite(n))
    throw fuBad_(argument, value, '应为非负整数 (expected a whole number ≥ 0)');
  if (n > 10000) throw fuBad_(argument, value, '次数过大,应不超过 10000 (expected at most 10000)');
  return n;
}

function fuFloat_(value) {  // Python float(str): surrounding whitespace allowed, no empty string
  var t = String(value).trim();
  if (!/^[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?|nan)$/i.test(t)) return null;
  return Number(t.replace(/^([+-]?)inf(inity)?$/i, '$1Infinity'));
}

function fuPlaybook_(value) {
  var name = (value === null || value === undefined || String(value).trim() === '') ? 'optometry' : String(value).trim().toLowerCase();
  var pb = FOLLOWUP_DATA.playbooks[name];
  if (!pb) throw fuBad_('playbook', value, '可用的回访方案: ' + Object.keys(FOLLOWUP_DATA.playbooks).sort().join(', ') + ',或一个 .toml 文件路径');
  return pb;
}

function fuClassCode_(pb, value, argument) {
  var text = fuNorm_(value);
  if (!text) return null;
  for (var code in pb.classes) {
    var c = pb.classes[code];
    var names = [code, c.title, c.title_en].concat(c.aliases);
    for (var i = 0; i < names.length; i++) if (fuNorm_(names[i]) === text) return code;
  }
  var list = [];
  for (var k in pb.classes) list.push(k + ' ' + pb.classes[k].title);
  throw fuBad_(argument || 'class', value, '回访方案 ' + pb.name + ' 的类别为 ' + list.join(', '));
}

/* ---- When does a step close? The rule of followup/udfs/closing.py (reached_limit, steps_closed,
 * retry_due, log_entry), over its data FOLLOWUP_DATA.closing and each playbook's max_attempts. */

function fuOutcomeIs_(outcome, kind) { return FOLLOWUP_DATA.closing[kind].indexOf(outcome) >= 0; }

/** The failed dials in the open step reach the attempt limit: the step closes unreachable. */
function fuReachedLimit_(failed, maxAttempts) { return failed >= maxAttempts; }

/** Manual mode's count of closed steps: the steps done, plus the open one at the limit. */
function fuStepsClosed_(callsDone, failed, maxAttempts) {
  return callsDone + (fuReachedLimit_(failed, maxAttempts) ? 1 : 0);
}

/** The open step failed at least once but below the limit: it is retried, not moved on. */
function fuRetryDue_(failed, maxAttempts) { return failed > 0 && failed < maxAttempts; }

/** What one log entry (outcome code such as 'no_answer', sent by SMS or not) does to the open step. */
function fuLogEntry_(outcome, bySms, smsStep, failed, maxAttempts, acts) {
  if (acts === undefined) acts = true;
  var connected = acts && !bySms && fuOutcomeIs_(outcome, 'connected');
  var sent = acts && bySms && smsStep && fuOutcomeIs_(outcome, 'sms_done');
  var dialFailed = acts && !bySms && fuOutcomeIs_(outcome, 'failed_dial');
  var invalid = acts && fuOutcomeIs_(outcome, 'closes_at_once');
  var after = failed + (dialFailed ? 1 : 0);
  var smsDue = dialFailed && fuReachedLimit_(after, maxAttempts);
  var unreachable = smsDue || invalid;
  var close = connected || sent || unreachable;
  return {close: close, connected: connected, invalid: invalid, unreachable: unreachable, sms_due: smsDue,
          failed: close ? 0 : after, refused: fuOutcomeIs_(outcome, 'do_not_call')};
}

function fuFixedDate_(s, anchor, prev) {
  if (s.series) return fuSemimonthly_(anchor, s.series.days_of_month, s.dom_index);
  var base = (s.base === 'previous' && prev !== null) ? prev : anchor;
  return fuShift_(base, s.offset.months, s.offset.days);
}

function fuStepAt_(pb, rule, k, anchor, prev, last) {
  var steps = rule.steps;
  if (k < steps.length) {
    var s = steps[k];
    if (rule.sorted) {
      var dated = [];
      for (var j = 0; j < steps.length; j++) dated.push([fuFixedDate_(steps[j], anchor, prev), j]);
      dated.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
      s = steps[dated[k][1]];
      return {date: dated[k][0], channel: s.channel, purpose: s.purpose, owner: s.owner || rule.owner, repeat: false};
    }
    return {date: fuFixedDate_(s, anchor, prev), channel: s.channel, purpose: s.purpose,
            owner: s.owner || rule.owner, repeat: false};
  }
  var r = rule.repeat;
  if (!r) return null;
  var i = k - steps.length;
  var start = r.start || r.every;
  var occurrence = function (n) {
    return fuShift_(anchor, start.months + r.every.months * n, start.days + r.every.days * n);
  };
  var day;
  if (r.base === 'previous' && prev !== null) {
    day = fuShift_(prev, r.every.months, r.every.days);
  } else {
    if (last !== null && last >= anchor) {
      if (r.every.months) {
        var a = fuYmd_(anchor), l = fuYmd_(last);
        var span = (l[0] - a[0]) * 12 + l[1] - a[1] - start.months;
        i = Math.max(i, Math.ceil(span / r.every.months));
      } else {
        i = Math.max(i, Math.ceil(((last - anchor) - start.days) / r.every.days));
      }
      if (occurrence(i) <= last) i += 1;
    }
    day = occurrence(i);
  }
  if (r.count !== null && r.count !== undefined && i >= r.count) return null;
  return {date: day, channel: r.channel, purpose: r.purpose, owner: r.owner || rule.owner, repeat: true};
}

/** The whole answer behind NEXT_FOLLOWUP and FOLLOWUP_STEP: {date, purpose, channel, owner, kind};
 * after two failed dials the SMS task (SPEC §3.7) is named in front of the purpose. */
function fuPlan_(cls, anchor, callsDone, lastCall, failedAttempts, flags, playbook, today,
                 purchased, dailyReception, callsThisMonth) {
  var p = fuPlanCore_(cls, anchor, callsDone, lastCall, failedAttempts, flags, playbook, today);
  var pb = fuPlaybook_(playbook);
  // row-mode parity (SPEC §4.1): the store's size routes to another owner; the monthly cap warns
  var bought = fuNumber_(purchased, 'purchased'), daily = fuNumber_(dailyReception, 'daily_reception');
  var month = fuCount_(callsThisMonth, 'calls_this_month');
  var rt = pb.routing;
  if (rt && p.owner && fuClassCode_(pb, cls, 'class') === rt['class'] &&
      ((bought !== null && bought > rt.max_purchased) || (daily !== null && daily > rt.max_daily_reception)))
    p.owner = rt.to;
  if (pb.max_calls_per_month && p.date !== null && month >= pb.max_calls_per_month)
    p.purpose = FOLLOWUP_DATA.purposes.cap.replace('{purpose}', p.purpose).split('{cap}').join(String(pb.max_calls_per_month));
  if (p.kind === 'none' || p.kind === 'urgent') return p;
  var marks = fuFlags_(flags);
  if (p.channel === '电话' && (p.kind === 'step' || p.kind === 'repeat'))
    for (var f = 0; f < pb.sms_flags.length; f++) if (marks[pb.sms_flags[f]]) { p.channel = '短信'; break; }
  var last = fuToDate_(lastCall, 'last_call');
  if (last === null || !fuReachedLimit_(fuCount_(failedAttempts, 'failed_attempts'), pb.max_attempts) || !pb.unreachable_sms) return p;
  var day = last + 1;
  while (!fuWorkingDay_(day)) day += 1;
  if (fuFlags_(flags).dnc && (pb.dnc_sms_months === null || day > fuShift_(fuToDate_(anchor, 'anchor'), pb.dnc_sms_months, 0)))
    return p;
  var ymd = fuYmd_(day);
  p.purpose = FOLLOWUP_DATA.purposes.sms_first.replace('{m}', ymd[1]).replace('{d}', ymd[2])
    .replace('{sms}', pb.unreachable_sms).replace('{then}', p.purpose);
  return p;
}

function fuNumber_(value, argument) {
  if (value === null || value === undefined || value === '' || (typeof value === 'number' && isNaN(value))) return null;
  var n = (typeof value === 'boolean') ? (value ? 1 : 0) : (typeof value === 'number' ? value : fuFloat_(value));
  if (n === null || isNaN(n) || n < 0) throw fuBad_(argument, value, '应为非负数 (expected a number ≥ 0)');
  return n;
}

function fuPlanCore_(cls, anchor, callsDone, lastCall, failedAttempts, flags, playbook, today) {
  var pb = fuPlaybook_(playbook);
  var code = fuClassCode_(pb, cls, 'class');
  var anchorD = fuToDate_(anchor, 'anchor');
  var done = fuCount_(callsDone, 'calls_done');
  var failed = fuCount_(failedAttempts, 'failed_attempts');
  var last = fuToDate_(lastCall, 'last_call');
  var todayD = fuToDate_(today, 'today');
  if (todayD === null) todayD = fuToday_();  // omitted or empty: today in the spreadsheet's zone
  var marks = fuFlags_(flags);
  var none = {date: null, purpose: '', channel: '', owner: '', kind: 'none'};
  if (code === null || anchorD === null) return none;
  var rule = pb.classes[code];
  var dnc = !!marks.dnc;
  var urgent = false;
  for (var u = 0; u < pb.urgent_flags.length; u++) if (marks[pb.urgent_flags[u]]) urgent = true;
  if (!dnc && todayD !== null && urgent && (last === null || last < todayD))
    return {date: todayD, purpose: pb.urgent_purpose, channel: '电话', owner: rule.owner, kind: 'urgent'};

  var closed = fuStepsClosed_(done, failed, pb.max_attempts);
  var due = fuStepAt_(pb, rule, closed, anchorD, last, last);
  if (dnc) {
    while (due !== null && due.channel !== '短信') {
      if (due.repeat) { due = null; break; }
      closed += 1;
      due = fuStepAt_(pb, rule, closed, anchorD, last, last);
    }
    if (due === null || pb.dnc_sms_months === null || due.date > fuShift_(anchorD, pb.dnc_sms_months, 0))
      return {date: null, purpose: '拒访:不再电话回访', channel: '', owner: rule.owner, kind: 'do_not_call'};
  }
  if (due === null) {
    if (rule.on_complete) return {date: null, purpose: '转' + rule.on_complete.to + '类', channel: '', owner: rule.owner, kind: 'transition'};
    return {date: null, purpose: '回访已完成', channel: '', owner: rule.owner, kind: 'finished'};
  }
  if (fuRetryDue_(failed, pb.max_attempts) && last !== null && !dnc)
    return {date: last + pb.retry_after_days, purpose: due.purpose, channel: due.channel, owner: due.owner, kind: 'retry'};
  var day = due.date;
  if (last !== null && day <= last) day = last + 1;
  return {date: day, purpose: due.purpose, channel: due.channel, owner: due.owner, kind: due.repeat ? 'repeat' : 'step'};
}

function fuOut_(n) {
  return n === null ? '' : fuZoneMidnight_(n);
}

/**
 * Date of the next follow-up contact, or empty when none is due.
 * @param {string} cls class code or title (A, 已购买, …)
 * @param {Date} anchor the class's anchor date
 * @param {number} calls_done closed steps of the class
 * @param {Date} last_call the last contact
 * @param {number} failed_attempts failed dials in the open step
 * @param {string} flags 投诉, 不适, 拒访, 夜班, 难沟通
 * @param {string} playbook optometry (default), aesthetics, health_products
 * @param {Date} today today's date (for urgent flags); empty: today in the spreadsheet's time zone
 * @param {number} purchased the store's purchased customers (routing to 客服部)
 * @param {number} daily_reception the store's average visits a day (routing to 客服部)
 * @param {number} calls_this_month calls to this customer this month (monthly cap warning)
 * @return the date of the next contact
 * @customfunction
 */
function NEXT_FOLLOWUP(cls, anchor, calls_done, last_call, failed_attempts, flags, playbook, today,
                       purchased, daily_reception, calls_this_month) {
  return fuOut_(fuPlan_(cls, anchor, calls_done, last_call, failed_attempts, flags, playbook, today,
                        purchased, daily_reception, calls_this_month).date);
}

/**
 * Purpose, channel and owner of the next step (or the pending transition, e.g. 转D类).
 * @customfunction
 */
function FOLLOWUP_STEP(cls, anchor, calls_done, last_call, failed_attempts, flags, playbook, today,
                       purchased, daily_reception, calls_this_month) {
  var p = fuPlan_(cls, anchor, calls_done, last_call, failed_attempts, flags, playbook, today,
                  purchased, daily_reception, calls_this_month);
  return [[p.purpose, p.channel, p.owner]];
}

/**
 * The class after an outcome, e.g. C + 到店已购 → A.
 * @customfunction
 */
function FOLLOWUP_ROUTE(cls, outcome, playbook) {
  var pb = fuPlaybook_(playbook);
  var code = fuClassCode_(pb, cls, 'class');
  if (code === null) throw fuBad_('class', cls, '类别不能为空 (class is empty)');
  var rule = pb.classes[code], text = fuNorm_(outcome);
  for (var i = 0; i < rule.routes.length; i++) {
    var key = rule.routes[i][0], oc = fuCode_(FOLLOWUP_DATA.outcomes, key);
    if (fuNorm_(key) === text || (oc && oc === fuCode_(FOLLOWUP_DATA.outcomes, outcome))) return rule.routes[i][1];
  }
  for (var j = 0; j < rule.routes.length; j++) if (rule.routes[j][0] === '*') return rule.routes[j][1];
  return code;
}

function fuDayArg_(value, argument) {
  var n = fuToDate_(value, argument || 'date');
  if (n === null) throw fuBad_(argument || 'date', value, '日期不能为空 (the date is empty)');
  return n;
}

function fuWeekday_(n) { return ((n % 7) + 7 + 3) % 7; }  // 0 = Monday (1970-01-01 was a Thursday)

/**
 * The week label of a date: Monday–Sunday weeks belong to the month of their Thursday (11月第3周).
 * @customfunction
 */
function WEEK_LABEL(date) {
  var n = fuDayArg_(date, 'date');
  var thursday = n - fuWeekday_(n) + 3;
  var p = fuYmd_(thursday);
  return p[1] + '月第' + (Math.floor((p[2] - 1) / 7) + 1) + '周';
}

// Years looked up without an official holiday schedule (SPEC §3.7): fuCalendarNote_ collects them.
var FU_UNOFFICIAL_ = null;

function fuCalendarWarning_(year) {
  return year + ' 年没有官方放假安排,按法定节假日推算,调休上班日未知;请在配置 [calendar.' + year + '] 中补充 ' +
    '(no official holiday schedule for ' + year + ': statutory days assumed, make-up workdays unknown; ' +
    'add it under [calendar.' + year + '] in the config)';
}

/** Runs fn(); returns the warnings of the unofficial years it looked up ('' when none), joined by '; '. */
function fuCalendarNote_(fn) {
  var outer = FU_UNOFFICIAL_;
  FU_UNOFFICIAL_ = {};
  try {
    fn();
    return Object.keys(FU_UNOFFICIAL_).sort().map(function (y) { return fuCalendarWarning_(y); }).join('; ');
  } finally {
    FU_UNOFFICIAL_ = outer;
  }
}

function fuWorkingDay_(n) {
  var p = fuYmd_(n), key = p[0] + '-' + (p[1] < 10 ? '0' : '') + p[1] + '-' + (p[2] < 10 ? '0' : '') + p[2];
  var cal = FOLLOWUP_DATA.calendar;
  if (FU_UNOFFICIAL_ && !cal.official[String(p[0])]) FU_UNOFFICIAL_[p[0]] = true;
  if (cal.off.indexOf(key) >= 0) return false;
  if (cal.on.indexOf(key) >= 0) return true;
  return fuWeekday_(n) < 5;
}

/**
 * The allowed call windows that day, e.g. 10:00-11:30,14:00-16:30.
 * @customfunction
 */
function CALL_WINDOW(date, flags) {
  var n = fuDayArg_(date, 'date');
  var w = FOLLOWUP_DATA.windows, kind;
  if (fuFlags_(flags).night_shift) kind = 'night_shift';
  else if (!fuWorkingDay_(n)) kind = 'day_off';
  else kind = fuWeekday_(n) === 0 ? 'monday' : 'workday';
  return w[kind].join(',');
}

/**
 * The holiday calendar's note for a date: '' when its year has the official schedule, else the
 * warning naming the year (statutory days assumed; SPEC §3.7).
 * @customfunction
 */
function CALENDAR_NOTE(date) {
  if (date === '' || date === null || date === undefined) return '';
  var n = fuDayArg_(date, 'date');
  return fuCalendarNote_(function () { fuWorkingDay_(n); });
}

function fuNormalizePhone_(value) {
  if (value === null || value === undefined || typeof value === 'boolean') return '';
  var text;
  if (typeof value === 'number') {
    if (!isFinite(value)) return '';
    text = Number.isInteger(value) ? value.toFixed(0) : String(value);
  } else {
    text = String(value);
    if (/^\s*[+]?\d+(?:\.\d*)?(?:[eE][+]?\d+)?\s*$/.test(text) && text.trim().charAt(0) !== '+' && /[.eE]/.test(text)) {
      var num = Number(text.trim());
      if (Number.isInteger(num) && Math.abs(num) < 9e15) text = num.toFixed(0);
    }
  }
  return fuStripCountry_(text.replace(/\D/g, ''));
}

function fuStripCountry_(digits) {
  var prefixes = ['0086', '86'];
  for (var i = 0; i < prefixes.length; i++) {
    var rest = digits.slice(prefixes[i].length);
    if (digits.indexOf(prefixes[i]) === 0 && /^1[3-9]\d{9}$/.test(rest)) return rest;
  }
  return digits;
}

/**
 * A phone number masked for reports and lists: 138****5678.
 * @customfunction
 */
function MASK_PHONE(phone) {
  var d = fuNormalizePhone_(phone), n = d.length;
  var stars = function (k) { return new Array(k + 1).join('*'); };
  if (n === 0) return '';
  if (n >= 11) return d.slice(0, 3) + stars(n - 7) + d.slice(n - 4);
  if (n >= 8) return stars(n - 4) + d.slice(n - 4);
  if (n > 2) return stars(n - 2) + d.slice(n - 2);
  return stars(n);
}

/**
 * When the report covering a date is due: the Monday after its week at 12:00 (weekly, gift),
 * the 2nd of the next month at 18:00 (monthly), Asia/Shanghai time. Returns that instant as a
 * Date: a sheet in Asia/Shanghai shows 2026-11-23 12:00 (format the cell yyyy-mm-dd hh:mm).
 * @param {string} kind weekly (回访记录单), gift (礼品) or monthly (汇总)
 * @param {Date} date a day the report covers
 * @customfunction
 */
function REPORT_DEADLINE(kind, date) {
  var n = fuToDate_(date, 'date');
  if (n === null) return '';
  var rep = FOLLOWUP_DATA.reports, text = fuNorm_(kind).replace(/ /g, ''), code = null;
  for (var k in rep.kinds) if (rep.kinds[k].indexOf(text) >= 0) code = k;
  if (code === null)
    throw fuBad_('kind', kind, '报表类型应为 weekly(回访记录单)、gift(礼品)或 monthly(汇总) (expected weekly, gift or monthly)');
  var day, at;
  if (code === 'monthly') {
    var p = fuYmd_(n);
    day = fuDay_(p[0] + Math.floor(p[1] / 12), p[1] % 12 + 1, rep.monthly_day);
    at = rep.monthly_at;
  } else {
    day = n - fuWeekday_(n) + 7;
    at = rep.weekly_at;
  }
  var hm = at.split(':');
  return new Date(day * 86400000 + (Number(hm[0]) * 60 + Number(hm[1]) - rep.utc_offset_minutes) * 60000);
}
