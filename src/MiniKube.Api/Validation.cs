using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace MiniKube.Api;

/// <summary>
/// Per-kind validation with Kubernetes' rules, field paths and error types. Every problem is reported, not
/// just the first. Fields the <see cref="Defaulter"/> fills in may be left unset, so objects validate the same
/// before and after defaulting (Kubernetes defaults first; either order works here).
/// </summary>
public static partial class Validator
{
    internal const string Immutable = "field is immutable";
    internal const string NonNegative = "must be greater than or equal to 0";
    internal const string PortRange = "must be between 1 and 65535, inclusive";

    private const int AnnotationsMaxBytes = 256 * 1024;

    /// <summary>Every problem with a new object, each path-qualified.</summary>
    public static IReadOnlyList<FieldError> Validate(KubeObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var errs = new List<FieldError>();
        ValidateObjectMeta(obj, errs);
        switch (obj)
        {
            case Pod pod:
                ValidatePodSpec(pod.Spec ?? new PodSpec(), "spec", errs);
                break;
            case Deployment d:
                ValidateDeployment(d, errs);
                break;
            case ReplicaSet rs:
                ValidateReplicaSet(rs, errs);
                break;
            case DaemonSet ds:
                ValidateDaemonSet(ds, errs);
                break;
            case Job job:
                ValidateJob(job, errs);
                break;
            case Service svc:
                ValidateService(svc, errs);
                break;
            case Endpoints ep:
                ValidateEndpoints(ep, errs);
                break;
            case EndpointSlice slice:
                ValidateEndpointSlice(slice, errs);
                break;
            case Node node:
                ValidateNode(node, errs);
                break;
            case Namespace ns:
                ValidateNamespace(ns, errs);
                break;
            case ConfigMap cm:
                ValidateConfigMap(cm, errs);
                break;
            case Secret secret:
                ValidateSecret(secret, errs);
                break;
            case Lease lease:
                ValidateLease(lease, errs);
                break;
            case ServiceAccount sa:
                ValidateServiceAccount(sa, errs);
                break;
            case HorizontalPodAutoscaler hpa:
                ValidateHpa(hpa, errs);
                break;
            case VerticalPodAutoscaler vpa:
                ValidateVpa(vpa, errs);
                break;
            case Event ev:
                ValidateEvent(ev, errs);
                break;
            case Binding binding:
                ValidateBinding(binding, errs);
                break;
            case Role role:
                ValidateRole(role, errs);
                break;
            case ClusterRole clusterRole:
                ValidateClusterRole(clusterRole, errs);
                break;
            case RoleBinding roleBinding:
                ValidateRoleBinding(roleBinding, errs);
                break;
            case ClusterRoleBinding clusterRoleBinding:
                ValidateClusterRoleBinding(clusterRoleBinding, errs);
                break;
        }
        return errs;
    }

    /// <summary>
    /// Problems with an update: <see cref="Validate"/> of the new object plus Kubernetes' immutability rules
    /// (name and namespace, pod spec, workload selectors, Job template, Service clusterIP, immutable ConfigMap/Secret data).
    /// </summary>
    public static IReadOnlyList<FieldError> ValidateUpdate(KubeObject updated, KubeObject old)
    {
        ArgumentNullException.ThrowIfNull(updated);
        ArgumentNullException.ThrowIfNull(old);
        var errs = new List<FieldError>(Validate(updated));
        if (updated.GetType() != old.GetType())
        {
            errs.Add(FieldError.Invalid("kind", updated.Kind, $"may not change from {old.Kind} to {updated.Kind}"));
            return errs;
        }
        ValidateObjectMetaUpdate(updated.Metadata, old.Metadata, errs);
        switch (updated)
        {
            case Pod pod:
                ValidatePodUpdate(pod, (Pod)old, errs);
                break;
            case Deployment d:
                ValidateSelectorUpdate(d.Spec?.Selector, ((Deployment)old).Spec?.Selector, errs);
                break;
            case ReplicaSet rs:
                ValidateSelectorUpdate(rs.Spec?.Selector, ((ReplicaSet)old).Spec?.Selector, errs);
                break;
            case DaemonSet ds:
                ValidateSelectorUpdate(ds.Spec?.Selector, ((DaemonSet)old).Spec?.Selector, errs);
                break;
            case Job job:
                ValidateJobUpdate(job, (Job)old, errs);
                break;
            case Service svc:
                ValidateServiceUpdate(svc, (Service)old, errs);
                break;
            case EndpointSlice slice when slice.AddressType != ((EndpointSlice)old).AddressType:
                errs.Add(FieldError.Invalid("addressType", slice.AddressType, Immutable));
                break;
            case ConfigMap cm:
                ValidateConfigMapUpdate(cm, (ConfigMap)old, errs);
                break;
            case Secret secret:
                ValidateSecretUpdate(secret, (Secret)old, errs);
                break;
            case RoleBinding roleBinding:
                ValidateRoleRefUpdate(roleBinding.RoleRef, ((RoleBinding)old).RoleRef, errs);
                break;
            case ClusterRoleBinding clusterRoleBinding:
                ValidateRoleRefUpdate(clusterRoleBinding.RoleRef, ((ClusterRoleBinding)old).RoleRef, errs);
                break;
        }
        return errs;
    }

