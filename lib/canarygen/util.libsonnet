// Small helpers shared by the library. Portable to C++ jsonnet 0.18:
// no std.round, std.any/all, std.objectRemoveKey, std.sum, std.isEmpty.
//
// Types are tested with std.type and fields with std.objectHasEx, the
// builtins themselves: std.isString, std.isObject and std.objectHas are
// jsonnet functions of go-jsonnet's stdlib that call them, one call more
// each, and these helpers run hundreds of times a workload.

// Character classes, as objects for O(1) std.objectHas or as strings for
// std.stripChars. They are file-level locals, so they are built once per
// import, not once per call: as object locals they were rebuilt in every
// call and cost milliseconds per check.
local charSet(s) = { [ch]: true for ch in std.stringChars(s) };
local lower = 'abcdefghijklmnopqrstuvwxyz';
local digits = '0123456789';
local alnumChars = lower + std.asciiUpper(lower) + digits;
local alnum = charSet(alnumChars);
local labelChars = alnumChars + '-_.';
local dnsChars = lower + digits + '-.';
// Whether s holds only characters of chars: std.stripChars, a builtin in
// go-jsonnet, instead of a comprehension over the characters (about a
// hundred allocations a character).
local onlyChars(s, chars) = std.stripChars(s, chars) == '';
local edgesAlnum(s) = std.objectHasEx(alnum, s[0], false) && std.objectHasEx(alnum, s[std.length(s) - 1], false);

