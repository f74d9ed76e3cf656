using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Printing;

/// <summary><c>NAME SECRETS AGE</c>, as kubectl prints ServiceAccounts.</summary>
public sealed class ServiceAccountTable : ResourceTable<ServiceAccount>
{
    public ServiceAccountTable()
    {
        NameColumn();
        Column("SECRETS", sa => (sa.Secrets?.Count ?? 0).ToString(CultureInfo.InvariantCulture));
        AgeColumn();
    }
}
