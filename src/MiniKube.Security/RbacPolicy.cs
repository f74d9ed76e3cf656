using MiniKube.Api;

namespace MiniKube.Security;

/// <summary>
/// An immutable snapshot of every Role, ClusterRole and binding, indexed by subject so that a decision looks only at the
/// bindings of the caller's user name and groups (a few dictionary probes, no allocation), never at every binding.
/// Rebuilt whole on each change: RBAC objects change rarely and requests are many.
/// </summary>
public sealed class RbacPolicy
{
    private readonly Dictionary<string, IReadOnlyList<PolicyRule>> _clusterRoles;
    private readonly Dictionary<(string Namespace, string Name), IReadOnlyList<PolicyRule>> _roles;
    private readonly Grants<string> _cluster = new();
    private readonly Dictionary<string, Grants<RoleRef>> _namespaces = new(StringComparer.Ordinal);

    public RbacPolicy(IEnumerable<Role> roles, IEnumerable<ClusterRole> clusterRoles, IEnumerable<RoleBinding> roleBindings,
        IEnumerable<ClusterRoleBinding> clusterRoleBindings)
    {
        _roles = roles.ToDictionary(r => (r.Metadata.Namespace ?? "", r.Metadata.Name ?? ""), r => r.Rules ?? []);
        _clusterRoles = clusterRoles.ToDictionary(r => r.Metadata.Name ?? "", r => r.Rules ?? [], StringComparer.Ordinal);
        foreach (var binding in clusterRoleBindings)
        {
            if (binding.RoleRef?.Kind == "ClusterRole")
            {
                _cluster.Add(binding.Subjects, "", binding.RoleRef.Name);
            }
        }
        foreach (var binding in roleBindings)
        {
            var ns = binding.Metadata.Namespace ?? "";
            if (!_namespaces.TryGetValue(ns, out var grants))
            {
                _namespaces[ns] = grants = new Grants<RoleRef>();
            }
            if (binding.RoleRef is { } roleRef)
            {
                grants.Add(binding.Subjects, ns, roleRef);
            }
        }
    }

    public static RbacPolicy Empty { get; } = new([], [], [], []);

    /// <summary>
    /// Whether a binding of the request's user or one of its groups grants a rule that covers the request. When none
    /// does, <paramref name="reason"/> names the roles bound to the caller that do not exist (Kubernetes' "RBAC: … not
    /// found"), else is empty.
    /// </summary>
    public bool Allows(RequestAttributes request, out string reason)
    {
        reason = "";
        List<string>? missing = null;
        var user = request.User;
        if (Check(_cluster.Users, user.Name, request, "", ref missing))
        {
            return true;
        }
        foreach (var group in user.Groups)
        {
            if (Check(_cluster.Groups, group, request, "", ref missing))
            {
                return true;
            }
        }
        // A RoleBinding grants only within its namespace: cluster-scoped and non-resource requests never reach one.
        if (request.Namespace.Length > 0 && _namespaces.TryGetValue(request.Namespace, out var local))
        {
            if (Check(local.Users, user.Name, request, request.Namespace, ref missing))
            {
                return true;
            }
            foreach (var group in user.Groups)
            {
                if (Check(local.Groups, group, request, request.Namespace, ref missing))
                {
                    return true;
                }
            }
        }
        if (missing is not null)
        {
            reason = "RBAC: " + string.Join(", ", missing.Distinct());
        }
        return false;
    }

    private bool Check<T>(Dictionary<string, List<T>> grants, string subject, RequestAttributes request, string ns, ref List<string>? missing)
    {
        if (!grants.TryGetValue(subject, out var refs))
        {
            return false;
        }
        foreach (var grant in refs)
        {
            var (rules, kind, name) = Resolve(grant, ns);
            if (rules is null)
            {
                if (kind.Length > 0)
                {
                    (missing ??= []).Add($"{kind}.{RbacGroup.Name} \"{name}\" not found");
                }
                continue;
            }
            foreach (var rule in rules)
            {
                if (RbacRules.Allows(rule, request))
                {
                    return true;
                }
            }
        }
        return false;
    }

    // The "not found" message is built only for a missing role: formatting it on every lookup was most of a decision's cost.
    private (IReadOnlyList<PolicyRule>? Rules, string Kind, string Name) Resolve<T>(T grant, string ns) => grant switch
    {
        string clusterRole => (_clusterRoles.GetValueOrDefault(clusterRole), "clusterrole", clusterRole),
        RoleRef { Kind: "Role" } role => (_roles.GetValueOrDefault((ns, role.Name)), "role", role.Name),
        RoleRef other => (_clusterRoles.GetValueOrDefault(other.Name), "clusterrole", other.Name),
        _ => (null, "", ""),
    };

    /// <summary>Who is granted what by one kind of binding, by user name and by group.</summary>
    private sealed class Grants<T>
    {
        public Dictionary<string, List<T>> Users { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, List<T>> Groups { get; } = new(StringComparer.Ordinal);

        public void Add(IReadOnlyList<Subject>? subjects, string bindingNamespace, T grant)
        {
            foreach (var s in subjects ?? [])
            {
                var (index, key) = s.Kind switch
                {
                    RbacGroup.UserKind => (Users, s.Name),
                    RbacGroup.GroupKind => (Groups, s.Name),
                    // A ServiceAccount authenticates as a user name; a RoleBinding's may leave its namespace to the binding.
                    RbacGroup.ServiceAccountKind => (Users, RbacGroup.ServiceAccountUser(string.IsNullOrEmpty(s.Namespace) ? bindingNamespace : s.Namespace, s.Name)),
                    _ => (null, ""),
                };
                if (index is null)
                {
                    continue;
                }
                if (!index.TryGetValue(key, out var list))
                {
                    index[key] = list = [];
                }
                list.Add(grant);
            }
        }
    }
}
