using MiniKube.Api;

namespace MiniKube.Printing;

/// <summary><c>NAME STATUS ROLES AGE VERSION</c> (+ wide addresses, OS image, kernel, runtime).</summary>
public sealed class NodeTable : ResourceTable<Node>
{
    private const string RoleLabelPrefix = "node-role.kubernetes.io/";
    private const string LegacyRoleLabel = "kubernetes.io/role";
    private const string UnknownValue = "<unknown>";

    public NodeTable()
    {
        NameColumn();
        Column("STATUS", Status);
        Column("ROLES", Roles);
        AgeColumn();
        Column("VERSION", n => n.Status?.NodeInfo?.KubeletVersion ?? "");
        Wide("INTERNAL-IP", n => Address(n, NodeAddressType.InternalIP));
        Wide("EXTERNAL-IP", n => Address(n, NodeAddressType.ExternalIP));
        Wide("OS-IMAGE", n => OrUnknown(n.Status?.NodeInfo?.OsImage));
        Wide("KERNEL-VERSION", n => OrUnknown(n.Status?.NodeInfo?.KernelVersion));
        Wide("CONTAINER-RUNTIME", n => OrUnknown(n.Status?.NodeInfo?.ContainerRuntimeVersion));
    }

    /// <summary>Ready / NotReady / Unknown, plus <c>,SchedulingDisabled</c> for a cordoned node.</summary>
    public static string Status(Node node)
    {
        var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == NodeConditionType.Ready);
        var status = ready is null ? "Unknown" : ready.Status == ConditionStatus.True ? "Ready" : "NotReady";
        return node.Spec?.Unschedulable == true ? status + ",SchedulingDisabled" : status;
    }

    public static string Roles(Node node)
    {
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in node.Metadata.Labels ?? new Dictionary<string, string>())
        {
            if (key.StartsWith(RoleLabelPrefix, StringComparison.Ordinal) && key.Length > RoleLabelPrefix.Length)
            {
                roles.Add(key[RoleLabelPrefix.Length..]);
            }
            else if (key == LegacyRoleLabel && value.Length > 0)
            {
                roles.Add(value);
            }
        }
        return roles.Count == 0 ? Text.None : string.Join(",", roles);
    }

    private static string Address(Node node, string type)
    {
        var address = node.Status?.Addresses?.FirstOrDefault(a => a.Type == type)?.Address;
        return string.IsNullOrEmpty(address) ? Text.None : address;
    }

    private static string OrUnknown(string? value) => string.IsNullOrEmpty(value) ? UnknownValue : value;
}
