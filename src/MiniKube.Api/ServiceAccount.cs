namespace MiniKube.Api;

/// <summary>core/v1 ServiceAccount: an identity for the processes of a pod (<c>system:serviceaccount:NS:NAME</c>).</summary>
public sealed record ServiceAccount : KubeObject
{
    /// <summary>The account every namespace has and every pod without <c>spec.serviceAccountName</c> runs as.</summary>
    public const string DefaultName = "default";

    public ServiceAccount()
    {
        ApiVersion = "v1";
        Kind = "ServiceAccount";
    }

    /// <summary>Secrets this account may use (legacy token secrets; stored and shown, not acted on).</summary>
    public IReadOnlyList<ObjectReference>? Secrets { get; init; }

    public IReadOnlyList<LocalObjectReference>? ImagePullSecrets { get; init; }

    /// <summary>false: pods of this account get no token mounted unless the pod itself asks for one.</summary>
    public bool? AutomountServiceAccountToken { get; init; }
}
