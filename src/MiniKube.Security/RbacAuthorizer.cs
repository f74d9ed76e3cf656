using MiniKube.Api;

namespace MiniKube.Security;

/// <summary>
/// Kubernetes' RBAC authorizer: allows what a binding of the caller grants and has no opinion otherwise (RBAC never denies,
/// so a later authorizer in the chain may still allow). Decides against the latest <see cref="RbacPolicy"/> snapshot,
/// which the holder of the RBAC objects (the API server's watch of them) replaces through <see cref="Upsert"/> and
/// <see cref="Remove"/>.
/// </summary>
public sealed class RbacAuthorizer : IAuthorizer
{
    public const string ModeName = "RBAC";

    private readonly Lock _gate = new();
    private readonly Dictionary<(Type Kind, string Namespace, string Name), KubeObject> _objects = [];
    private RbacPolicy _policy = RbacPolicy.Empty;

    public RbacPolicy Policy => Volatile.Read(ref _policy);

    public ValueTask<(AuthorizationDecision Decision, string Reason)> AuthorizeAsync(RequestAttributes request, CancellationToken cancellationToken) =>
        ValueTask.FromResult(Policy.Allows(request, out var reason) ? (AuthorizationDecision.Allow, "") : (AuthorizationDecision.NoOpinion, reason));

    /// <summary>Adds or replaces a Role, ClusterRole, RoleBinding or ClusterRoleBinding; other kinds are ignored.</summary>
    public void Upsert(KubeObject obj)
    {
        if (!IsRbac(obj))
        {
            return;
        }
        lock (_gate)
        {
            _objects[Key(obj)] = obj;
            Publish();
        }
    }

    public void Remove(KubeObject obj)
    {
        lock (_gate)
        {
            if (_objects.Remove(Key(obj)))
            {
                Publish();
            }
        }
    }

    /// <summary>Whether the policy holds this object (by kind, namespace and name), e.g. the bootstrap roles once their watch delivered them.</summary>
    public bool Contains(KubeObject obj)
    {
        lock (_gate)
        {
            return _objects.ContainsKey(Key(obj));
        }
    }

    /// <summary>Forgets every object of one kind (before its watch is started again from a fresh list).</summary>
    public void Clear(Type kind)
    {
        lock (_gate)
        {
            foreach (var key in _objects.Keys.Where(k => k.Kind == kind).ToList())
            {
                _objects.Remove(key);
            }
            Publish();
        }
    }

    private static bool IsRbac(KubeObject obj) => obj is Role or ClusterRole or RoleBinding or ClusterRoleBinding;

    private static (Type, string, string) Key(KubeObject obj) => (obj.GetType(), obj.Metadata.Namespace ?? "", obj.Metadata.Name ?? "");

    private void Publish()
    {
        var all = _objects.Values;
        Volatile.Write(ref _policy, new RbacPolicy(all.OfType<Role>(), all.OfType<ClusterRole>(), all.OfType<RoleBinding>(), all.OfType<ClusterRoleBinding>()));
    }
}
