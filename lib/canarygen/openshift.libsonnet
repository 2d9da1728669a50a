// OpenShift Templates: canarygen.openshift.template(objects, params) wraps
// objects in one template.openshift.io/v1 Template, for `oc process`.
//
//   canarygen.openshift.template(set, {
//     name: 'telemeter',
//     parameters: set.parameters + [{ name: 'ROUTE_HOST', value: 'example.com' }],
//   })
//
// Parameters are those declared (by canarygen.new with templateParameters,
// or by you) AND used as ${NAME} or ${{NAME}} somewhere in the objects; a
// placeholder that is not declared is an error. Object namespaces are left
// to `oc process -n` / the project the template is processed in.
local util = import 'util.libsonnet';

local nameChars = std.set(std.stringChars('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_'));

// The parameter names a string refers to: ${NAME} anywhere, ${{NAME}}.
// std.split is a builtin in go-jsonnet (std.findSubstr is not), and a string
// without '$' costs one pass. One-character separators: C++ jsonnet 0.18
// takes no others.
local namesIn(s) =
  local parts = std.split(s, '$');
  local strip(p) = if std.length(p) > 0 && p[0] == '{' then std.substr(p, 1, std.length(p) - 1) else null;
  local nameOf(part) =
    local braced = strip(part);
    local body = if braced == null then null else local typed = strip(braced); if typed == null then braced else typed;
    local closed = if body == null then [] else std.split(body, '}');
    local name = if std.length(closed) > 1 then closed[0] else '';
    if name != '' && std.length([ch for ch in std.stringChars(name) if !std.setMember(ch, nameChars)]) == 0
    then [name] else [];
  if std.length(parts) == 1 then [] else std.flattenArrays([nameOf(p) for p in parts[1:]]);

local placeholders(v) =
  if std.isString(v) then namesIn(v)
  else if std.isArray(v) then std.flattenArrays([placeholders(x) for x in v])
  else if std.isObject(v) then std.flattenArrays([placeholders(k) + placeholders(v[k]) for k in std.objectFields(v)])
  else [];

local isObject(o) = std.isObject(o) && std.objectHas(o, 'kind') && std.objectHas(o, 'apiVersion');

// Objects, arrays and object sets (such as canarygen.new's result), as the
// CLI flattens them: sets by sorted field name.
local flatten(v) =
  if isObject(v) then [v]
  else if std.isArray(v) then std.flattenArrays([flatten(x) for x in v])
  else if std.isObject(v) then std.flattenArrays([flatten(v[k]) for k in std.objectFields(v)])
  else util.fail('', 'objects', 'a ' + std.type(v) + ' is not a Kubernetes object');

local describe(o) = o.kind + ' ' + util.get(util.get(o, 'metadata', {}), 'name', '<unnamed>');

local withoutNamespace(o) =
  if std.objectHas(o, 'metadata') && std.isObject(o.metadata) && std.objectHas(o.metadata, 'namespace') then
    o { metadata: util.without(o.metadata, ['namespace']) }
  else o;

// A parameter value as `${{NAME}}` gives it: a number or boolean when its
// text is one, else the string.
local isDigits(s) = s != '' && std.length([ch for ch in std.stringChars(s) if ch < '0' || ch > '9']) == 0;
local typed(v) =
  if !std.isString(v) then v
  else if isDigits(v) || (std.length(v) > 1 && v[0] == '-' && isDigits(v[1:])) then std.parseInt(v)
  else if v == 'true' then true
  else if v == 'false' then false
  else v;

// The name of a whole-field typed placeholder ("${{NAME}}"), or null.
local typedName(v) =
  if !std.isString(v) || std.length(v) < 6 || std.substr(v, 0, 3) != '${{' || std.substr(v, std.length(v) - 2, 2) != '}}' then null
  else local n = std.substr(v, 3, std.length(v) - 5); if std.length(namesIn('${' + n + '}')) == 1 then n else null;

