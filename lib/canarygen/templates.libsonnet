// OpenShift Templates as inputs: Templates in, Templates out.
//
// The workloads inside a Template's objects get their canaries there; every
// parameter the Template declares is kept, and the canaries' are added:
// the canary's image (repository and tag) and replicas, named
// IMAGE_CANARY, IMAGE_CANARY_TAG and CANARY_REPLICAS (with the workload's
// name as a prefix when several workloads get a canary, or when the name is
// taken). A canary the Template has already keeps its own parameter names
// (the origin's telemeter-server-canary uses ${IMAGE_CANARY}:
// ${IMAGE_CANARY_TAG} and ${{REPLICAS_CANARY}}), so pipelines that set
// them go on working.
//
// Checks and the replica math see the workload as `oc process` would give
// it with the parameters' defaults: a stable with replicas ${{REPLICAS}}
// keeps that parameter, and the percent math uses its default.
local openshift = import 'openshift.libsonnet';
local stream = import 'stream.libsonnet';
local util = import 'util.libsonnet';

// ${A}:${B} -> [A, B], else null.
local imageParameters(image) =
  local ref = util.splitImage(image);
  local whole(s) = if std.isString(s) && std.length(s) > 3 && s[0:2] == '${' && s[std.length(s) - 1] == '}' then s[2:std.length(s) - 1] else null;
  if ref == null || whole(ref.repo) == null || whole(ref.tag) == null then null else [whole(ref.repo), whole(ref.tag)];

{
  // new: canarygen.new. Gives { template, reports: [{ object, ratio, notes }] }.
  canaries(new, template, params={}, workloads=[])::
    local declared = util.get(template, 'parameters', []);
    local env = openshift.defaultsOf(declared);
    local objects = util.get(template, 'objects', []);
    local sel = stream.select(objects, params, workloads, [], { strict: false });
    local prefixed = std.length(sel.workloads) > 1;
    local canaryOf(w) =
      local i = [j for j in sel.workloads if util.identity(objects[j]) == util.identity(w)];
      if std.length(i) > 0 && std.objectHas(sel.canaries, std.toString(i[0])) then objects[sel.canaries[std.toString(i[0])]] else null;

    // The parameter names of one workload's canary.
    local namesFor(w, config) =
      local canary = canaryOf(w);
      local target(workload) =
        local cs = util.path(workload, ['spec', 'template', 'spec', 'containers'], []);
        local name = if config.canary.container == null then null
        else if std.isString(config.canary.container) then config.canary.container else config.canary.container[0];
        local found = [ct for ct in cs if name == null || util.get(ct, 'name') == name];
        if std.length(found) > 0 then found[0] else null;
      local adoptedImage = if canary == null then null else imageParameters(util.get(target(canary), 'image'));
      local adoptedReplicas = if canary == null then null else openshift.typedName(util.path(canary, ['spec', 'replicas']));
      local prefix = util.parameterPrefix(util.nameOf(w));
      // A name of our own: prefixed when several workloads get one, or when
      // the Template declares it already.
      local fresh(base) =
        local plain = if prefixed then prefix + base else base;
        if !std.objectHas(env, plain) then plain
        else if !std.objectHas(env, prefix + base) then prefix + base
        else util.fail(util.describe(w), 'templateInput', 'the Template declares ' + plain + ' and ' + prefix + base + ' already, which canarygen would name its canary parameter', 'rename one of them');
      {
        image: if adoptedImage != null then adoptedImage[0] else fresh('IMAGE_CANARY'),
        tag: if adoptedImage != null then adoptedImage[1] else fresh('IMAGE_CANARY_TAG'),
        replicas: if adoptedReplicas != null then adoptedReplicas else fresh('CANARY_REPLICAS'),
      };
    local config(p) = util.merge((import 'defaults.libsonnet'), p);
    local withInput(w, p, objs) = new(w, p { templateInput: { parameters: env, names: namesFor(w, config(p)) } }, objs);
    local placed = stream.place(withInput, objects, params, workloads, { strict: false });
    // The canaries' parameters, by name: the first of each.
    local rendered = util.firstByKey(std.flattenArrays([[[p.name, p] for p in s[1].parameters] for s in placed.sets]));
    local declaredNames = std.set([p.name for p in declared if std.isObject(p) && std.isString(util.get(p, 'name'))]);
    local updated(p) =
      if std.isObject(p) && std.isString(util.get(p, 'name')) && std.objectHas(rendered, p.name) then p { value: rendered[p.name].value } else p;
    local changes = [
      "the Template's parameter " + p.name + ' now defaults to ' + util.show(rendered[p.name].value) + ' (was ' + util.show(util.get(p, 'value')) + ')'
      for p in declared
      if std.isObject(p) && std.isString(util.get(p, 'name')) && std.objectHas(rendered, p.name) && util.get(p, 'value') != rendered[p.name].value
    ];
    {
      local added = std.flattenArrays([s[1].parameters for s in placed.sets]),
      local firstAdded = util.firstByKey([[added[i].name, i] for i in std.range(0, std.length(added) - 1)]),
      template: template {
        objects: placed.objects,
        parameters: [updated(p) for p in declared]
                    + [added[i] for i in std.range(0, std.length(added) - 1) if firstAdded[added[i].name] == i && !std.setMember(added[i].name, declaredNames)],
      },
      reports: [
        {
          object: util.describe(objects[s[0]]),
          ratio: s[1].ratio,
          notes: s[1].notes + [c for c in changes if std.length([p for p in s[1].parameters if util.contains(c, ' ' + p.name + ' ')]) > 0],
        }
        for s in placed.sets
      ],
    },
}
