// The replica-ratio math: the one implementation canarygen has. The CLI calls
// it through the jsonnet VM; tests cross-check it against an independent one.
//
// The canary's traffic share is c / (c + s) over ready endpoints.
//   explicit:            c given.
//   percent, stable kept: c = max(1, round_half_up(s * p / (100 - p))).
//   percent, total kept:  c = clamp(round_half_up(n * p / 100), 1, n - 1),
//                         s = n - c, needs n >= 2.
//
// Exact arithmetic: a percent is read as an integer number of millionths of
// a percent (6 decimal places at most), so every product and quotient below
// is an integer well under 2^53 and no floating-point noise can change a
// rounding decision.
local util = import 'util.libsonnet';

local MICRO = 1000000;  // millionths of a percent in one percent
local HUNDRED = 100 * MICRO;  // 100 % in millionths
local MAX_REPLICAS = 1000000;  // keeps every product below 2^53, and replicas in int32
local HINT_SEARCH = 1000;  // largest total the tolerance hint looks at

// Floor of a / b for integers 0 <= a < 2^53, b > 0: the float quotient is
// correctly rounded and cannot cross an integer boundary at this size.
local div(a, b) = std.floor(a / b);
local roundHalfUp(a, b) = div(2 * a + b, 2 * b);

local isDigits(s) = s != '' && std.length(std.filter(function(ch) ch < '0' || ch > '9', std.stringChars(s))) == 0;

// A percent (or tolerance) as an integer count of millionths. Numbers are
// taken at 6 decimal places; strings are parsed exactly.
local micro(v, where, field) =
  local bad(why) = util.fail(where,
                             field,
                             why + ', got ' + util.show(v),
                             'give a number such as 10 or 2.5, or a decimal string such as "16.67" (at most 6 decimal places)');
  if std.type(v) == 'number' then
    local m = std.floor(v * MICRO + 0.5);
    if v != v || std.abs(v * MICRO - m) > 0.001 then bad('has more than 6 decimal places')
    else m
  else if std.type(v) == 'string' then
    local parts = std.split(v, '.');
    if std.length(parts) > 2 || !isDigits(parts[0]) || (std.length(parts) == 2 && (!isDigits(parts[1]) || std.length(parts[1]) > 6)) then
      bad('is not a decimal number')
    else if std.length(parts[0]) > 9 then bad('is too large')
    else
      local frac = if std.length(parts) == 2 then parts[1] else '';
      std.parseInt(parts[0]) * MICRO + (if frac == '' then 0 else std.parseInt(frac + std.join('', std.repeat(['0'], 6 - std.length(frac)))))
  else bad('must be a number');

local replicaCount(v, where, field, min) =
  if !util.isInt(v) || v < min || v > MAX_REPLICAS then
    util.fail(where, field, 'must be a whole number from ' + min + ' to ' + MAX_REPLICAS + ', got ' + util.show(v))
  else v;

// The nearest canary count for a total t, kept strictly between 0 and t.
local nearest(t, P) = std.max(1, std.min(t - 1, roundHalfUp(t * P, HUNDRED)));

// |achieved - requested| <= tolerance, all in integers (scaled by t * MICRO).
local within(c, t, P, TOL) = std.abs(HUNDRED * c - P * t) <= TOL * t;

local fmtShare(c, t) = std.toString(c) + '/' + std.toString(t);

local result(mode, s, c, p, P) =
  local t = s + c;
  {
    mode: mode,
    stable: s,
    canary: c,
    total: t,
    // requested percent as given (null in explicit mode)
    percent: p,
    // achieved canary share, as a fraction and in percent
    share: c / t,
    sharePercent: 100 * c / t,
    // achieved minus requested, in percentage points (null in explicit mode)
    deviation: if P == null then null else (HUNDRED * c - P * t) / (t * MICRO),
    // the smallest change of share one replica makes, in percentage points
    step: 100 / t,
  };

