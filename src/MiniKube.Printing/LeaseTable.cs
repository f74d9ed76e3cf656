using MiniKube.Api;

namespace MiniKube.Printing;

/// <summary><c>NAME HOLDER AGE</c>.</summary>
public sealed class LeaseTable : ResourceTable<Lease>
{
    public LeaseTable()
    {
        NameColumn();
        Column("HOLDER", l => l.Spec?.HolderIdentity ?? "");
        AgeColumn();
    }
}
