
/* ---- CRM lookups (seed 001: 常见问题的检索, 维修历史查录); mirrors followup/udfs/crm.py.
 * FAQ ranking is crm.similarity (the fuzzy alignment of crm.partial_ratio, or shared character
 * bigrams): the same scores as Excel and xlwings Lite. Dates are read and built in the
 * spreadsheet's zone. Uses FOLLOWUP_CRM (column names, vocabularies) and fuToDate_/MASK_PHONE above. */

function fuCrmNorm_(text) {
  var t = (text === null || text === undefined) ? '' : fuPyStr_(text);
  return t.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

function fuCrmFiller_(t) {
  FOLLOWUP_CRM.filler.forEach(function (w) { t = t.split(w).join(''); });
  return t;
}

function fuCrmBigrams_(t) {  // t: an array of code points (Python's str)
  if (t.length > 1) { var out = []; for (var i = 0; i < t.length - 1; i++) out.push(t[i] + t[i + 1]); return out; }
  return t.length ? [t[0]] : [];
}

function fuCrmOverlap_(q, text) {
  var qb = fuCrmBigrams_(Array.from(q));
  if (!qb.length || !text) return 0;
  var hits = 0;
  qb.forEach(function (b) { if (text.indexOf(b) >= 0) hits++; });
  return 100 * hits / qb.length;
}

/** Longest common subsequence of two code-point arrays (bit-parallel while `a` fits in 30 bits). */
function fuCrmLcs_(a, b) {
  if (a.length <= 30) {
    var masks = {}, i, full = (1 << a.length) - 1, v = full;
    for (i = 0; i < a.length; i++) masks[a[i]] = (masks[a[i]] || 0) | (1 << i);
    for (i = 0; i < b.length; i++) {
      var u = v & (masks[b[i]] || 0);
      v = ((v + u) | (v - u)) & full;
    }
    var zeros = 0;
    for (i = 0; i < a.length; i++) if (!(v & (1 << i))) zeros++;
    return zeros;
  }
  var prev = new Array(b.length + 1).fill(0), cur = new Array(b.length + 1).fill(0);
  for (var r = 0; r < a.length; r++) {
    for (var j = 0; j < b.length; j++)
      cur[j + 1] = a[r] === b[j] ? prev[j] + 1 : Math.max(prev[j + 1], cur[j]);
    var t = prev; prev = cur; cur = t;
  }
  return prev[b.length];
}

function fuCrmRatio_(a, b) {
  var total = a.length + b.length;
  return total ? 100.0 * (1.0 - (total - 2 * fuCrmLcs_(a, b)) / total) : 100.0;
}

function fuCrmPartialOne_(s, l) {
  var m = s.length, n = l.length, best = 0, i;
  for (i = 1; i < m; i++) best = Math.max(best, fuCrmRatio_(s, l.slice(0, i)));
  for (i = 0; i <= n - m; i++) best = Math.max(best, fuCrmRatio_(s, l.slice(i, i + m)));
  for (i = n - m + 1; i < n; i++) best = Math.max(best, fuCrmRatio_(s, l.slice(i)));
  return best;
}

/** crm.partial_ratio: the best alignment of the shorter text on the longer one (0–100). */
function fuCrmPartial_(a, b) {
  a = Array.from(a); b = Array.from(b);
  if (!a.length || !b.length) return 0;
  if (a.length > b.length) { var t = a; a = b; b = t; }
  var best = fuCrmPartialOne_(a, b);
  if (a.length === b.length && best !== 100.0) best = Math.max(best, fuCrmPartialOne_(b, a));
  return best;
}

/** crm.similarity: the better of the fuzzy alignment and the shared bigrams. */
function fuCrmSimilarity_(q, text) {
  if (!q || !text) return 0;
  return Math.max(fuCrmPartial_(q, text), fuCrmOverlap_(q, text));
}

function fuCrmBlank_(v) {
  return v === null || v === undefined || (typeof v === 'string' && !v.trim()) ||
    (typeof v === 'number' && isNaN(v));
}

function fuCrmHeader_(text) {
  return fuPyStr_(text).replace(/\u3000/g, ' ').trim().toLowerCase().replace(/ /g, '_');
}

/** A 2-D range with a header row → [{key: value}] for the columns of `columns` (key → Chinese). */
function fuCrmRows_(range, columns, what) {
  if (!range || !range.length) return [];
  if (!Array.isArray(range)) range = [[range]];
  var grid = range.map(function (r) { return Array.isArray(r) ? r : [r]; })
    .filter(function (r) { return r.some(function (v) { return v !== null && v !== undefined && v !== ''; }); });
  if (!grid.length) return [];
  var keys = grid[0].map(function (h) {
    if (fuCrmBlank_(h)) return null;
    var t = fuCrmHeader_(h);
    for (var k in columns) if (t === k || t === fuCrmHeader_(columns[k])) return k;
    var alias = FOLLOWUP_CRM.aliases[t];  // schema._EXTRA_ALIASES: 手机, mobile, 日期, …
    return (alias && Object.prototype.hasOwnProperty.call(columns, alias)) ? alias : null;
  });
  if (!keys.some(function (k) { return k; }))
    throw fuBad_(what, grid[0].slice(0, 8).map(function (h) { return h === '' ? 'None' : fuPyStr_(h); }).join(', '),
                 fuMsg_('header_row', {columns: FOLLOWUP_CRM.headers[what].join('、')}));
  return grid.slice(1).map(function (row) {
    var rec = {};
    keys.forEach(function (k, j) { if (k && !(k in rec)) rec[k] = fuCrmBlank_(row[j]) ? null : row[j]; });
    return rec;
  }).filter(function (rec) { return Object.keys(rec).some(function (k) { return rec[k] !== null; }); });
}

function fuCrmKeywords_(cell) {
  if (cell === null || cell === undefined) return [];
  return fuPyStr_(cell).split(/[,，、;；\/|\s]+/).map(fuCrmNorm_).filter(function (k) { return k; });
}

function fuCrmScores_(query, faq) {
  var rows = fuCrmRows_(faq, FOLLOWUP_CRM.columns.faq, 'faq');
  var q = fuCrmNorm_(query), qs = fuCrmFiller_(q) || q;
  var scored = rows.map(function (r, i) {
    var question = fuCrmNorm_(r.question), qtext = fuCrmFiller_(question) || question;
    var kw = 0;
    fuCrmKeywords_(r.keywords).forEach(function (k) {
      kw = Math.max(kw, q.indexOf(k) >= 0 ? 100 : fuCrmSimilarity_(k, qs) * 0.8);
    });
    var text = fuCrmSimilarity_(qs, qtext);
    var answer = fuCrmSimilarity_(qs, fuCrmNorm_(r.answer)) * 0.5;
    return {score: fuRound1_(0.55 * Math.max(kw, answer) + 0.45 * text), i: i, row: r};
  });
  scored.sort(function (a, b) { return (b.score - a.score) || (a.i - b.i); });
  return scored;
}

/**
 * 常见问题检索: the answer closest to the keywords (top=1), or rows of answer, question, score.
 * @param {string} query keywords or a question as typed
 * @param {Array} faq the 常见问题 table with its header row (问题, 答案, 关键词)
 * @param {number} top how many answers (default 1)
 * @return the best answer(s)
 * @customfunction
 */
function FAQ_LOOKUP(query, faq, top) {
  var n = fuCrmTop_(top);
  var out = [];
  if (fuCrmNorm_(fuCrmBlank_(query) ? '' : query) !== '') {
    var scored = fuCrmScores_(query, faq);
    for (var i = 0; i < scored.length && out.length < n; i++) {
      if (scored[i].score < 30) break;
      var r = scored[i].row;
      if (r.answer === null && r.question === null) continue;
      out.push([r.answer === null ? '' : r.answer, r.question === null ? '' : r.question, scored[i].score]);
    }
  }
  if (!out.length) return n > 1 ? [['', '', '']] : '';
  return n === 1 ? out[0][0] : out;
}

/** Python round(x, 1) (x ≥ 0): correctly rounded from the exact binary value, like toFixed;
 * an exact tie (only an odd multiple of 0.25 is one) goes to the even tenth. */
function fuRound1_(x) {
  var q = x * 4;
  if (Number.isInteger(q) && q % 2 !== 0) {
    var f = Math.floor(x * 10);
    return (f % 2 === 0 ? f : f + 1) / 10;
  }
  return Number(x.toFixed(1));
}

/** FAQ_LOOKUP's top: empty → 1; else a number, at least 1 (crm: excel._top). */
function fuCrmTop_(top) {
  if (fuCrmBlank_(top)) return 1;
  var n = (typeof top === 'boolean') ? (top ? 1 : 0) : (typeof top === 'number' ? top : fuFloat_(top));
  if (n === null || isNaN(n) || !isFinite(n)) throw fuBad_('top', top, fuMsg_('top'));
  return Math.max(1, Math.trunc(n));
}

/** crm._int: a whole float is shown as an int (1880, not 1880.0). */
function fuCrmInt_(v) {
  return (typeof v === 'number' && Number.isInteger(v) && Math.abs(v) < 1e16) ? String(v) : v;
}

function fuCrmText_(v) {
  if (v === null || v === undefined) return '';
  return fuMaskText_(fuPyStr_(fuCrmInt_(v)).trim());
}

function fuCrmId_(v) {
  if (v === null || v === undefined) return '';
  return fuNorm_(fuCrmInt_(v));
}

/** A date or date-time cell → the Date it shows in the spreadsheet's zone (crm._when: null when unusable). */
function fuCrmWhen_(v) {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return isNaN(v.getTime()) ? null : v;
  try {
    var n = fuTimeDay_(v, 'date');
    if (n === null) return null;
    var secs = 0;
    if (typeof v === 'string') {
      var m = FU_TEXT_DATE.exec(v);
      if (m && m[4] !== undefined) secs = +m[4] * 3600 + +m[5] * 60 + +(m[6] || 0);
    } else if (typeof v === 'number') {
      secs = Math.round((v - Math.floor(v)) * 86400) % 86400;
    }
    return fuZoneWallTime_(n, secs);
  } catch (e) { return null; }
}

/** Day number + seconds of the day → the Date showing that wall time in the spreadsheet's zone. */
function fuZoneWallTime_(n, secs) {
  var zone = fuZone_(), wall = n * 86400000 + secs * 1000;
  var t = wall - fuOffsetMinutes_(wall, zone) * 60000;
  return new Date(wall - fuOffsetMinutes_(t, zone) * 60000);
}

function fuCrmZh_(table, v) {
  var t = fuCrmText_(v);
  return table[fuNorm_(t)] || t;
}

/**
 * One customer's calls, visits, purchases, gifts and complaints in date order (phones masked).
 * @param {string} customer_id 客户编号
 * @param {Array} customers the 客户 table with its header row
 * @param {Array} calls the 回访记录 table with its header row
 * @param {Array} gifts the 礼品 table (optional)
 * @param {Array} complaints the 投诉 table (optional)
 * @return rows of 日期, 事项, 内容, 结果, 经办
 * @customfunction
 */
function CUSTOMER_HISTORY(customer_id, customers, calls, gifts, complaints) {
  var C = FOLLOWUP_CRM, cid = fuCrmId_(customer_id);
  if (!cid) throw fuBad_('customer_id', customer_id, fuMsg_('customer_id_blank'));
  var cust = fuCrmRows_(customers, C.columns.customers, 'customers').filter(function (r) {
    return fuCrmId_(r.customer_id) === cid; });
  if (!cust.length)
    throw fuBad_('customer_id', customer_id, fuMsg_('customer_id_unknown'));
  var c = cust[0], events = [];
  var card = [fuCrmText_(c.name), c.phone ? MASK_PHONE(c.phone) : '',
              fuCrmText_(c.store)].filter(function (p) { return p; }).join('  ');
  var head = [null, '客户资料', card, fuCrmText_(c['class']), fuCrmText_(c.owner)];
  cust.forEach(function (rec) {
    C.fact_events.forEach(function (fe) {
      var when = fuCrmWhen_(rec[fe[0]]);
      if (!when) return;
      var detail = (fe[0] === 'purchase_date' && rec.amount !== null && rec.amount !== undefined) ?
        '金额 ' + fuCrmText_(rec.amount) : '';
      events.push([when, 0, fe[1], detail, '', fuCrmText_(rec.owner)]);
    });
  });
  fuCrmRows_(calls, C.columns.calls, 'calls').forEach(function (r) {
    if (fuCrmId_(r.customer_id) !== cid) return;
    var detail = fuCrmText_(r.feedback);
    if (r.resolution) detail = (detail + '(处理状态: ' + fuCrmText_(r.resolution) + ')').trim();
    events.push([fuCrmWhen_(r.call_time), 1, (fuCrmZh_(C.kinds, r.kind) || '回访') + '·' +
                 (fuCrmZh_(C.channels, r.channel) || '电话'), detail, fuCrmZh_(C.outcomes, r.outcome),
                 fuCrmText_(r.agent)]);
  });
  fuCrmRows_(gifts, C.columns.gifts, 'gifts').forEach(function (r) {
    if (fuCrmId_(r.customer_id) !== cid) return;
    var value = (r.value !== null && r.value !== undefined) ? '(价值 ' + fuCrmText_(r.value) + ')' : '';
    events.push([fuCrmWhen_(r.given_date), 2, '礼品', fuCrmText_(r.gift) + value, fuCrmText_(r.check_result), '']);
  });
  fuCrmRows_(complaints, C.columns.complaints, 'complaints').forEach(function (r) {
    if (fuCrmId_(r.customer_id) !== cid) return;
    var ident = fuCrmText_(r.complaint_id), category = fuCrmText_(r.category);
    var label = '投诉' + (ident ? ' ' + ident : ''), status = fuCrmZh_(C.statuses, r.status);
    events.push([fuCrmWhen_(r.date), 3, label, (category ? '[' + category + '] ' : '') + fuCrmText_(r.content),
                 status, [fuCrmText_(r.department), fuCrmText_(r.resolver)].filter(function (p) { return p; }).join(' / ')]);
    var solved = fuCrmWhen_(r.resolved_date);
    if (solved) events.push([solved, 4, label + ' 解决', fuCrmText_(r.resolution), status, fuCrmText_(r.resolver)]);
    var back = fuCrmWhen_(r.callback_date);
    if (back) events.push([back, 5, label + ' 回访', '', '', fuCrmText_(r.resolver)]);
  });
  events.forEach(function (e, i) { e.push(i); });
  events.sort(function (a, b) {
    var ta = a[0] ? a[0].getTime() : Infinity, tb = b[0] ? b[0].getTime() : Infinity;
    return (ta - tb) || (a[1] - b[1]) || (a[6] - b[6]);
  });
  var out = [C.history_header, head.map(function (v) { return v === null ? '' : v; })];
  events.forEach(function (e) { out.push([e[0] || '', e[2], e[3], e[4], e[5]]); });
  return out;
}