// A string with each ${NAME} of env replaced by its value.
local substituteString(s, env) =
  local parts = std.split(s, '$');
  local one(p) =
    if std.length(p) > 0 && p[0] == '{' && std.length(std.split(p, '}')) > 1 then
      local name = std.split(std.substr(p, 1, std.length(p) - 1), '}')[0];
      if std.objectHas(env, name) then env[name] + std.substr(p, std.length(name) + 2, std.length(p) - std.length(name) - 2)
      else '$' + p
    else '$' + p;
  if std.length(parts) == 1 then s else parts[0] + std.join('', [one(p) for p in parts[1:]]);

// v with the Template's parameters substituted, as `oc process` would with
// their defaults: ${{NAME}} as a whole field typed, ${NAME} in strings.
local substitute(v, env) =
  if std.isString(v) then
    local n = typedName(v);
    if n != null && std.objectHas(env, n) then typed(env[n]) else substituteString(v, env)
  else if std.isArray(v) then [substitute(x, env) for x in v]
  else if std.isObject(v) then { [substituteString(k, env)]: substitute(v[k], env) for k in std.objectFields(v) }
  else v;

{
  typedName:: typedName,
  substitute:: substitute,

  // The defaults of a Template's parameters: name -> value ('' without).
  defaultsOf(parameters)::
    util.firstByKey([
      [p.name, if std.isString(util.get(p, 'value')) then p.value else '']
      for p in (if std.isArray(parameters) then parameters else [])
      if std.isObject(p) && std.isString(util.get(p, 'name'))
    ]),

  template(objects, params={})::
    local where = 'Template ' + util.get(params, 'name', '<unnamed>');
    local list = flatten(objects);
    local usedBy = [std.set(placeholders(o)) for o in list];
    local used = std.set(std.flattenArrays(usedBy));
    local declared = util.get(params, 'parameters', []);
    local names = std.set([p.name for p in declared]);
    local conflicts = [
      n
      for n in names
      if std.length(std.set([std.toString(util.get(p, 'value')) for p in declared if p.name == n])) > 1
    ];
    local known = ['name', 'parameters', 'labels', 'message', 'annotations'];
    local checks = [
      if !std.isObject(params) then util.fail(where, '', 'params must be an object') else true,
      local unknown = [k for k in std.objectFields(params) if !std.member(known, k)];
      if std.length(unknown) > 0 then util.fail(where, unknown[0], 'unknown option', 'known options: ' + std.join(', ', known)) else true,
      if !std.isString(util.get(params, 'name')) || !util.isDNSSubdomain(params.name) then
        util.fail(where, 'name', 'a Template needs a name (a valid Kubernetes name), got ' + util.show(util.get(params, 'name')))
      else true,
      if !std.isArray(declared) || std.length([p for p in declared if !std.isObject(p) || !std.isString(util.get(p, 'name'))]) > 0 then
        util.fail(where, 'parameters', 'must be a list of { name, value, description } objects')
      else true,
      if std.length(conflicts) > 0 then
        util.fail(where,
                  'parameters',
                  'parameter ' + conflicts[0] + ' is declared twice with different values',
                  'each workload needs its own parameter names: canarygen prefixes them when a template holds several workloads')
      else true,
    ] + [
      local missing = [n for n in usedBy[i] if !std.setMember(n, names)];
      if std.length(missing) > 0 then
        util.fail(where,
                  describe(list[i]),
                  'uses the parameter ${' + missing[0] + '}, which is not declared',
                  "declare it among the Template's parameters (`template.parameters " + missing[0] + '=DEFAULT`)')
      else true
      for i in std.range(0, std.length(list) - 1)
    ];
    local firstOf(n) = [p for p in declared if p.name == n][0];
    assert std.length([c for c in checks if c != true]) == 0;
    {
      apiVersion: 'template.openshift.io/v1',
      kind: 'Template',
      metadata: {
        name: params.name,
        [if std.objectHas(params, 'annotations') then 'annotations']: params.annotations,
      },
      [if std.objectHas(params, 'labels') then 'labels']: params.labels,
      [if std.objectHas(params, 'message') then 'message']: params.message,
      objects: [withoutNamespace(o) for o in list],
      // Declaration order, first declaration of each name, used ones only.
      parameters: [
        firstOf(n)
        for n in std.foldl(function(acc, p) if std.member(acc, p.name) then acc else acc + [p.name], declared, [])
        if std.setMember(n, used)
      ],
    },
}
