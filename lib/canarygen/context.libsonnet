// The objects around a workload: what canarygen.new finds among the other
// objects of the input (the `objects` argument), so that jsonnet users and
// CLI users get the same reuse and the same refusals.
//
// Every lookup checks kind and namespace itself: a caller may pass all the
// objects of an input, or only those of the workload's namespace.
local util = import 'util.libsonnet';

// The kinds a lookup here reads. A caller holding a large input may pass
// only objects of these kinds (in the workload's namespace, or
// cluster-scoped) and get the same result.
local kinds = ['Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget'];

local inNamespace(objects, kind, ns) = [
  o
  for o in objects
  if std.isObject(o) && util.get(o, 'kind') == kind && util.sameNamespace(util.namespaceOf(o), ns)
];

{
  kinds:: kinds,

  // The Service that already fronts the workload: for a StatefulSet its
  // governing Service (spec.serviceName), for a Deployment one named like
  // it; else the first whose selector picks the workload's pods. null when
  // there is none. canarygen.new checks it.
  service(w, objects)::
    local ns = util.namespaceOf(w);
    local spec = util.get(w, 'spec', {});
    local serviceName = util.get(spec, 'serviceName');
    local want =
      if util.get(w, 'kind') == 'StatefulSet' && std.isString(serviceName) && serviceName != '' then serviceName
      else util.nameOf(w);
    local podLabels = util.path(spec, ['template', 'metadata', 'labels'], {});
    local services = inNamespace(objects, 'Service', ns);
    local named = [s for s in services if util.nameOf(s) == want];
    local selects(s) =
      local sel = util.path(s, ['spec', 'selector'], {});
      std.isObject(sel) && std.length(sel) > 0 && util.subset(sel, podLabels);
    local selecting = [s for s in services if selects(s)];
    if std.length(named) > 0 then named[0]
    else if std.length(selecting) > 0 then selecting[0]
    else null,

  // The autoscaling/v2 HorizontalPodAutoscaler that scales the workload, or
  // null.
  hpa(w, objects)::
    local scales(h) =
      local ref = util.path(h, ['spec', 'scaleTargetRef'], {});
      util.get(h, 'apiVersion') == 'autoscaling/v2' && util.get(ref, 'kind') == util.get(w, 'kind') && util.get(ref, 'name') == util.nameOf(w);
    local found = [h for h in inNamespace(objects, 'HorizontalPodAutoscaler', util.namespaceOf(w)) if scales(h)];
    if std.length(found) > 0 then found[0] else null,

  // A PodDisruptionBudget whose selector (matchLabels and
  // matchExpressions) picks the workload's pods, or null.
  pdb(w, objects)::
    local pods = util.path(w, ['spec', 'template', 'metadata', 'labels'], {});
    local covers(p) =
      local sel = util.path(p, ['spec', 'selector']);
      std.isObject(sel) && !util.selectorEmpty(sel) && util.selectorMatches(sel, pods);
    local found = [p for p in inNamespace(objects, 'PodDisruptionBudget', util.namespaceOf(w)) if covers(p)];
    if std.length(found) > 0 then found[0] else null,
}