    // ---- metadata --------------------------------------------------------------------------------------

    /// <summary>Namespaces and Services become DNS names (one label); everything else may be a dotted subdomain.</summary>
    private static bool NameIsDnsLabel(KubeObject obj) => obj is Namespace or Service;

    private static void ValidateObjectMeta(KubeObject obj, List<FieldError> errs)
    {
        var meta = obj.Metadata ?? new ObjectMeta();
        Func<string, IReadOnlyList<string>> nameRule = NameIsDnsLabel(obj) ? NameRules.IsDns1123Label
            : IsRbacKind(obj) ? IsPathSegmentName
            : NameRules.IsDns1123Subdomain;
        if (!string.IsNullOrEmpty(meta.GenerateName))
        {
            // A generated name is the prefix plus random characters, so a trailing '-' in the prefix is fine.
            var prefix = meta.GenerateName.EndsWith('-') && meta.GenerateName.Length > 1 ? meta.GenerateName[..^1] + "a" : meta.GenerateName;
            foreach (var msg in nameRule(prefix))
            {
                errs.Add(FieldError.Invalid("metadata.generateName", meta.GenerateName, msg));
            }
        }
        if (string.IsNullOrEmpty(meta.Name))
        {
            if (string.IsNullOrEmpty(meta.GenerateName))
            {
                errs.Add(FieldError.Required("metadata.name", "name or generateName is required"));
            }
        }
        else
        {
            foreach (var msg in nameRule(meta.Name))
            {
                errs.Add(FieldError.Invalid("metadata.name", meta.Name, msg));
            }
        }

        if (!string.IsNullOrEmpty(meta.Namespace))
        {
            var info = ResourceRegistry.All.FirstOrDefault(r => r.Type == obj.GetType());
            if (info is { Namespaced: false })
            {
                errs.Add(FieldError.Forbidden("metadata.namespace", "not allowed on this type"));
            }
            else
            {
                foreach (var msg in NameRules.IsDns1123Label(meta.Namespace))
                {
                    errs.Add(FieldError.Invalid("metadata.namespace", meta.Namespace, msg));
                }
            }
        }

        ValidateLabelsAndAnnotations(meta.Labels, meta.Annotations, "metadata", errs);

        var owners = meta.OwnerReferences ?? [];
        var controllers = 0;
        foreach (var o in owners)
        {
            const string p = "metadata.ownerReferences";
            if (string.IsNullOrEmpty(o.ApiVersion))
            {
                errs.Add(FieldError.Invalid(p + ".apiVersion", o.ApiVersion, "version must not be empty"));
            }
            if (string.IsNullOrEmpty(o.Kind))
            {
                errs.Add(FieldError.Invalid(p + ".kind", o.Kind, "kind must not be empty"));
            }
            if (string.IsNullOrEmpty(o.Name))
            {
                errs.Add(FieldError.Invalid(p + ".name", o.Name, "name must not be empty"));
            }
            if (string.IsNullOrEmpty(o.Uid))
            {
                errs.Add(FieldError.Invalid(p + ".uid", o.Uid, "uid must not be empty"));
            }
            if (o.Controller == true)
            {
                controllers++;
            }
        }
        if (controllers > 1)
        {
            errs.Add(FieldError.Invalid("metadata.ownerReferences", Raw(owners), "only one reference can have controller set to true"));
        }

        var finalizers = meta.Finalizers ?? [];
        for (var i = 0; i < finalizers.Count; i++)
        {
            foreach (var msg in NameRules.IsQualifiedName(finalizers[i]))
            {
                errs.Add(FieldError.Invalid(Paths.Index("metadata.finalizers", i), finalizers[i], msg));
            }
        }
    }

    /// <summary>Label keys and values as Kubernetes checks them; errors carry the map's path and the bad key or value.</summary>
    internal static void ValidateLabels(IReadOnlyDictionary<string, string> labels, string path, List<FieldError> errs)
    {
        foreach (var (k, v) in labels.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            foreach (var msg in NameRules.IsQualifiedName(k))
            {
                errs.Add(FieldError.Invalid(path, k, msg));
            }
            foreach (var msg in NameRules.IsValidLabelValue(v))
            {
                errs.Add(FieldError.Invalid(path, v, msg));
            }
        }
    }

    /// <summary>Labels and annotations of object metadata or of a pod template's metadata.</summary>
    private static void ValidateLabelsAndAnnotations(
        IReadOnlyDictionary<string, string>? labels, IReadOnlyDictionary<string, string>? annotations, string metaPath, List<FieldError> errs)
    {
        if (labels is not null)
        {
            ValidateLabels(labels, Paths.Child(metaPath, "labels"), errs);
        }
        if (annotations is not null)
        {
            var path = Paths.Child(metaPath, "annotations");
            long size = 0;
            foreach (var (k, v) in annotations.OrderBy(kv => kv.Key, StringComparer.Ordinal))
            {
                // Kubernetes accepts upper case in annotation keys' prefixes, so the check is on the lowered key.
                foreach (var msg in NameRules.IsQualifiedName(k.ToLowerInvariant()))
                {
                    errs.Add(FieldError.Invalid(path, k, msg));
                }
                size += k.Length + (long)Encoding.UTF8.GetByteCount(v);
            }
            if (size > AnnotationsMaxBytes)
            {
                errs.Add(new FieldError(path, FieldErrorType.TooLong, $"must have at most {AnnotationsMaxBytes} bytes"));
            }
        }
    }

