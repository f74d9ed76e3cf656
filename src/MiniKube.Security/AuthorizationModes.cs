namespace MiniKube.Security;

/// <summary>The values of <c>--authorization-mode</c>, a comma-separated list tried in order, as kube-apiserver takes it.</summary>
public static class AuthorizationModes
{
    public const string AlwaysAllow = "AlwaysAllow";
    public const string AlwaysDeny = "AlwaysDeny";
    public const string Rbac = RbacAuthorizer.ModeName;
    public const string Node = NodeAuthorizer.ModeName;

    public static IReadOnlyList<string> Supported { get; } = [AlwaysAllow, AlwaysDeny, Node, Rbac];

    /// <summary>The modes of a flag value, or the problems with it (each one line naming the flag).</summary>
    public static IReadOnlyList<string> Parse(string value, out IReadOnlyList<string> modes)
    {
        var problems = new List<string>();
        var list = value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        modes = list;
        if (list.Length == 0)
        {
            problems.Add("--authorization-mode: at least one mode is required (e.g. --authorization-mode RBAC)");
        }
        foreach (var mode in list)
        {
            if (!Supported.Contains(mode))
            {
                problems.Add($"--authorization-mode: authorization mode \"{mode}\" is not a valid mode (supported: {string.Join(", ", Supported)})");
            }
        }
        foreach (var duplicate in list.GroupBy(m => m).Where(g => g.Count() > 1))
        {
            problems.Add($"--authorization-mode: \"{duplicate.Key}\" is specified more than once");
        }
        return problems;
    }
}
