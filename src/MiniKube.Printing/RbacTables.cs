using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Printing;

/// <summary><c>NAME CREATED AT</c>, as kubectl prints Roles.</summary>
public sealed class RoleTable : ResourceTable<Role>
{
    public RoleTable()
    {
        NameColumn();
        Column("CREATED AT", r => RbacColumns.CreatedAt(r));
    }
}

/// <summary><c>NAME CREATED AT</c>, as kubectl prints ClusterRoles.</summary>
public sealed class ClusterRoleTable : ResourceTable<ClusterRole>
{
    public ClusterRoleTable()
    {
        NameColumn();
        Column("CREATED AT", r => RbacColumns.CreatedAt(r));
    }
}

/// <summary><c>NAME ROLE AGE</c> (ROLE as <c>ClusterRole/view</c>).</summary>
public sealed class RoleBindingTable : ResourceTable<RoleBinding>
{
    public RoleBindingTable()
    {
        NameColumn();
        Column("ROLE", b => RbacColumns.Role(b.RoleRef));
        AgeColumn();
    }
}

/// <summary><c>NAME ROLE AGE</c>.</summary>
public sealed class ClusterRoleBindingTable : ResourceTable<ClusterRoleBinding>
{
    public ClusterRoleBindingTable()
    {
        NameColumn();
        Column("ROLE", b => RbacColumns.Role(b.RoleRef));
        AgeColumn();
    }
}

internal static class RbacColumns
{
    public static string CreatedAt(KubeObject obj) =>
        obj.Metadata.CreationTimestamp?.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture) ?? "";

    public static string Role(RoleRef? roleRef) => roleRef is null ? "" : roleRef.Kind + "/" + roleRef.Name;
}