    private static void ValidateObjectMetaUpdate(ObjectMeta updated, ObjectMeta old, List<FieldError> errs)
    {
        if (!string.Equals(updated.Name ?? "", old.Name ?? "", StringComparison.Ordinal))
        {
            errs.Add(FieldError.Invalid("metadata.name", updated.Name ?? "", Immutable));
        }
        if (!string.Equals(updated.Namespace ?? "", old.Namespace ?? "", StringComparison.Ordinal))
        {
            errs.Add(FieldError.Invalid("metadata.namespace", updated.Namespace ?? "", Immutable));
        }
        if (!string.IsNullOrEmpty(old.Uid) && !string.IsNullOrEmpty(updated.Uid) && updated.Uid != old.Uid)
        {
            errs.Add(FieldError.Invalid("metadata.uid", updated.Uid, Immutable));
        }
    }

    // ---- small shared checks ---------------------------------------------------------------------------

    internal static void NonNegativeField(long? value, string path, List<FieldError> errs)
    {
        if (value < 0)
        {
            errs.Add(FieldError.Invalid(path, value.Value, NonNegative));
        }
    }

    internal static void AtLeastField(long? value, long min, string path, List<FieldError> errs)
    {
        if (value < min)
        {
            errs.Add(FieldError.Invalid(path, value.Value, $"must be greater than or equal to {min}"));
        }
    }

    internal static void PortNumber(int port, string path, List<FieldError> errs)
    {
        if (port is < 1 or > 65535)
        {
            errs.Add(FieldError.Invalid(path, port, PortRange));
        }
    }

    /// <summary>A port given as a number (1–65535) or as the name of a container port.</summary>
    internal static void PortNumberOrName(IntOrString port, string path, List<FieldError> errs)
    {
        if (port.IsInt)
        {
            PortNumber(port.IntValue, path, errs);
            return;
        }
        foreach (var msg in NameRules.IsValidPortName(port.StringValue))
        {
            errs.Add(FieldError.Invalid(path, port.StringValue, msg));
        }
    }

    internal static void OneOf(string? value, string path, IReadOnlyList<string> supported, List<FieldError> errs, bool allowEmpty = true)
    {
        if (string.IsNullOrEmpty(value))
        {
            if (!allowEmpty)
            {
                errs.Add(FieldError.Required(path));
            }
            return;
        }
        if (!supported.Contains(value, StringComparer.Ordinal))
        {
            errs.Add(FieldError.NotSupported(path, value, supported));
        }
    }

    internal static void DnsLabel(string? value, string path, List<FieldError> errs)
    {
        if (!string.IsNullOrEmpty(value))
        {
            foreach (var msg in NameRules.IsDns1123Label(value))
            {
                errs.Add(FieldError.Invalid(path, value, msg));
            }
        }
    }

    private static void DnsSubdomain(string? value, string path, List<FieldError> errs)
    {
        if (!string.IsNullOrEmpty(value))
        {
            foreach (var msg in NameRules.IsDns1123Subdomain(value))
            {
                errs.Add(FieldError.Invalid(path, value, msg));
            }
        }
    }

    private static object Box(IntOrString value) => value.IsString ? value.StringValue : value.IntValue;

    // ---- rendering values in messages ------------------------------------------------------------------

    /// <summary>
    /// Compact JSON of a value with object keys sorted, for messages and for comparing specs: two maps with the
    /// same entries in another order are the same value.
    /// </summary>
    internal static string ToJson(object? value)
    {
        if (value is null)
        {
            return "null";
        }
        var element = JsonSerializer.SerializeToElement(value, value.GetType(), KubeSerializer.Options);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            WriteSorted(element, writer);
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    private static void WriteSorted(JsonElement element, Utf8JsonWriter writer)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                writer.WriteStartObject();
                foreach (var property in element.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    // An empty list means the same as no list (as in Kubernetes' semantic equality).
                    if (property.Value.ValueKind == JsonValueKind.Array && property.Value.GetArrayLength() == 0)
                    {
                        continue;
                    }
                    writer.WritePropertyName(property.Name);
                    WriteSorted(property.Value, writer);
                }
                writer.WriteEndObject();
                break;
            case JsonValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in element.EnumerateArray())
                {
                    WriteSorted(item, writer);
                }
                writer.WriteEndArray();
                break;
            default:
                element.WriteTo(writer);
                break;
        }
    }

    /// <summary>A bad value that renders as JSON (a map or a struct) rather than as a quoted string.</summary>
    internal static object Raw(object? value) => new RenderedValue(ToJson(value));

    private sealed record RenderedValue(string Text)
    {
        public override string ToString() => Text;
    }
}
