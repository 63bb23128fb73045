
/**
 * Phones inside free text masked exactly as udfs/privacy.py mask_phones_in_text does: the same
 * folding table and the same regular expression, exported from Python as FOLLOWUP_PHONE (the
 * rule is described there). Format characters are dropped, digits of every script and Chinese
 * numerals folded, then each number's span of the original text is replaced by its mask.
 */
var fuPhoneFoldMap_ = null;

function fuPhoneFold_() {
  if (fuPhoneFoldMap_) return fuPhoneFoldMap_;
  var map = {}, runs = FOLLOWUP_PHONE.fold;
  for (var i = 0; i < runs.length; i++) {
    var r = runs[i];  // [first code point, last, first folded character's code, step 0 or 1]
    for (var c = r[0]; c <= r[1]; c++) map[c] = String.fromCharCode(r[2] + r[3] * (c - r[0]));
  }
  fuPhoneFoldMap_ = map;
  return map;
}

function fuMaskDigits_(d) {
  var n = d.length, stars = function (k) { return new Array(k + 1).join('*'); };
  if (n >= 11) return d.slice(0, 3) + stars(n - 7) + d.slice(n - 4);
  return stars(n - 4) + d.slice(n - 4);
}

function fuPhoneMask_(kind, matched) {
  var d = '';
  for (var i = 0; i < matched.length; i++) {
    var c = matched.charCodeAt(i);
    if (c >= 48 && c <= 57) d += matched.charAt(i);
    else if (c >= 0xe000 && c <= 0xe009) d += String(c - 0xe000);
  }
  if (kind === 1) return fuMaskDigits_(d.slice(d.length - 11));
  if (kind === 2) return fuMaskDigits_('0' + (d.indexOf('0086') === 0 ? d.slice(4) : d.slice(2)));
  return fuMaskDigits_(d);
}

function fuMaskPhones_(text) {
  var s = String(text), map = fuPhoneFold_();
  var chars = [], from = [], to = [];  // folded characters and the span of s each comes from
  for (var i = 0; i < s.length;) {
    var cp = s.codePointAt(i), w = cp > 0xffff ? 2 : 1, f = map[cp];
    if (f === undefined) {
      for (var k = 0; k < w; k++) { chars.push(s.charAt(i + k)); from.push(i + k); to.push(i + k + 1); }
    } else if (f !== '\u0000') {
      chars.push(f); from.push(i); to.push(i + w);
    }
    i += w;
  }
  var n = chars.join(''), digits = 0;
  for (var j = 0; j < n.length; j++) {
    var c = n.charCodeAt(j);
    if ((c >= 48 && c <= 57) || (c >= 0xe000 && c <= 0xe009)) digits++;
  }
  if (digits < FOLLOWUP_PHONE.min_digits) return s;
  var digests = [], m, re = new RegExp(FOLLOWUP_PHONE.digest, 'g');
  if (n.length >= 64) while ((m = re.exec(n)) !== null) digests.push([m.index, m.index + m[0].length]);
  var out = '', pos = 0, d = 0, phone = new RegExp(FOLLOWUP_PHONE.pattern, 'g');
  while ((m = phone.exec(n)) !== null) {
    var a = m.index, b = a + m[0].length;
    while (d < digests.length && digests[d][1] <= a) d++;
    if (d < digests.length && digests[d][0] <= a && b <= digests[d][1]) continue;  // inside a digest
    var kind = 0;
    for (var g = 1; g < m.length; g++) if (m[g] !== undefined) { kind = g; break; }
    out += s.slice(pos, from[a]) + fuPhoneMask_(kind, m[0]);
    pos = to[b - 1];
  }
  return pos === 0 && out === '' ? s : out + s.slice(pos);
}
