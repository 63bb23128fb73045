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

/** Every phone number inside an error text masked as 138****5678 (SPEC §3.5), as udfs/privacy.py. */
function fuMaskText_(text) {
  return fuMaskPhones_(text);
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
    throw fuBad_(argument, value, fuMsg_('date_text'));
  }
  if (typeof value === 'boolean') throw fuBad_(argument, value, fuMsg_('date_bool'));
  if (typeof value === 'number') {
    if (isNaN(value)) return null;
    var whole = Math.floor(value);
    if (!isFinite(value) || whole < 1 || whole > 2958465 || whole === 60)
      throw fuBad_(argument, value, fuMsg_('date_serial'));
    // Serials from 61 on count from 1899-12-30 (Excel and Sheets agree); below, Excel's 1900 system.
    return whole < 60 ? whole - FU_EPOCH_SERIAL + 1 : whole - FU_EPOCH_SERIAL;
  }
  throw fuBad_(argument, value, fuMsg_('date_type'));
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
  return fuPyStr_(text).replace(/\u3000/g, ' ').trim().toLowerCase();
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
    throw fuBad_(argument, value, fuMsg_('count'));
  if (n > FOLLOWUP_DATA.max_count) throw fuBad_(argument, value, fuMsg_('count_max', {max: FOLLOWUP_DATA.max_count}));
  return n;
}

function fuFloat_(value) {  // Python float(str): surrounding whitespace allowed, no empty string
  var t = String(value).trim();
  if (!/^[+-]?(\d+\.?\d*(e[+-]?\d+)?|\.\d+(e[+-]?\d+)?|inf(inity)?|nan)$/i.test(t)) return null;
  return Number(t.replace(/^([+-]?)inf(inity)?$/i, '$1Infinity'));
}

function fuPlaybook_(value) {
  var given = (value === null || value === undefined) ? '' : fuPyStr_(value).trim();
  var name = given === '' ? 'optometry' : given.toLowerCase();
  var pb = FOLLOWUP_DATA.playbooks[name];
  if (!pb) throw fuBad_('playbook', given, fuMsg_('playbook', {names: Object.keys(FOLLOWUP_DATA.playbooks).sort().join(', ')}));
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
  var list = [], codes = Object.keys(pb.classes);
  if (!codes.length) throw fuBad_(argument || 'class', value, fuMsg_('no_classes', {playbook: pb.name}));
  for (var k in pb.classes) list.push(k + ' ' + pb.classes[k].title);
  throw fuBad_(argument || 'class', value, fuMsg_('classes', {playbook: pb.name, classes: list.join(', '), codes: codes.join(', ')}));
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
  if (n === null || isNaN(n) || n < 0) throw fuBad_(argument, value, fuMsg_('number'));
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
  // SPEC §3.7: one urgent step, due today; a failed dial today: retry tomorrow; no third dial
  if (!dnc && todayD !== null && urgent && !fuReachedLimit_(failed, pb.max_attempts) &&
      (last === null || last < todayD || failed > 0))
    return {date: (last === null || last < todayD) ? todayD : last + 1, purpose: pb.urgent_purpose,
            channel: '电话', owner: rule.owner, kind: 'urgent'};

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
  if (code === null) throw fuBad_('class', cls, fuMsg_('class_empty'));
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
  if (n === null) throw fuBad_(argument || 'date', value, fuMsg_('date_empty'));
  return n;
}

function fuWeekday_(n) { return ((n % 7) + 7 + 3) % 7; }  // 0 = Monday (1970-01-01 was a Thursday)

/**
 * The week label of a date: Monday–Sunday weeks belong to the month of their Thursday (11月第3周).
 * @customfunction
 */
