
/* ---- CRM lookups (seed 001: 常见问题的检索, 维修历史查录); mirrors followup/udfs/crm.py.
 * FAQ ranking is the character-bigram match of crm.py without rapidfuzz (use_rapidfuzz=False):
 * the same scores. Uses FOLLOWUP_CRM (column names, vocabularies) and fuToDate_/MASK_PHONE above. */

function fuCrmNorm_(text) {
  var t = (text === null || text === undefined) ? '' : String(text);
  return t.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

function fuCrmFiller_(t) {
  FOLLOWUP_CRM.filler.forEach(function (w) { t = t.split(w).join(''); });
  return t;
}

function fuCrmBigrams_(t) {
  if (t.length > 1) { var out = []; for (var i = 0; i < t.length - 1; i++) out.push(t.substr(i, 2)); return out; }
  return t ? [t] : [];
}

function fuCrmOverlap_(q, text) {
  var qb = fuCrmBigrams_(q);
  if (!qb.length || !text) return 0;
  var hits = 0;
  qb.forEach(function (b) { if (text.indexOf(b) >= 0) hits++; });
  return 100 * hits / qb.length;
}

function fuCrmBlank_(v) {
  return v === null || v === undefined || (typeof v === 'string' && !v.trim()) ||
    (typeof v === 'number' && isNaN(v));
}

function fuCrmHeader_(text) {
  return String(text).replace(/\u3000/g, ' ').trim().toLowerCase().replace(/ /g, '_');
}

/** A 2-D range with a header row → [{key: value}] for the columns of `columns` (key → Chinese). */
function fuCrmRows_(range, columns, what) {
  if (!range || !range.length) return [];
  var grid = range.filter(function (r) { return r.some(function (v) { return !fuCrmBlank_(v); }); });
  if (!grid.length) return [];
  var keys = grid[0].map(function (h) {
    if (fuCrmBlank_(h)) return null;
    var t = fuCrmHeader_(h);
    for (var k in columns) if (t === k || t === fuCrmHeader_(columns[k])) return k;
    return null;
  });
  if (!keys.some(function (k) { return k; }))
    throw fuBad_(what, grid[0].slice(0, 8).join(', '), '表头应包含 ' + Object.values(columns).join('、') +
                 ' (the header row must name these columns)');
  return grid.slice(1).map(function (row) {
    var rec = {};
    keys.forEach(function (k, j) { if (k && !(k in rec)) rec[k] = fuCrmBlank_(row[j]) ? null : row[j]; });
    return rec;
  });
}

function fuCrmKeywords_(cell) {
  if (cell === null || cell === undefined) return [];
  return String(cell).split(/[,，、;；\/|\s]+/).map(fuCrmNorm_).filter(function (k) { return k; });
}

function fuCrmScores_(query, faq) {
  var rows = fuCrmRows_(faq, FOLLOWUP_CRM.columns.faq, 'faq');
  var q = fuCrmNorm_(query), qs = fuCrmFiller_(q) || q;
  var scored = rows.map(function (r, i) {
    var question = fuCrmNorm_(r.question), qtext = fuCrmFiller_(question) || question;
    var kw = 0;
    fuCrmKeywords_(r.keywords).forEach(function (k) {
      kw = Math.max(kw, q.indexOf(k) >= 0 ? 100 : fuCrmOverlap_(k, qs) * 0.8);
    });
    var text = fuCrmOverlap_(qs, qtext);
    var answer = fuCrmOverlap_(qs, fuCrmNorm_(r.answer)) * 0.5;
    return {score: Math.round((0.55 * Math.max(kw, answer) + 0.45 * text) * 10) / 10, i: i, row: r};
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
  var n = fuCrmBlank_(top) ? 1 : Math.max(1, Math.floor(Number(top)));
  var out = [];
  if (fuCrmNorm_(query) !== '') {
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

function fuCrmText_(v) {
  if (v === null || v === undefined) return '';
  return fuMaskPhones_(String(v).trim());
}

function fuCrmId_(v) {
  if (v === null || v === undefined) return '';
  return String(v).replace(/\u3000/g, ' ').trim().toLowerCase();
}

function fuCrmWhen_(v) {
  if (v === null || v === undefined) return null;
  if (v instanceof Date) return isNaN(v.getTime()) ? null : v;
  try {
    if (typeof v === 'string') {
      var m = FU_TEXT_DATE.exec(v.trim());
      if (m && fuValid_(+m[1], +m[2], +m[3])) return new Date(+m[1], +m[2] - 1, +m[3], +(m[4] || 0), +(m[5] || 0));
      return null;
    }
    var n = fuToDate_(v, 'date');
    if (n === null) return null;
    var p = fuYmd_(n), frac = (typeof v === 'number') ? v - Math.floor(v) : 0;
    return new Date(p[0], p[1] - 1, p[2], 0, 0, Math.round(frac * 86400));
  } catch (e) { return null; }
}

function fuCrmZh_(table, v) {
  var t = fuCrmText_(v);
  return table[t.toLowerCase()] || t;
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
  if (!cid) throw fuBad_('customer_id', customer_id, '请给出客户编号 (give a customer id)');
  var cust = fuCrmRows_(customers, C.columns.customers, 'customers').filter(function (r) {
    return fuCrmId_(r.customer_id) === cid; });
  if (!cust.length)
    throw fuBad_('customer_id', customer_id, '客户表中没有这个客户编号 (no such customer id in the customer table)');
  var c = cust[0], events = [];
  var card = [fuCrmText_(c.name), c.phone !== null && c.phone !== undefined ? MASK_PHONE(c.phone) : '',
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
