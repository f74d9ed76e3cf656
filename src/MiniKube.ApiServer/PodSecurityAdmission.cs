using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// Kubernetes' PodSecurity admission: a pod created in a namespace is checked against the levels its
/// <c>pod-security.kubernetes.io/enforce|warn|audit</c> labels choose — enforce rejects (403), warn returns a warning, audit
/// logs. Workloads (Deployment, ReplicaSet, DaemonSet, Job) are checked by their pod template for warn and audit only, as in
/// Kubernetes: their pods are enforced when the controller creates them. Unlike Kubernetes' privileged default, a namespace
/// without an enforce label enforces <see cref="ApiServerOptions.PodSecurityDefaultEnforce"/> (baseline), except kube-system.
/// </summary>
internal sealed partial class PodSecurityAdmission(ApiServerOptions options, ILogger<PodSecurityAdmission> logger)
{
    /// <summary>The pod spec (and metadata) that admission checks for <paramref name="obj"/>; null for kinds it does not check.</summary>
    public static (ObjectMeta? Metadata, PodSpec Spec)? PodOf(KubeObject obj) => obj switch
    {
        Pod { Spec: { } spec } pod => (pod.Metadata, spec),
        Deployment { Spec.Template.Spec: { } spec } d => (d.Spec.Template.Metadata, spec),
        ReplicaSet { Spec.Template.Spec: { } spec } r => (r.Spec.Template!.Metadata, spec),
        DaemonSet { Spec.Template.Spec: { } spec } d => (d.Spec.Template.Metadata, spec),
        Job { Spec.Template.Spec: { } spec } j => (j.Spec.Template.Metadata, spec),
        _ => null,
    };

    /// <summary>The namespace's enforce policy (labels, else the configured default; kube-system is privileged by default).</summary>
    public PodSecurityPolicy EnforcePolicy(Namespace ns) =>
        PodSecurityLabels.PolicyFor(ns.Metadata.Labels, PodSecurityLabels.Enforce, PodSecurityLabels.EnforceVersion, DefaultEnforce(ns));

    /// <summary>The violations of the namespace's enforce policy (only pods are enforced: null for anything else).</summary>
    public IReadOnlyList<PodSecurityViolation>? Enforced(KubeObject obj, Namespace ns) =>
        obj is Pod && PodOf(obj) is { } pod ? PodSecurityStandards.Check(EnforcePolicy(ns).Level, pod.Metadata, pod.Spec) : null;

    /// <summary>
    /// Runs the three modes: throws Forbidden for an enforced violation, adds warnings, logs audit violations.
    /// <paramref name="enforcedAlready"/> is <see cref="Enforced"/> for the same object and namespace, when the caller has it.
    /// </summary>
    public void Admit(ResourceInfo resource, KubeObject obj, Namespace ns, HttpContext? http, IReadOnlyList<PodSecurityViolation>? enforcedAlready = null)
    {
        if (PodOf(obj) is not { } pod)
        {
            return;
        }
        var labels = ns.Metadata.Labels;
        var name = obj.Metadata.Name ?? obj.Metadata.GenerateName ?? "";
        var enforce = EnforcePolicy(ns);
        IReadOnlyList<PodSecurityViolation>? enforced = null;
        if (obj is Pod)
        {
            enforced = enforcedAlready ?? PodSecurityStandards.Check(enforce.Level, pod.Metadata, pod.Spec);
        }
        var warn = PodSecurityLabels.PolicyFor(labels, PodSecurityLabels.Warn, PodSecurityLabels.WarnVersion, PodSecurityLevel.Privileged);
        // A pod already judged at the same policy gets no second, identical message.
        if (warn.Level != PodSecurityLevel.Privileged && !(obj is Pod && warn == enforce))
        {
            var violations = PodSecurityStandards.Check(warn.Level, pod.Metadata, pod.Spec);
            if (violations.Count > 0)
            {
                AdmissionWarnings.Add(http, $"would violate PodSecurity \"{warn}\": {PodSecurityStandards.Describe(violations)}");
            }
        }
        var audit = PodSecurityLabels.PolicyFor(labels, PodSecurityLabels.Audit, PodSecurityLabels.AuditVersion, PodSecurityLevel.Privileged);
        if (audit.Level != PodSecurityLevel.Privileged)
        {
            var violations = PodSecurityStandards.Check(audit.Level, pod.Metadata, pod.Spec);
            if (violations.Count > 0)
            {
                LogAudit(logger, resource.Plural, ns.Metadata.Name ?? "", name, audit.ToString(), PodSecurityStandards.Describe(violations));
            }
        }
        if (enforced is { Count: > 0 })
        {
            throw ApiException.Forbidden(resource, name, $"violates PodSecurity \"{enforce}\": {PodSecurityStandards.Describe(enforced)}");
        }
    }

    private PodSecurityLevel DefaultEnforce(Namespace ns) =>
        ns.Metadata.Name == WellKnownNamespaces.KubeSystem ? PodSecurityLevel.Privileged : options.PodSecurityDefaultEnforceLevel;

    [LoggerMessage(Level = LogLevel.Warning, Message = "PodSecurity audit: {Resource} {Namespace}/{Name} violates PodSecurity \"{Policy}\": {Violations}")]
    private static partial void LogAudit(ILogger logger, string resource, string @namespace, string name, string policy, string violations);
}
