using MiniKube.Api;

namespace MiniKube.Api.Tests;

/// <summary>RBAC manifests written for Kubernetes decode and validate; bad ones get Kubernetes' path-qualified errors.</summary>
public sealed class RbacValidationTests
{
    private const string Manifests = """
        apiVersion: rbac.authorization.k8s.io/v1
        kind: ClusterRole
        metadata: {name: "system:pod-reader"}
        rules:
        - apiGroups: [""]
          resources: [pods, pods/log]
          verbs: [get, list, watch]
        - nonResourceURLs: ["/healthz", "/apis/*"]
          verbs: [get]
        aggregationRule:
          clusterRoleSelectors:
          - matchLabels: {rbac.example.com/aggregate-to-reader: "true"}
        ---
        apiVersion: rbac.authorization.k8s.io/v1
        kind: RoleBinding
        metadata: {name: read-pods, namespace: team-a}
        subjects:
        - {kind: User, name: jane, apiGroup: rbac.authorization.k8s.io}
        - {kind: Group, name: devs, apiGroup: rbac.authorization.k8s.io}
        - {kind: ServiceAccount, name: builder}
        roleRef: {kind: ClusterRole, name: "system:pod-reader", apiGroup: rbac.authorization.k8s.io}
        """;

    private static IReadOnlyList<KubeObject> Decoded => KubeSerializer.DecodeManifests(Manifests);

    private static string[] Errors(KubeObject obj) => [.. Validator.Validate(obj).Select(e => e.ToString())];

    [Fact]
    public void Kubernetes_manifests_decode_and_are_valid_with_colons_in_names()
    {
        var role = Assert.IsType<ClusterRole>(Decoded[0]);
        var binding = Assert.IsType<RoleBinding>(Decoded[1]);

        Assert.Equal(["pods", "pods/log"], role.Rules![0].Resources);
        Assert.Equal(["/healthz", "/apis/*"], role.Rules[1].NonResourceURLs);
        Assert.NotNull(role.AggregationRule);
        Assert.Equal("ServiceAccount", binding.Subjects![2].Kind);
        Assert.Empty(Errors(role));
        Assert.Empty(Errors(binding));
    }

    [Fact]
    public void Rules_need_verbs_groups_and_resources_or_urls_alone()
    {
        var role = new Role
        {
            Metadata = new ObjectMeta { Name = "r", Namespace = "default" },
            Rules =
            [
                new PolicyRule { ApiGroups = [""], Resources = ["pods"] },
                new PolicyRule { Verbs = ["get"] },
                new PolicyRule { Verbs = ["get"], NonResourceURLs = ["/healthz"] },
            ],
        };
        var clusterRole = new ClusterRole
        {
            Metadata = new ObjectMeta { Name = "c" },
            Rules = [new PolicyRule { Verbs = ["get"], NonResourceURLs = ["/healthz"], Resources = ["pods"] }],
        };

        Assert.Equal(
        [
            "rules[0].verbs: Required value: verbs must contain at least one value",
            "rules[1].apiGroups: Required value: resource rules must supply at least one api group",
            "rules[1].resources: Required value: resource rules must supply at least one resource",
            "rules[2].nonResourceURLs: Invalid value: \"/healthz\": namespaced rules cannot apply to non-resource URLs",
        ], Errors(role));
        Assert.Equal(["rules[0].nonResourceURLs: Invalid value: \"/healthz\": rules cannot apply to both regular resources and non-resource URLs"], Errors(clusterRole));
    }

    [Fact]
    public void Bindings_check_role_ref_and_subjects()
    {
        var binding = new ClusterRoleBinding
        {
            Metadata = new ObjectMeta { Name = "b" },
            RoleRef = new RoleRef { ApiGroup = RbacGroup.Name, Kind = "Role", Name = "" },
            Subjects =
            [
                new Subject { Kind = "Robot", Name = "r2" },
                new Subject { Kind = "ServiceAccount", Name = "builder" },
                new Subject { Kind = "User", Name = "jane" },
            ],
        };

        Assert.Equal(
        [
            "roleRef.kind: Unsupported value: \"Role\": supported values: \"ClusterRole\"",
            "roleRef.name: Required value",
            "subjects[0].kind: Unsupported value: \"Robot\": supported values: \"ServiceAccount\", \"User\", \"Group\"",
            "subjects[1].namespace: Required value",
            "subjects[2].apiGroup: Unsupported value: \"\": supported values: \"rbac.authorization.k8s.io\"",
        ], Errors(binding));
    }

    [Fact]
    public void Role_ref_is_immutable()
    {
        var binding = Assert.IsType<RoleBinding>(Decoded[1]);
        var changed = binding with { RoleRef = binding.RoleRef with { Name = "view" } };

        Assert.Contains(Validator.ValidateUpdate(changed, binding), e => e.Path == "roleRef" && e.ToString().EndsWith("cannot change roleRef", StringComparison.Ordinal));
        Assert.Empty(Validator.ValidateUpdate(binding with { Subjects = [] }, binding));
    }

    [Fact]
    public void Names_are_path_segments()
    {
        Assert.Equal(["metadata.name: Invalid value: \"a/b\": may not contain '/'"],
            Errors(new ClusterRole { Metadata = new ObjectMeta { Name = "a/b" } }));
    }
}
