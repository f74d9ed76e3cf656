namespace MiniKube.Api;

/// <summary>rbac.authorization.k8s.io/v1 Role: rules that grant access within one namespace.</summary>
public sealed record Role : KubeObject
{
    public Role()
    {
        ApiVersion = RbacGroup.ApiVersion;
        Kind = "Role";
    }

    public IReadOnlyList<PolicyRule>? Rules { get; init; }
}

/// <summary>rbac.authorization.k8s.io/v1 ClusterRole: rules for the whole cluster, or for a namespace through a RoleBinding.</summary>
public sealed record ClusterRole : KubeObject
{
    public ClusterRole()
    {
        ApiVersion = RbacGroup.ApiVersion;
        Kind = "ClusterRole";
    }

    public IReadOnlyList<PolicyRule>? Rules { get; init; }

    /// <summary>Stored as written; MiniKube does not (yet) run the controller that fills the rules from matching ClusterRoles.</summary>
    public AggregationRule? AggregationRule { get; init; }
}

/// <summary>rbac.authorization.k8s.io/v1 RoleBinding: grants a Role or ClusterRole to subjects within the binding's namespace.</summary>
public sealed record RoleBinding : KubeObject
{
    public RoleBinding()
    {
        ApiVersion = RbacGroup.ApiVersion;
        Kind = "RoleBinding";
    }

    public IReadOnlyList<Subject>? Subjects { get; init; }

    public RoleRef RoleRef { get; init; } = new();
}

/// <summary>rbac.authorization.k8s.io/v1 ClusterRoleBinding: grants a ClusterRole to subjects across the cluster.</summary>
public sealed record ClusterRoleBinding : KubeObject
{
    public ClusterRoleBinding()
    {
        ApiVersion = RbacGroup.ApiVersion;
        Kind = "ClusterRoleBinding";
    }

    public IReadOnlyList<Subject>? Subjects { get; init; }

    public RoleRef RoleRef { get; init; } = new();
}

/// <summary>One grant: verbs on resources of API groups (optionally only the named objects), or verbs on non-resource URLs.</summary>
public sealed record PolicyRule
{
    public IReadOnlyList<string>? Verbs { get; init; }
    public IReadOnlyList<string>? ApiGroups { get; init; }
    public IReadOnlyList<string>? Resources { get; init; }
    public IReadOnlyList<string>? ResourceNames { get; init; }
    public IReadOnlyList<string>? NonResourceURLs { get; init; }
}

public sealed record AggregationRule
{
    public IReadOnlyList<LabelSelector>? ClusterRoleSelectors { get; init; }
}

/// <summary>Who a binding grants to: a User, a Group, or a ServiceAccount (namespace/name).</summary>
public sealed record Subject
{
    public string Kind { get; init; } = "";
    public string? ApiGroup { get; init; }
    public string Name { get; init; } = "";
    public string? Namespace { get; init; }
}

/// <summary>The role a binding grants (immutable once the binding exists).</summary>
public sealed record RoleRef
{
    public string ApiGroup { get; init; } = "";
    public string Kind { get; init; } = "";
    public string Name { get; init; } = "";
}

/// <summary>The rbac.authorization.k8s.io names used across the API, the authorizer and the bootstrap policy.</summary>
public static class RbacGroup
{
    public const string Name = "rbac.authorization.k8s.io";
    public const string ApiVersion = Name + "/v1";

    public const string UserKind = "User";
    public const string GroupKind = "Group";
    public const string ServiceAccountKind = "ServiceAccount";

    /// <summary>The user name a ServiceAccount authenticates as: <c>system:serviceaccount:NS:NAME</c>.</summary>
    public static string ServiceAccountUser(string ns, string name) => "system:serviceaccount:" + ns + ":" + name;
}

/// <summary>
/// authorization.k8s.io/v1 SelfSubjectAccessReview: "may I do this?" for the caller itself. Created, never stored; the
/// answer comes back in <see cref="Status"/>.
/// </summary>
public sealed record SelfSubjectAccessReview : KubeObject
{
    public SelfSubjectAccessReview()
    {
        ApiVersion = "authorization.k8s.io/v1";
        Kind = "SelfSubjectAccessReview";
    }

    public SelfSubjectAccessReviewSpec Spec { get; init; } = new();

    public SubjectAccessReviewStatus? Status { get; init; }
}

public sealed record SelfSubjectAccessReviewSpec
{
    public ResourceAttributes? ResourceAttributes { get; init; }
    public NonResourceAttributes? NonResourceAttributes { get; init; }
}

public sealed record ResourceAttributes
{
    public string? Namespace { get; init; }
    public string? Verb { get; init; }
    public string? Group { get; init; }
    public string? Version { get; init; }
    public string? Resource { get; init; }
    public string? Subresource { get; init; }
    public string? Name { get; init; }
}

public sealed record NonResourceAttributes
{
    public string? Path { get; init; }
    public string? Verb { get; init; }
}

public sealed record SubjectAccessReviewStatus
{
    public bool Allowed { get; init; }
    public bool? Denied { get; init; }
    public string? Reason { get; init; }
    public string? EvaluationError { get; init; }
}
