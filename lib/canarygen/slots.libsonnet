// Templates: the JSON text of one of the library's objects, made once per
// process, with slots where a handful of strings differ from workload to
// workload.
//
// Most of a dashboard and of a PrometheusRule is the same for every
// workload: what differs is a few strings (names, namespace, job, track
// label, replicas, metric names). A component evaluates its own object
// once with slots in place of those strings (slot('name') where the name
// goes) and keeps the JSON text as a template; a workload's JSON is the
// template with its strings in the slots, escaped as std.manifestJsonEx
// escapes them. The object stays the only definition: the template is
// what the component's code gives for the slots, and the text of a
// workload what it gives for the workload's strings, as long as the code
// only concatenates them (a component takes its direct path for strings
// it would transform otherwise, such as names with '.' that pod-name
// regexes escape). lib/tests/templates_test.jsonnet compares both paths.
//
// Building and manifesting a dashboard field by field for every workload
// was more than half of each workload's evaluation; filling its template
// is one std.join.

// A character std.manifestJsonEx writes as it is (jsonnet escapes only
// control characters) and the library's own text never holds: U+E000, of
// Unicode's private use area. The character itself, not an escape, so that
// std.split works under C++ jsonnet 0.18 (one-character separators only).
local mark = std.char(57344);

// A string as std.manifestJsonEx writes it between quotes: std.manifestJson
// of the string itself, not std.escapeStringJson, which go-jsonnet writes
// differently (U+2028 and U+2029 as they are, U+007F to U+009F escaped:
// the other way round).
local escape(s) = local q = std.manifestJson(s); std.substr(q, 1, std.length(q) - 2);

{
  // The slot named k, for a string of an object.
  slot(k):: mark + k + mark,

  // { k: slot(k) } for each name.
  slots(names):: { [k]: $.slot(k) for k in names },

  // The template of v: the JSON text std.manifestJsonEx(v, indent) gives,
  // as pieces each followed by the index of a slot in names (the names of
  // the slots it holds, sorted), and the last piece.
  template(v, indent)::
    local parts = std.split(std.manifestJsonEx(v, indent), mark);
    local n = (std.length(parts) - 1) / 2;
    local names = std.set([parts[2 * i + 1] for i in std.range(0, n - 1)]);
    local index = { [names[i]]: i for i in std.range(0, std.length(names) - 1) };
    {
      names: names,
      pairs: [[parts[2 * i], index[parts[2 * i + 1]]] for i in std.range(0, n - 1)],
      last: parts[2 * n],
    },

  // The template's text with values[k] (a string) in each slot k. The
  // values are escaped together, in one call (one apart when a value holds
  // the slot character itself), and the pieces joined in one: each jsonnet
  // operation per piece costs microseconds.
  fill(template, values)::
    local vals = [values[k] for k in template.names];
    local together = std.split(escape(std.join(mark, vals)), mark);
    local escaped = if std.length(together) == std.length(vals) then together else [escape(v) for v in vals];
    std.join('', [p[0] + escaped[p[1]] for p in template.pairs]) + template.last,
}