function WEEK_LABEL(date) {
  if (fuBlank_(date)) return '';
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
  } finally {  // scopes nest as workcalendar.calendar_scope's: the outer one sees the inner's years
    if (outer) for (var y in FU_UNOFFICIAL_) outer[y] = true;
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
  if (fuBlank_(date)) return '';
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

/* ---- FOLLOWUP_TABLE: automatic mode (SPEC §4.1), a port of followup/udfs/table (prep's class
 * derivation, walk_one's walk of the call log, plan's next contact and status). Its own data is
 * FOLLOWUP_DATA.table (column names, status and purpose texts) and each playbook's `table` part
 * (derive rules, anchors, events, open offsets), exported by make_appsscript.py. */

/** Header cell → canonical key (udfs.schema.canonical): the key, its Chinese header or an alias. */
function fuTKey_(columns, text) {
  var t = fuNorm_(text).replace(/ /g, '_');
  for (var key in columns) if (t === key || t === fuNorm_(columns[key])) return key;
  var alias = FOLLOWUP_DATA.table.aliases[t];
  return (alias && columns[alias] !== undefined) ? alias : null;
}

/** A range with its header row → {keys, rows} (rows: arrays of cell values; blank rows dropped). */
function fuTRows_(range, columns) {
  var out = {keys: {}, rows: []};
  if (!range || !range.length) return out;
  for (var j = 0; j < range[0].length; j++) {
    var key = fuTKey_(columns, range[0][j]);
    if (key && out.keys[key] === undefined) out.keys[key] = j;
  }
  for (var i = 1; i < range.length; i++) {
    var blank = true;
    for (var c = 0; c < range[i].length; c++) if (range[i][c] !== '' && range[i][c] !== null) blank = false;
    out.rows.push(blank ? null : range[i]);
  }
  return out;
}

function fuTCell_(t, row, key) {
  var j = t.keys[key];
  if (j === undefined || row === null) return null;
  var v = row[j];
  return (v === '' || v === undefined) ? null : v;
}

/** A call time → [day number, seconds of the day] in the spreadsheet's zone (null: empty). */
function fuTTime_(value, argument) {
  if (value === null || value === undefined || value === '') return null;
  if (value instanceof Date) {
    if (isNaN(value.getTime())) return null;
    var p = Utilities.formatDate(value, fuZone_(), 'yyyy-MM-dd HH:mm:ss').split(/[- :]/);
    return [fuDay_(+p[0], +p[1], +p[2]), (+p[3]) * 3600 + (+p[4]) * 60 + (+p[5])];
  }
  if (typeof value === 'number') {
    var day = fuToDate_(Math.floor(value), argument);
    return [day, Math.round((value - Math.floor(value)) * 86400)];
  }
  var n = fuTimeDay_(value, argument);  // to_datetime's checks, with its messages (udfs/messages.py)
  if (n === null) return null;
  var m = (typeof value === 'string') ? FU_TEXT_DATE.exec(value) : null;
  return [n, (m && m[4] !== undefined) ? (+m[4]) * 3600 + (+m[5]) * 60 + (+(m[6] || 0)) : 0];
}

/** The k-th step of `rule` with its open day (cadence.step_at): `ref` the previous contact,
 * `closed[j]` the day step j closed (a step with from_step counts from it). */
function fuTStep_(pb, rule, k, anchor, ref, closed) {
  var steps = rule.steps, T = rule.table;
  var openOf = function (s, base, due) {
    if (s.open_from) return fuShift_(base, s.open_from.months, s.open_from.days);
    return due - (s.open_before_days === null || s.open_before_days === undefined ? pb.table.open_before_days : s.open_before_days);
  };
  var baseOf = function (s) {
    if (s.base !== 'previous') return anchor;
    if (s.from_step && closed.length >= s.from_step && closed[s.from_step - 1] !== null) return closed[s.from_step - 1];
    return ref !== null ? ref : anchor;
  };
  if (k < steps.length) {
    var s, due, base;
    if (rule.sorted) {
      var dated = [];
      for (var j = 0; j < steps.length; j++) dated.push([fuFixedDate_(steps[j], anchor, ref), j]);
      dated.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1]; });
      s = steps[dated[k][1]]; due = dated[k][0]; base = anchor;
    } else {
      s = steps[k]; base = baseOf(s);
      due = s.series ? fuSemimonthly_(anchor, s.series.days_of_month, s.dom_index) : fuShift_(base, s.offset.months, s.offset.days);
    }
    return {date: due, open: openOf(s, base, due), channel: s.channel, purpose: s.purpose,
            owner: s.owner || rule.owner, repeat: false};
  }
  var r = fuStepAt_(pb, rule, k, anchor, ref, ref);
  if (r) r.open = r.date - pb.table.open_before_days;
  return r;
}

