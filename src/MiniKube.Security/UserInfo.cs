namespace MiniKube.Security;

/// <summary>An authenticated identity as Kubernetes' user.Info has it: a name, an optional uid, and its groups.</summary>
public sealed record UserInfo(string Name, IReadOnlyList<string> Groups, string Uid = "")
{
    public const string AllAuthenticated = "system:authenticated";
    public const string AllUnauthenticated = "system:unauthenticated";

    /// <summary>The identity of a request that carried no credentials (only the health endpoints accept it).</summary>
    public static UserInfo Anonymous { get; } = new("system:anonymous", [AllUnauthenticated]);

    public bool IsAnonymous => Name == Anonymous.Name;

    public bool InGroup(string group) => Groups.Contains(group, StringComparer.Ordinal);
}
