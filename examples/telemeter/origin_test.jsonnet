// The origin post's hand-written canary, applied to the same StatefulSet,
// must equal what canarygen derives, up to one detail: the post appended
// --log-level=debug to `command`, canarygen appends it to `args`. The
// container runs command ++ args either way. Evaluates to [] or fails.
local telemeter = import 'objects.libsonnet';
local rendered = import 'telemeter.jsonnet';

local post = {
  // Verbatim from the post, with its ${IMAGE_CANARY}:${IMAGE_CANARY_TAG}
  // template parameters filled in.
  statefulSetCanary: telemeter.statefulSet {
    metadata+: {
      name: super.name + '-canary',
    },
    spec+: {
      replicas: 2,
      selector+: {
        matchLabels+: {
          track: 'canary',
        },
      },
      template+: {
        metadata+: {
          labels+: {
            track: 'canary',
          },
        },
        spec+: {
          containers: [
            if c.name == 'telemeter-server' then c {
              image: 'quay.io/openshift/origin-telemeter:v4.1',
              command+: ['--log-level=debug'],  // Always enable debug logging for canary deployments
            }
            for c in super.containers
          ],
        },
      },
    },
  },
};

// command ++ args as one argv, the way the kubelet runs it.
local argv(sts) = sts {
  spec+: { template+: { spec+: { containers: [
    { [k]: c[k] for k in std.objectFields(c) if k != 'command' && k != 'args' }
    + { argv: std.get(c, 'command', []) + std.get(c, 'args', []) }
    for c in super.containers
  ] } } },
};

assert argv(rendered.canary) == argv(post.statefulSetCanary) :
       'canarygen canary differs from the post:\n' + std.manifestJson(argv(rendered.canary)) + '\n' + std.manifestJson(argv(post.statefulSetCanary));
assert rendered.stable == telemeter.statefulSet : 'the stable changed';
assert rendered.service == telemeter.service : 'the Service changed';
[]