/** A do-not-call customer's open step: call steps skipped, none once a call repeat is reached. */
function fuTDncStep_(pb, rule, k, anchor, ref, closed) {
  var due = fuTStep_(pb, rule, k, anchor, ref, closed);
  while (due !== null && due.channel !== '短信') {
    if (due.repeat) return [k, null];
    k += 1;
    due = fuTStep_(pb, rule, k, anchor, ref, closed);
  }
  return [k, due];
}

/** walk_one: the log entries [day, seconds, outcome code, by SMS] in time order, from class/anchor. */
function fuTWalk_(pb, code, anchor, log, c) {
  var rule = code === null ? null : pb.classes[code], limit = pb.max_attempts;
  var w = {cls: code, anchor: anchor, k: 0, failed: 0, last: null, ref: null, dnc: c.dnc, dncSince: null,
           invalid: false, unreachable: false, smsPending: false, smsFrom: null, closed: [],
           urgent: c.urgent && !c.dnc, urgFailed: 0};
  var flagDay = c.flagDay;
  if (w.urgent && flagDay === null)
    for (var i = 0; i < log.length; i++)
      if (!log[i][3] && fuOutcomeIs_(log[i][2], 'connected') && (flagDay === null || log[i][0] > flagDay)) flagDay = log[i][0];
  for (var n = 0; n < log.length; n++) {
    var day = log[n][0], o = log[n][2], bySms = log[n][3], e;
    if (w.urgent && !w.dnc && !bySms && (flagDay === null || day > flagDay)) {
      e = fuLogEntry_(o, false, false, w.urgFailed, limit, true);
      w.urgFailed = e.failed; w.smsPending = e.sms_due; w.urgent = !e.close;
      if (e.sms_due) w.smsFrom = day;
      if (e.close) w.unreachable = e.unreachable;
      w.invalid = (w.invalid || e.invalid) && !e.connected;
      if (e.refused) { w.dnc = true; w.dncSince = day; w.urgent = false; }
      w.last = day;
      if (w.urgFailed === 0) w.ref = day;
      continue;
    }
    var kk = w.k, step = null;
    if (rule === null || w.anchor === null) step = null;
    else if (w.dnc) { var ds = fuTDncStep_(pb, rule, w.k, w.anchor, w.ref, w.closed); kk = ds[0]; step = ds[1]; }
    else step = fuTStep_(pb, rule, w.k, w.anchor, w.ref, w.closed);
    var smsStep = step !== null && (step.channel === '短信' || (c.smsOnly && step.channel === '电话'));
    var may = step !== null && day >= step.open && (!w.dnc || (bySms && step.channel === '短信'));
    var own = may && bySms && smsStep && fuOutcomeIs_(o, 'sms_done');
    var consumed = w.smsPending && bySms && fuOutcomeIs_(o, 'sms_done') && !own;
    e = fuLogEntry_(o, bySms, smsStep, w.failed, limit, may && !consumed);
    w.failed = e.failed;
    w.smsPending = bySms ? (w.smsPending && !consumed) : e.sms_due;
    if (e.sms_due) w.smsFrom = day;
    if (e.close) { w.closed.push(day); w.k = kk + 1; w.unreachable = e.unreachable; }
    w.invalid = (w.invalid || e.invalid) && !e.connected;
    if (e.refused && !w.dnc) { w.dnc = true; w.dncSince = day; w.urgent = false; }
    if (!bySms || e.close) { w.last = day; if (w.failed === 0) w.ref = day; }
    if (e.close && rule !== null && rule.on_complete && w.k >= rule.steps.length) {
      var to = rule.on_complete.to;
      if (rule.table.keep_anchor !== true) w.anchor = day;
      w.cls = to; rule = pb.classes[to]; w.k = 0; w.failed = 0; w.unreachable = false; w.closed = [];
    }
  }
  return w;
}

