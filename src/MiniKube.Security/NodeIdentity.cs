namespace MiniKube.Security;

/// <summary>
/// Who is a kubelet, as Kubernetes' node identifier decides: a user named <c>system:node:&lt;node&gt;</c> in the group
/// <c>system:nodes</c>. Anyone else (even a user with that name outside the group) is not a node.
/// </summary>
public static class NodeIdentity
{
    public const string UserPrefix = "system:node:";
    public const string NodesGroup = "system:nodes";

    /// <summary>The node's name, or null when <paramref name="user"/> is not a node (an empty name is "a node, unknown which").</summary>
    public static string? NodeName(UserInfo user) =>
        user.Name.StartsWith(UserPrefix, StringComparison.Ordinal) && user.InGroup(NodesGroup) ? user.Name[UserPrefix.Length..] : null;

    public static string UserName(string node) => UserPrefix + node;
}