{
  // compute(spec, where): spec has stable or total, and canary or percent,
  // optional tolerance. `where` names the object for error messages.
  compute(spec, where='', fields={})::
    local field(k) = if std.objectHasEx(fields, k, false) then fields[k] else k;
    local known = ['stable', 'total', 'canary', 'percent', 'tolerance'];
    local unknown = [k for k in std.objectFields(spec) if !std.member(known, k)];
    local has(k) = std.objectHasEx(spec, k, false) && spec[k] != null;
    if std.type(spec) != 'object' then util.fail(where, 'ratio', 'expects an object such as { stable: 10, percent: 10 }')
    else if std.length(unknown) > 0 then
      util.fail(where, 'ratio', 'unknown field ' + util.show(unknown[0]), 'use stable or total, and canary or percent, and optionally tolerance')
    else if has('stable') && has('total') then
      util.fail(where, field('total'), 'give stable (canary added on top) or total (split between the tracks), not both')
    else if has('canary') && has('percent') then
      util.fail(where, field('percent'), 'give canary replicas or a percent, not both')
    else if !has('canary') && !has('percent') then
      util.fail(where, field('canary'), 'give canary replicas or a percent')
    else if has('tolerance') && !has('percent') then
      util.fail(where, field('tolerance'), 'a tolerance needs a percent to compare with')
    else
      local P = if has('percent') then micro(spec.percent, where, field('percent')) else null;
      local pOK =
        if P != null && (P <= 0 || P >= HUNDRED) then
          util.fail(where,
                    field('percent'),
                    'must be greater than 0 and less than 100, got ' + util.showNum(spec.percent),
                    'a canary takes a share strictly between 0 and 100 percent of the traffic')
        else true;
      local r =
        if has('canary') then
          local c = replicaCount(spec.canary, where, field('canary'), 0);
          local s =
            if has('total') then
              local n = replicaCount(spec.total, where, field('total'), 0);
              if c > n then util.fail(where, field('canary'), 'is ' + c + ', more than the total of ' + n) else n - c
            else replicaCount(if has('stable') then spec.stable else 1, where, field('stable'), 0);
          if s + c == 0 then util.fail(where, field('canary'), 'stable and canary replicas are both 0: no pod would serve traffic')
          else result('explicit', s, c, null, null)
        else if has('total') then
          local n = replicaCount(spec.total, where, field('total'), 0);
          if n < 2 then
            util.fail(where,
                      field('total'),
                      'a total of ' + n + ' replica(s) cannot be split between two tracks',
                      'keeping the total needs at least 2 replicas (one per track): raise the replicas, or add the canary on top of the stable (without `canary.keepTotal`)')
          else
            local c = nearest(n, P);
            result('percentKeepTotal', n - c, c, spec.percent, P)
        else
          local s =
            if has('stable') && spec.stable == 0 then
              util.fail(where,
                        field('stable'),
                        'is 0, so there is no traffic to take a percent of: a canary beside 0 stable replicas would take all of it',
                        'scale the stable up first, or give the canary its replicas (`canary.replicas`)')
            else replicaCount(if has('stable') then spec.stable else 1, where, field('stable'), 1);
          local c = std.max(1, roundHalfUp(s * P, HUNDRED - P));
          // A canary computed from a percent obeys the bound of one given.
          if c > MAX_REPLICAS then
            util.fail(where,
                      field('percent'),
                      util.showNum(spec.percent) + ' % next to ' + s + ' stable replicas needs ' + c + ' canary replicas, more than the ' + MAX_REPLICAS + ' a canary may have',
                      'lower the percent, or split a fixed total between the tracks instead')
          else result('percent', s, c, spec.percent, P);
      local TOL = if has('tolerance') then micro(spec.tolerance, where, field('tolerance')) else null;
      local tolOK =
        if TOL == null || within(r.canary, r.total, P, TOL) then true
        else
          local fits = [t for t in std.range(2, HINT_SEARCH) if within(nearest(t, P), t, P, TOL)];
          util.fail(where,
                    field('tolerance'),
                    'canary ' + fmtShare(r.canary, r.total) + ' is ' + util.fixed2(r.sharePercent) + ' %, off ' + util.showNum(spec.percent) + ' % by '
                    + util.fixed2(std.abs(r.deviation)) + ' pp, more than the tolerance of ' + util.showNum(spec.tolerance) + ' pp',
                    if std.length(fits) == 0 then 'no split of up to ' + HINT_SEARCH + ' replicas is that close; widen the tolerance'
                    else
                      local t = fits[0];
                      local c = nearest(t, P);
                      'the smallest split within the tolerance is stable ' + (t - c) + ' + canary ' + c + ' (' + util.fixed2(100 * c / t) + ' %)');
      assert pOK && tolOK;
      r,

  // Public: canarygen.ratio({ stable: 10, percent: 10 }).
  ratio(spec):: self.compute(spec),
}