/** prep.derive_with_warnings for one row: [class code or null, data warning]. */
function fuTDerive_(pb, typed, facts, counts) {
  var T = pb.table, registered = typed;
  if (typed !== null && facts[pb.classes[typed].table.anchor] === null) registered = null;
  var cls = null, warning = '';
  for (var i = 0; i < T.derive.length && cls === null; i++) {
    var r = T.derive[i];
    if (r.fallback) continue;
    var when = facts[r.when];
    if (when === null) continue;
    if (r.count) {
      var got = counts[r.count];
      if (got === null || isNaN(got) || got < (r.count_min || 0)) continue;
    }
    var ok = true;
    for (var j = 0; j < r.later_than.length; j++) {
      var other = facts[r.later_than[j]];
      if (other !== null && !(when > other)) ok = false;
    }
    if (ok) { cls = r.cls; warning = r.warning; }
  }
  if (cls === null) cls = registered;
  for (var f = 0; f < T.derive.length && cls === null; f++)
    if (T.derive[f].fallback && facts[T.derive[f].when] !== null) cls = T.derive[f].cls;
  if (cls === null) cls = typed;
  if (cls === null && T.default_class) cls = T.default_class;
  return [cls, warning];
}

/** engine.with_sms: the SMS task named in front of the purpose. */
function fuTWithSms_(purpose, sms, day) {
  var ymd = fuYmd_(day);
  return FOLLOWUP_DATA.purposes.sms_first.replace('{m}', ymd[1]).replace('{d}', ymd[2])
    .replace('{sms}', sms).replace('{then}', purpose);
}

function fuTNextWorkingDay_(n) { var d = n + 1; while (!fuWorkingDay_(d)) d += 1; return d; }

/** plan.plan_rows for one walked customer: {cls, anchor, next, purpose, channel, owner, priority, status}. */
function fuTPlan_(pb, w, c, t, monthCalls, routed) {
  var TD = FOLLOWUP_DATA.table, P = TD.purposes, code = w.cls, known = code !== null;
  var rule = known ? pb.classes[code] : null, anchor = w.anchor, missing = known && anchor === null;
  var s = (known && !missing) ? fuTStep_(pb, rule, w.k, anchor, w.ref, w.closed) : null;
  var exists = s !== null, due = exists ? s.date : null;
  var channel = exists ? s.channel : '', purpose = exists ? s.purpose : '', owner = exists ? s.owner : '';
  var until = pb.dnc_sms_months === null ? null : fuShift_(w.dncSince !== null ? w.dncSince : anchor, pb.dnc_sms_months, 0);
  if (w.dnc && exists) {
    var ss = fuTDncStep_(pb, rule, w.k, anchor, w.ref, w.closed)[1];
    exists = ss !== null && ss.channel === '短信' && until !== null && ss.date <= until;
    if (ss !== null) { due = ss.date; channel = ss.channel; purpose = ss.purpose; owner = ss.owner; }
  } else if (w.dnc) exists = false;
  var cancelled = false;
  if (known && !missing)
    for (var i = 0; i < rule.table.cancel_when.length; i++) {
      var f = c.facts[rule.table.cancel_when[i]];
      if (f !== null && f > anchor) cancelled = true;
    }
  if (cancelled) exists = false;
  var smsDay = null;
  if (pb.unreachable_sms && w.smsPending && w.smsFrom !== null && known && !missing && !cancelled) {
    smsDay = fuTNextWorkingDay_(w.smsFrom);
    if (w.dnc && !(until !== null && smsDay <= until)) smsDay = null;
  }
  var retry = exists && fuRetryDue_(w.failed, pb.max_attempts) && w.last !== null && !w.dnc;
  if (retry) due = w.last + pb.retry_after_days;
  if (exists && w.last !== null && due <= w.last) due = w.last + 1;
  if (known && !missing && !w.dnc && !cancelled) {
    var hits = [];
    for (var e = 0; e < rule.table.events.length; e++) {
      var ev = rule.table.events[e], day = c.facts[ev.on];
      if (day === null || !(w.last === null || w.last < day)) continue;
      if (t !== null && !ev.instead_of_step && day < t) continue;
      var ok = true;
      for (var u = 0; u < ev.unless.length; u++) { var x = c.facts[ev.unless[u]]; if (x !== null && x >= day) ok = false; }
      var instead = ev.instead_of_step ? (w.k === ev.instead_of_step - 1) : false;
      if (ok && (!exists || day <= due || instead)) hits.push([day, ev]);
    }
    for (var h = 0; h < hits.length; h++) {
      exists = true; due = hits[h][0]; channel = hits[h][1].channel; purpose = hits[h][1].purpose;
      owner = hits[h][1].owner || rule.owner;
    }
  }
  var urgent = c.urgent && known && !missing && !w.dnc && t !== null && w.urgent;
  if (urgent) { exists = true; due = (w.last === null || w.last < t) ? t : w.last + 1; cancelled = false; }
  if (!exists) due = null;
  var to = known && rule.on_complete ? rule.on_complete.to : null;
  var pending = known && !exists && !w.dnc && !cancelled && !missing && to !== null;
  var finished = !exists && known && !pending && !w.dnc && !cancelled && !missing;
  var status = 'upcoming';
  if (exists && w.unreachable) status = 'unreachable';
  if (exists && w.invalid) status = 'invalid_number';
  if (retry && !urgent) status = 'retry';
  if (t !== null && exists && due === t) status = 'due_today';
  if (t !== null && exists && due < t) status = 'overdue';
  if (finished) status = 'finished';
  if (pending) status = 'pending_transition';
  if (!exists && w.dnc) status = 'do_not_call';
  if (cancelled) status = 'cancelled';
  if (missing || !known) status = 'missing_anchor';
  if (!exists) purpose = '';
  if (urgent) purpose = pb.urgent_purpose;
  if (pending) purpose = P.transition.replace('{to}', to);
  if (missing) purpose = P.missing_anchor.replace('{field}', TD.headers[rule.table.anchor] || rule.table.anchor);
  if (w.dnc && !exists) purpose = P.do_not_call;
  if (cancelled) purpose = P.cancelled;
  if (finished) purpose = P.finished;
  if (smsDay !== null && !urgent) purpose = fuTWithSms_(purpose, pb.unreachable_sms, smsDay);
  if (c.smsOnly && exists && !urgent && !retry && channel === '电话') channel = '短信';
  channel = exists ? (urgent ? '电话' : channel) : '';
  owner = known ? (exists ? owner : rule.owner) : '';
  if (routed) owner = pb.routing.to;
  var priority = !exists ? '' : (urgent ? '高' : (t !== null && due <= t ? '中' : '低'));
  if (pb.max_calls_per_month && exists && monthCalls >= pb.max_calls_per_month)
    purpose = FOLLOWUP_DATA.purposes.cap.replace('{purpose}', purpose).split('{cap}').join(String(pb.max_calls_per_month));
  return {cls: known ? code : '', anchor: missing || !known ? null : anchor, next: due, purpose: purpose,
          channel: channel, owner: owner, priority: priority, status: TD.statuses[status]};
}

