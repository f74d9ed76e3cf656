#!/usr/bin/env python3
"""Writes wire-schema.txt: the protobuf field numbers of the Kubernetes kinds MiniKube serves, read from the
gzipped FileDescriptorProtos that a kubectl binary carries (client-go's generated.pb.go files register them).

    python3 protos/kubernetes/generate-wire-schema.py /usr/lib/google-cloud-sdk/bin/kubectl.1.32 > protos/kubernetes/wire-schema.txt

One line per message: its name, then `jsonName=number:type` per field, `*` after a repeated field's type. Types are
protobuf scalars, another message's name, `map:<value type>`, or one of the leaf types the API server renders as
Kubernetes' JSON does: time, quantity, intorstring, raw (embedded JSON), duration.
"""
import sys
import zlib

GZIP = b'\x1f\x8b\x08\x00\x00\x00\x00\x00'
SCALARS = {1: 'double', 2: 'float', 3: 'int64', 4: 'uint64', 5: 'int32', 8: 'bool', 9: 'string', 12: 'bytes', 13: 'uint32',
           17: 'sint32', 18: 'sint64'}
LEAVES = {
    'apimachinery.pkg.apis.meta.v1.Time': 'time', 'apimachinery.pkg.apis.meta.v1.MicroTime': 'time',
    'apimachinery.pkg.api.resource.Quantity': 'quantity', 'apimachinery.pkg.util.intstr.IntOrString': 'intorstring',
    'apimachinery.pkg.runtime.RawExtension': 'raw', 'apimachinery.pkg.apis.meta.v1.FieldsV1': 'raw',
    'apimachinery.pkg.apis.meta.v1.Duration': 'duration',
}
# The protobuf jsonName where Kubernetes' JSON tag differs (protoc derives uID from the Go field UID).
JSON_NAMES = {'uID': 'uid'}
ROOTS = [
    'api.core.v1.' + k for k in ['Pod', 'Node', 'Service', 'Endpoints', 'Namespace', 'Event', 'ConfigMap', 'Secret', 'Binding']
] + [
    'api.apps.v1.Deployment', 'api.apps.v1.ReplicaSet', 'api.apps.v1.DaemonSet', 'api.batch.v1.Job',
    'api.discovery.v1.EndpointSlice', 'api.coordination.v1.Lease', 'api.autoscaling.v2.HorizontalPodAutoscaler',
    'api.autoscaling.v1.Scale', 'api.policy.v1.Eviction', 'apimachinery.pkg.apis.meta.v1.DeleteOptions',
    'apimachinery.pkg.runtime.Unknown',
    'api.rbac.v1.Role', 'api.rbac.v1.ClusterRole', 'api.rbac.v1.RoleBinding', 'api.rbac.v1.ClusterRoleBinding',
    'api.authorization.v1.SelfSubjectAccessReview',
    'api.core.v1.ServiceAccount', 'api.authentication.v1.TokenRequest',
]


def varint(b, i):
    value, shift = 0, 0
    while True:
        x = b[i]
        value |= (x & 0x7f) << shift
        shift += 7
        i += 1
        if x < 0x80:
            return value, i


def fields(b):
    i, out = 0, []
    while i < len(b):
        key, i = varint(b, i)
        wire = key & 7
        if wire == 0:
            value, i = varint(b, i)
        elif wire == 2:
            length, i = varint(b, i)
            value, i = b[i:i + length], i + length
        elif wire == 1:
            value, i = b[i:i + 8], i + 8
        elif wire == 5:
            value, i = b[i:i + 4], i + 4
        else:
            raise ValueError('wire type %d' % wire)
        out.append((key >> 3, value))
    return out


def descriptors(binary):
    i = 0
    while (i := binary.find(GZIP, i)) >= 0:
        try:
            data = zlib.decompressobj(31).decompress(binary[i:i + 4_000_000])
            if data.startswith(b'\x0a'):
                name = dict(fields(data)).get(1, b'')
                if name.endswith(b'generated.proto') and name.startswith(b'k8s.io/'):
                    yield data
        except (zlib.error, ValueError, IndexError):
            pass  # not a descriptor: the bytes only looked like a gzip header
        i += 1


def messages(binary):
    found = {}

    def walk(b, prefix):
        fs = fields(b)
        name = prefix + '.' + next(v for f, v in fs if f == 1).decode()
        own, is_map = [], False
        for f, v in fs:
            if f == 2:
                d = dict(fields(v))
                own.append((d[3], d[10].decode() if 10 in d else d[1].decode(), d.get(5), d.get(4), d.get(6, b'').decode().lstrip('.')))
            elif f == 3:
                walk(v, name)
            elif f == 7:
                is_map = bool(dict(fields(v)).get(7, 0))
        found[name.removeprefix('k8s.io.')] = (own, is_map)

    for data in descriptors(binary):
        fs = fields(data)
        package = next(v for f, v in fs if f == 2).decode()
        for f, v in fs:
            if f == 4:
                walk(v, package)
    return found


def main(path):
    found = messages(open(path, 'rb').read())
    name = lambda t: t.removeprefix('k8s.io.')
    lines, seen, todo = [], set(), list(ROOTS)
    while todo:
        message = todo.pop(0)
        if message in seen or message in LEAVES:
            continue
        seen.add(message)
        parts = [message]
        for number, json, scalar, label, type_name in sorted(found[message][0]):
            json = JSON_NAMES.get(json, json)
            if scalar == 11:
                target = name(type_name)
                if found[target][1]:
                    value = dict((n, (s, t)) for n, _, s, _, t in found[target][0])[2]
                    vtype = SCALARS.get(value[0]) or LEAVES.get(name(value[1])) or name(value[1])
                    if value[0] == 11 and name(value[1]) not in LEAVES:
                        todo.append(name(value[1]))
                    parts.append('%s=%d:map:%s' % (json, number, vtype))
                    continue
                kind = LEAVES.get(target, target)
                if target not in LEAVES:
                    todo.append(target)
            else:
                kind = SCALARS[scalar]
            parts.append('%s=%d:%s%s' % (json, number, kind, '*' if label == 3 else ''))
        lines.append(' '.join(parts))
    print('# generated by generate-wire-schema.py from ' + path.rsplit('/', 1)[-1] + '; do not edit')
    for line in sorted(lines):
        print(line)


if __name__ == '__main__':
    main(sys.argv[1])
