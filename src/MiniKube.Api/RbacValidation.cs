namespace MiniKube.Api;

/// <summary>Role, ClusterRole, RoleBinding and ClusterRoleBinding validation, with Kubernetes' rules and words.</summary>
public static partial class Validator
{
    private static readonly string[] RoleBindingRoleKinds = ["ClusterRole", "Role"];
    private static readonly string[] ClusterRoleBindingRoleKinds = ["ClusterRole"];
    private static readonly string[] SubjectKinds = [RbacGroup.ServiceAccountKind, RbacGroup.UserKind, RbacGroup.GroupKind];

    /// <summary>
    /// RBAC objects are named like path segments, not DNS names (<c>system:kube-scheduler</c>): anything but "." and ".."
    /// without "/" or "%".
    /// </summary>
    internal static IReadOnlyList<string> IsPathSegmentName(string name)
    {
        if (name is "." or "..")
        {
            return [$"may not be '{name}'"];
        }
        var problems = new List<string>();
        foreach (var illegal in new[] { "/", "%" })
        {
            if (name.Contains(illegal, StringComparison.Ordinal))
            {
                problems.Add($"may not contain '{illegal}'");
            }
        }
        return problems;
    }

    private static bool IsRbacKind(KubeObject obj) => obj is Role or ClusterRole or RoleBinding or ClusterRoleBinding;

    private static void ValidateRules(IReadOnlyList<PolicyRule>? rules, bool namespaced, List<FieldError> errs)
    {
        var list = rules ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            ValidatePolicyRule(list[i], namespaced, $"rules[{i}]", errs);
        }
    }

    private static void ValidatePolicyRule(PolicyRule rule, bool namespaced, string path, List<FieldError> errs)
    {
        if (rule.Verbs is not { Count: > 0 })
        {
            errs.Add(FieldError.Required(path + ".verbs", "verbs must contain at least one value"));
        }
        var nonResource = rule.NonResourceURLs ?? [];
        if (nonResource.Count > 0)
        {
            if (namespaced)
            {
                errs.Add(FieldError.Invalid(path + ".nonResourceURLs", string.Join(", ", nonResource), "namespaced rules cannot apply to non-resource URLs"));
            }
            if (rule.ApiGroups is { Count: > 0 } || rule.Resources is { Count: > 0 } || rule.ResourceNames is { Count: > 0 })
            {
                errs.Add(FieldError.Invalid(path + ".nonResourceURLs", string.Join(", ", nonResource),
                    "rules cannot apply to both regular resources and non-resource URLs"));
            }
            return;
        }
        if (rule.ApiGroups is not { Count: > 0 })
        {
            errs.Add(FieldError.Required(path + ".apiGroups", "resource rules must supply at least one api group"));
        }
        if (rule.Resources is not { Count: > 0 })
        {
            errs.Add(FieldError.Required(path + ".resources", "resource rules must supply at least one resource"));
        }
    }

    private static void ValidateRoleRef(RoleRef roleRef, IReadOnlyList<string> kinds, List<FieldError> errs)
    {
        if (roleRef.ApiGroup != RbacGroup.Name)
        {
            errs.Add(FieldError.NotSupported("roleRef.apiGroup", roleRef.ApiGroup, [RbacGroup.Name]));
        }
        if (!kinds.Contains(roleRef.Kind))
        {
            errs.Add(FieldError.NotSupported("roleRef.kind", roleRef.Kind, kinds));
        }
        if (string.IsNullOrEmpty(roleRef.Name))
        {
            errs.Add(FieldError.Required("roleRef.name"));
        }
        else
        {
            foreach (var msg in IsPathSegmentName(roleRef.Name))
            {
                errs.Add(FieldError.Invalid("roleRef.name", roleRef.Name, msg));
            }
        }
    }

    private static void ValidateSubjects(IReadOnlyList<Subject>? subjects, bool namespaced, List<FieldError> errs)
    {
        var list = subjects ?? [];
        for (var i = 0; i < list.Count; i++)
        {
            var path = $"subjects[{i}]";
            var s = list[i];
            if (string.IsNullOrEmpty(s.Name))
            {
                errs.Add(FieldError.Required(path + ".name"));
            }
            switch (s.Kind)
            {
                case RbacGroup.ServiceAccountKind:
                    if (!string.IsNullOrEmpty(s.ApiGroup))
                    {
                        errs.Add(FieldError.NotSupported(path + ".apiGroup", s.ApiGroup, [""]));
                    }
                    if (!string.IsNullOrEmpty(s.Name))
                    {
                        foreach (var msg in NameRules.IsDns1123Subdomain(s.Name))
                        {
                            errs.Add(FieldError.Invalid(path + ".name", s.Name, msg));
                        }
                    }
                    // A RoleBinding's ServiceAccount may leave the namespace to the binding's own.
                    if (!namespaced && string.IsNullOrEmpty(s.Namespace))
                    {
                        errs.Add(FieldError.Required(path + ".namespace"));
                    }
                    break;
                case RbacGroup.UserKind or RbacGroup.GroupKind:
                    if (s.ApiGroup != RbacGroup.Name)
                    {
                        errs.Add(FieldError.NotSupported(path + ".apiGroup", s.ApiGroup ?? "", [RbacGroup.Name]));
                    }
                    break;
                default:
                    errs.Add(FieldError.NotSupported(path + ".kind", s.Kind, SubjectKinds));
                    break;
            }
        }
    }

    private static void ValidateRole(Role role, List<FieldError> errs) => ValidateRules(role.Rules, namespaced: true, errs);

    private static void ValidateClusterRole(ClusterRole role, List<FieldError> errs)
    {
        ValidateRules(role.Rules, namespaced: false, errs);
        var selectors = role.AggregationRule?.ClusterRoleSelectors;
        if (role.AggregationRule is not null && selectors is not { Count: > 0 })
        {
            errs.Add(FieldError.Required("aggregationRule.clusterRoleSelectors"));
        }
    }

    private static void ValidateRoleBinding(RoleBinding binding, List<FieldError> errs)
    {
        ValidateRoleRef(binding.RoleRef ?? new RoleRef(), RoleBindingRoleKinds, errs);
        ValidateSubjects(binding.Subjects, namespaced: true, errs);
    }

    private static void ValidateClusterRoleBinding(ClusterRoleBinding binding, List<FieldError> errs)
    {
        ValidateRoleRef(binding.RoleRef ?? new RoleRef(), ClusterRoleBindingRoleKinds, errs);
        ValidateSubjects(binding.Subjects, namespaced: false, errs);
    }

    private static void ValidateRoleRefUpdate(RoleRef updated, RoleRef old, List<FieldError> errs)
    {
        if (updated != old)
        {
            errs.Add(FieldError.Invalid("roleRef", $"{{APIGroup:{updated.ApiGroup}, Kind:{updated.Kind}, Name:{updated.Name}}}", "cannot change roleRef"));
        }
    }
}