/** The whole table as rows of the 8 computed columns (fuOut_ dates); errors become their row. */
function fuTable_(customers, calls, playbook, today) {
  var pb = fuPlaybook_(playbook), TD = FOLLOWUP_DATA.table;
  var t = fuToDate_(today, 'today');
  if (t === null) t = fuToday_();
  var cust = fuTRows_(customers, TD.columns.customers), log = fuTRows_(calls, TD.columns.calls);
  if (cust.keys.customer_id === undefined)
    throw fuBad_('customers', customers && customers[0], '客户 缺少 客户编号 (customer_id) 列');
  var header = [TD.headers.current_class, TD.headers.anchor_date, TD.headers.next_date, TD.headers.purpose,
                TD.headers.channel, TD.headers.owner_role, TD.headers.priority, TD.headers.status];
  var out = [header], people = [], byId = {};
  for (var i = 0; i < cust.rows.length; i++) {
    var row = cust.rows[i], c = {row: i, error: null};
    people.push(c);
    if (row === null) continue;
    c.id = fuTCell_(cust, row, 'customer_id');
    c.id = c.id === null ? '' : String(c.id).trim();
    if (c.id && byId[c.id] === undefined) byId[c.id] = c;
    c.log = [];
    try {
      c.facts = {};
      for (var k = 0; k < pb.table.facts.length; k++) {
        var key = pb.table.facts[k];
        c.facts[key] = fuToDate_(fuTCell_(cust, row, key), '客户 第' + (i + 2) + '行 ' + (TD.headers[key] || key));
      }
      c.counts = {};
      for (var q = 0; q < pb.table.counts.length; q++) {
        var cv = fuTCell_(cust, row, pb.table.counts[q]);
        c.counts[pb.table.counts[q]] = cv === null ? null : (typeof cv === 'number' ? cv : fuFloat_(cv));
      }
      var marks = fuFlags_(fuTCell_(cust, row, 'flags'));
      c.dnc = !!marks.dnc; c.urgent = false; c.smsOnly = false;
      for (var u = 0; u < pb.urgent_flags.length; u++) if (marks[pb.urgent_flags[u]]) c.urgent = true;
      for (var m = 0; m < pb.sms_flags.length; m++) if (marks[pb.sms_flags[m]]) c.smsOnly = true;
      c.flagDay = c.urgent ? fuToDate_(fuTCell_(cust, row, 'flag_date'), '客户 第' + (i + 2) + '行 ' + TD.headers.flag_date) : null;
      var typed = fuClassCode_(pb, fuTCell_(cust, row, 'class'), '客户 第' + (i + 2) + '行 类别');
      c.store = fuTCell_(cust, row, 'store');
      c.store = c.store === null ? '' : String(c.store);
      var d = fuTDerive_(pb, typed, c.facts, c.counts);
      c.cls = d[0]; c.warning = d[1];
    } catch (err) { c.error = err.message; }
  }
  for (var r = 0; r < log.rows.length; r++) {
    var lr = log.rows[r];
    if (lr === null) continue;
    var id = fuTCell_(log, lr, 'customer_id'), who = byId[id === null ? '' : String(id).trim()];
    if (!who) continue;
    var when;
    try { when = fuTTime_(fuTCell_(log, lr, 'call_time'), '回访记录 第' + (r + 2) + '行 ' + TD.headers.call_time); }
    catch (err2) { who.error = who.error || err2.message; continue; }
    if (when === null || when[0] > t) continue;
    var oc = fuCode_(FOLLOWUP_DATA.outcomes, fuTCell_(log, lr, 'outcome'));
    var ch = fuNorm_(fuTCell_(log, lr, 'channel'));
    who.log.push([when[0], when[1], oc, ch === '短信' || ch === 'sms', r]);
  }
  var stores = {};
  for (var s = 0; s < people.length; s++) {
    var p = people[s];
    if (p.error || !p.log) continue;
    p.log.sort(function (a, b) { return a[0] - b[0] || a[1] - b[1] || a[4] - b[4]; });
    var anchor = p.cls === null ? null : p.facts[pb.classes[p.cls].table.anchor];
    p.walked = fuTWalk_(pb, p.cls, anchor, p.log, p);
    var st = stores[p.store] || (stores[p.store] = {bought: 0, recent: 0});
    if (pb.routing) {
      if (p.facts.purchase_date) st.bought += 1;
      var v = p.facts.visit_date;
      if (v !== undefined && v !== null && v > t - 30 && v <= t) st.recent += 1;
    }
  }
  for (var z = 0; z < people.length; z++) {
    var c2 = people[z];
    if (!c2.log && !c2.error) { out.push(['', '', '', '', '', '', '', '']); continue; }
    if (c2.error) { out.push(['', '', '', fuMaskText_(c2.error), '', '', '', TD.error_status]); continue; }
    var month = 0;
    for (var l = 0; l < c2.log.length; l++) {
      var ly = fuYmd_(c2.log[l][0]), ty = fuYmd_(t);
      if (!c2.log[l][3] && ly[0] === ty[0] && ly[1] === ty[1]) month += 1;
    }
    var rt = pb.routing, sto = stores[c2.store];
    var routed = !!(rt && c2.walked.cls === rt['class'] && (sto.bought > rt.max_purchased || sto.recent / 30 > rt.max_daily_reception));
    var res = fuTPlan_(pb, c2.walked, c2, t, month, routed);
    out.push([res.cls, fuOut_(res.anchor), fuOut_(res.next), res.purpose, res.channel, res.owner, res.priority, res.status]);
  }
  return out;
}

/**
 * One call for a whole table (SPEC §4.1 automatic mode): per customer the current class, anchor,
 * next date, purpose, channel, owner, priority and status, from the facts and the call log.
 * A row with an unusable value shows 数据错误 and the message naming its row; the others are computed.
 * @param {Array} customers the 客户 range, header row included
 * @param {Array} calls the 回访记录 range, header row included
 * @param {string} playbook optometry (default), aesthetics, health_products
 * @param {Date} today the day the table is for; empty: today in the spreadsheet's time zone
 * @return the computed block, header row first
 * @customfunction
 */
function FOLLOWUP_TABLE(customers, calls, playbook, today) {
  return fuTable_(customers, calls, playbook, today);
}
