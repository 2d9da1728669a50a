// Whole inputs: which objects of a stream get a canary (select), and the
// stream with their sets in place (stream).
//
//   canarygen.stream(objects, { canary: { percent: 10 } })
//
// Placement: each member of a workload's set that has the identity (group,
// kind, namespace, name) of an object of the input takes that object's
// place; the stable and the other members go where the workload was, in the
// set's field order. So a Service the input already has stays where it is,
// and rendering canarygen's own output again gives the same objects in the
// same order.
//
// The CLI does the same with the library's select and new, dispatching the
// workloads in parallel; a test compares the two.
local util = import 'util.libsonnet';

local isWorkload(o) =
  std.isObject(o) && util.get(o, 'apiVersion') == 'apps/v1'
  && std.member(['StatefulSet', 'Deployment'], util.get(o, 'kind'));

// A problem select found: the object's index (null for the whole input), the
// message (naming the object) and a hint.
local problem(index, message, hint=null) = { index: index, message: message, hint: hint };

// select(objects, params, workloads, sources): which objects get a canary.
// workloads: names ("name" or "namespace/name"); [] means every
// StatefulSet and Deployment. sources[i], when given, says where object i
// comes from ("file:line"), for messages.
//
// select reads only apiVersion, kind and metadata of the objects, so a
// caller may pass just those.
local select(objects, params={}, workloads=[], sources=[]) =
  local n = std.length(objects);
  local source(i) = if i < std.length(sources) && sources[i] != null then sources[i] else null;
  local candidates = [i for i in std.range(0, n - 1) if isWorkload(objects[i])];
  local nameOf(i) = util.nameOf(objects[i]);
  local nsOf(i) = util.namespaceOf(objects[i]);
  local named(i, w) = w == nameOf(i) || (nsOf(i) != null && nsOf(i) != '' && w == nsOf(i) + '/' + nameOf(i));
  local chosen = [i for i in candidates if std.length(workloads) == 0 || std.length([w for w in workloads if named(i, w)]) > 0];
  // The first candidate of each identity, in O(n log n): a scan of the
  // earlier candidates for each one made select quadratic (minutes for a
  // stream of 1000 workloads).
  local ids = [util.identity(o) for o in objects];
  local first = util.firstByKey([[ids[i], i] for i in candidates]);
  local firstOf(i) = first[ids[i]];
  local duplicates = [
    problem(i,
            util.describe(objects[i]) + ': appears twice' + (if source(firstOf(i)) != null then ' (first at ' + source(firstOf(i)) + ')' else ''),
            'each workload may appear once in an input')
    for i in candidates
    if firstOf(i) != i
  ];
  local missing = [
    problem(null,
            'workloads: no StatefulSet or Deployment named ' + util.show(w),
            'workloads in this input: ' + (if std.length(candidates) == 0 then 'none' else std.join(', ', [nameOf(i) for i in candidates])))
    for w in workloads
    if std.length([i for i in candidates if named(i, w)]) == 0
  ];
  {
    // Indices of the objects that get a canary, in stream order.
    workloads: chosen,
    // What is wrong, in the order a user fixes it; the first is reported.
    problems: duplicates + missing,
  };

// The first problem as an error, for jsonnet callers.
local failOn(sel) =
  if std.length(sel.problems) == 0 then true
  else
    local p = sel.problems[0];
    error 'canarygen: ' + p.message + (if p.hint == null then '' else '\nhint: ' + p.hint);

// place(new, objects, params, workloads): the objects with the selected
// workloads' sets in place ({ objects, sets: [[index, set], ...] }). new is
// canarygen.new, or a function of the same arguments.
local place(new, objects, params={}, workloads=[]) =
  local sel = select(objects, params, workloads);
  local n = std.length(objects);
  local ids = [util.identity(o) for o in objects];
  // Identity -> the place of its first object in the input.
  local placeOf = util.firstByKey([[ids[i], i] for i in std.range(0, n - 1)]);
  local chosen = { [util.pad(i)]: true for i in sel.workloads };
  local sets = { [util.pad(i)]: new(objects[i], params, objects) for i in sel.workloads };
  local members(i) = [sets[util.pad(i)][k] for k in std.objectFields(sets[util.pad(i)])];
  local placeOfMember(i, o) = local id = util.identity(o); if std.objectHas(placeOf, id) then placeOf[id] else i;
  // Members that take the place of another object of the input; the first
  // of each place wins.
  local replacements = util.firstByKey([
    [util.pad(placeOfMember(i, o)), o]
    for i in sel.workloads
    for o in members(i)
    if placeOfMember(i, o) != i
  ]);
  assert failOn(sel);
  {
    objects: std.flattenArrays([
      if std.objectHas(chosen, util.pad(i)) then [o for o in members(i) if placeOfMember(i, o) == i]
      else if std.objectHas(replacements, util.pad(i)) then [replacements[util.pad(i)]]
      else [objects[i]]
      for i in std.range(0, n - 1)
    ]),
    sets: [[i, sets[util.pad(i)]] for i in sel.workloads],
  };

{
  isWorkload:: isWorkload,
  select:: select,
  place:: place,
  // The objects only.
  stream(new, objects, params={}, workloads=[]):: place(new, objects, params, workloads).objects,
}