{
  // One error format for the whole library, parsed by the CLI:
  //   canarygen: <object>: <field>: <message>
  //   hint: <hint>
  fail(where, field, msg, hint=null)::
    error 'canarygen: ' + (if where == '' then '' else where + ': ')
          + (if field == '' then '' else field + ': ') + msg
          + (if hint == null then '' else '\nhint: ' + hint),

  // std.toString for messages, with strings quoted.
  show(v):: if std.type(v) == 'string' then std.escapeStringJson(v) else std.toString(v),

  // A number for PromQL and messages, the same in every jsonnet: integers as
  // they are, others with at most 6 decimals (std.toString would print
  // 0.1 as 0.10000000000000001 under C++ jsonnet).
  num(x)::
    if std.floor(x) == x then std.toString(x)
    else
      local m = std.floor(std.abs(x) * 1000000 + 0.5);
      local frac = std.toString(1000000 + m % 1000000);
      local digits = std.rstripChars(std.substr(frac, 1, 6), '0');
      (if x < 0 then '-' else '') + std.floor(m / 1000000) + (if digits == '' then '' else '.' + digits),

  // A number as the user wrote it: numbers and decimal strings alike.
  showNum(v):: if std.type(v) == 'string' then v else std.toString(v),

  isInt(v):: std.type(v) == 'number' && std.floor(v) == v,

  // x with two decimals, for messages ('16.67'); std.toString would print
  // every digit of the float.
  fixed2(x)::
    local n = std.floor(std.abs(x) * 100 + 0.5);
    local frac = n % 100;
    (if x < 0 && n != 0 then '-' else '') + std.floor(n / 100) + '.' + (if frac < 10 then '0' else '') + frac,

  get(o, k, default=null):: if std.type(o) == 'object' && std.objectHasEx(o, k, false) then o[k] else default,

  // Nested get: path(w, ['spec', 'template', 'metadata', 'labels'], {}).
  // The default when a step is missing or not an object.
  // (By index: keys[1:] is std.slice, which costs tens of allocations a
  // call in go-jsonnet.)
  path(o, keys, default=null)::
    local n = std.length(keys);
    local step(v, i) =
      if i == n then v
      else if std.type(v) == 'object' && std.objectHasEx(v, keys[i], false) then step(v[keys[i]], i + 1)
      else default;
    step(o, 0),

  // An object's metadata fields, null-safe.
  nameOf(o):: $.path(o, ['metadata', 'name']),
  namespaceOf(o):: $.path(o, ['metadata', 'namespace']),

  // A string, or '' for anything else (a missing name or namespace).
  str(v):: if std.type(v) == 'string' then v else '',

  // The namespace field, only when there is one: metadata { name: n } + util.optionalNamespace(ns).
  optionalNamespace(ns):: if ns == null then {} else { namespace: ns },

  // Metadata of an object canarygen makes.
  metadata(name, ns, labels=null):: { name: name } + (if labels == null then {} else { labels: labels }) + $.optionalNamespace(ns),

  // "Kind ns/name", as messages name objects (and the CLI does).
  describe(o)::
    local kind = $.get(o, 'kind');
    local ns = $.namespaceOf(o);
    local name = $.nameOf(o);
    (if std.type(kind) == 'string' then kind else 'object') + ' '
    + (if std.type(ns) == 'string' && ns != '' then ns + '/' else '') + (if std.type(name) == 'string' then name else '<unnamed>'),

  // The API group of an apiVersion: 'apps/v1' -> 'apps', 'v1' -> ''.
  group(apiVersion)::
    if std.type(apiVersion) != 'string' then ''
    else local parts = std.split(apiVersion, '/'); if std.length(parts) == 2 then parts[0] else '',

  // An object's identity: group, kind, namespace and name. No output holds
  // two objects of one identity.
  identity(o)::
    local str(v) = if std.type(v) == 'string' then v else '';
    $.group($.get(o, 'apiVersion')) + '/' + str($.get(o, 'kind')) + '/' + str($.namespaceOf(o)) + '/' + str($.nameOf(o)),

  // Same namespace, a missing one counting as ''.
  sameNamespace(a, b):: (if std.type(a) == 'string' then a else '') == (if std.type(b) == 'string' then b else ''),

  // A label selector ({ matchLabels, matchExpressions }) against a map of
  // labels, as Kubernetes reads it. A null selector selects nothing; an empty
  // one selects everything.
  selectorMatches(sel, labels)::
    if std.type(sel) != 'object' then false
    else
      local ml = $.get(sel, 'matchLabels', {});
      local exprs = $.get(sel, 'matchExpressions', []);
      local l = if std.type(labels) == 'object' then labels else {};
      local has(k) = std.objectHasEx(l, k, false) && std.type(l[k]) == 'string';
      local req(e) =
        local k = $.get(e, 'key');
        local op = $.get(e, 'operator');
        local vs = $.get(e, 'values', []);
        local vals = if std.type(vs) == 'array' then vs else [];
        if op == 'In' then has(k) && std.member(vals, l[k])
        else if op == 'NotIn' then !has(k) || !std.member(vals, l[k])
        else if op == 'Exists' then has(k)
        else if op == 'DoesNotExist' then !has(k)
        else false;
      (std.type(ml) != 'object' || std.length([k for k in std.objectFields(ml) if !has(k) || l[k] != ml[k]]) == 0)
      && (std.type(exprs) != 'array' || std.length([e for e in exprs if !req(e)]) == 0),

  // Whether a selector says nothing (matchLabels and matchExpressions empty).
  selectorEmpty(sel):: std.length($.get(sel, 'matchLabels', {})) == 0 && std.length($.get(sel, 'matchExpressions', [])) == 0,

  // A non-negative integer as a fixed-width string that sorts like the
  // number (std.format is slow in go-jsonnet).
  pad(i):: std.substr(std.toString(1000000000 + i), 1, 9),

  // pairs: [[key, value], ...] with string keys; the object mapping each key
  // to its first value, in O(n log n).
  firstByKey(pairs)::
    local n = std.length(pairs);
    local order = std.sort(std.range(0, n - 1), function(i) pairs[i][0] + '\u0000' + $.pad(i));
    { [pairs[order[j]][0]]: pairs[order[j]][1] for j in std.range(0, n - 1) if j == 0 || pairs[order[j]][0] != pairs[order[j - 1]][0] },

  // sel (a map of labels) is contained in labels.
  subset(sel, labels):: std.type(sel) == 'object' && std.length([k for k in std.objectFields(sel) if $.get(labels, k) != sel[k]]) == 0,

  anyOf(arr):: std.length(std.filter(function(x) x, arr)) > 0,

  // Whether s holds part (not ''). std.strReplace is a builtin in
  // go-jsonnet; std.findSubstr takes a slice at every index of s, some
  // thirty microseconds a character.
  contains(s, part):: std.strReplace(s, part, '') != s,

  // Object without the given keys (std.objectRemoveKey is not in jsonnet 0.18).
  without(o, keys):: { [k]: o[k] for k in std.objectFields(o) if !std.member(keys, k) },

  // Deep merge of plain data: objects merge key by key, anything else in b
  // replaces a.
  merge(a, b)::
    if std.type(a) == 'object' && std.type(b) == 'object' then
      a + { [k]: if std.objectHasEx(a, k, false) then $.merge(a[k], b[k]) else b[k] for k in std.objectFields(b) }
    else b,

  // Keys of `given` that `known` does not list, recursively for the keys
  // named in `nested`. Returns the dotted paths.
  unknownKeys(known, given, nested, prefix='')::
    std.flattenArrays([
      if !std.objectHasEx(known, k, false) then [prefix + k]
      else if std.member(nested, prefix + k) && std.type(given[k]) == 'object' && std.type(known[k]) == 'object' then
        $.unknownKeys(known[k], given[k], nested, prefix + k + '.')
      else []
      for k in std.objectFields(given)
    ]),

  // Label keys and values as Kubernetes validates them.
  isLabelValue(v):: std.type(v) == 'string' && (v == '' || (std.length(v) <= 63 && onlyChars(v, labelChars) && edgesAlnum(v))),
  isLabelKey(k)::
    std.type(k) == 'string' && k != '' &&
    local parts = std.split(k, '/');
    local name = parts[std.length(parts) - 1];
    std.length(parts) <= 2 && name != '' && std.length(name) <= 63 && onlyChars(name, labelChars) && edgesAlnum(name) &&
    (std.length(parts) == 1 || (parts[0] != '' && std.length(parts[0]) <= 253 && onlyChars(parts[0], dnsChars))),
  // A DNS-1123 label, as Kubernetes requires of namespaces.
  isDNSLabel(s)::
    std.type(s) == 'string' && s != '' && std.length(s) <= 63 && onlyChars(s, dnsChars) && !$.contains(s, '.')
    && edgesAlnum(s),
  // A DNS-1123 subdomain, as Kubernetes requires of object names.
  isDNSSubdomain(s)::
    std.type(s) == 'string' && s != '' && std.length(s) <= 253 && onlyChars(s, dnsChars)
    && edgesAlnum(s),

  // An image reference split into repository and tag, or null when it has
  // no tag or is pinned by digest. (By std.split, a builtin in go-jsonnet:
  // std.findSubstr slices the string at every index, milliseconds for an
  // image reference.)
  splitImage(img)::
    if std.type(img) != 'string' || $.contains(img, '@') then null
    else
      local segments = std.split(img, '/');
      local parts = std.split(segments[std.length(segments) - 1], ':');
      if std.length(parts) == 1 then null
      else
        local tag = parts[std.length(parts) - 1];
        local at = std.length(img) - std.length(tag) - 1;
        { repo: std.substr(img, 0, at), tag: tag },

  // A template parameter prefix of a workload name: 'telemeter-server'
  // gives 'TELEMETER_SERVER_'.
  parameterPrefix(name)::
    std.join('', [if std.objectHasEx(alnum, ch, false) then std.asciiUpper(ch) else '_' for ch in std.stringChars(name)]) + '_',

  // Prometheus label name for a Kubernetes label key (podTargetLabels
  // sanitizes every character outside [a-zA-Z0-9_] to '_').
  promLabel(k)::
    if onlyChars(k, alnumChars) then k  // most keys: 'track'
    else std.join('', [if std.objectHasEx(alnum, ch, false) then ch else '_' for ch in std.stringChars(k)]),

  // A string safe inside a double-quoted PromQL regex: Kubernetes names only
  // carry [a-z0-9.-], and '.' must be escaped (\\. inside the string).
  promRegexName(s):: std.strReplace(s, '.', '\\\\.'),
}
