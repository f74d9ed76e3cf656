using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Printing;

/// <summary><c>NAME STATUS AGE</c>.</summary>
public sealed class NamespaceTable : ResourceTable<Namespace>
{
    public NamespaceTable()
    {
        NameColumn();
        Column("STATUS", n => n.Status?.Phase ?? "");
        AgeColumn();
    }
}

/// <summary><c>NAME DATA AGE</c>.</summary>
public sealed class ConfigMapTable : ResourceTable<ConfigMap>
{
    public ConfigMapTable()
    {
        NameColumn();
        Column("DATA", c => ((c.Data?.Count ?? 0) + (c.BinaryData?.Count ?? 0)).ToString(CultureInfo.InvariantCulture));
        AgeColumn();
    }
}

/// <summary><c>NAME TYPE DATA AGE</c>.</summary>
public sealed class SecretTable : ResourceTable<Secret>
{
    public SecretTable()
    {
        NameColumn();
        Column("TYPE", s => s.Type ?? SecretType.Opaque);
        Column("DATA", s => (s.Data?.Count ?? 0).ToString(CultureInfo.InvariantCulture));
        AgeColumn();
    }
}

/// <summary><c>LAST SEEN TYPE REASON OBJECT MESSAGE</c> (wide adds SUBOBJECT, SOURCE, FIRST SEEN, COUNT, NAME).</summary>
public sealed class EventTable : ResourceTable<Event>
{
    public EventTable()
    {
        Column("LAST SEEN", (e, now) => LastSeen(e, now));
        Column("TYPE", e => e.Type ?? "");
        Column("REASON", e => e.Reason ?? "");
        Column("OBJECT", InvolvedObject);
        Wide("SUBOBJECT", e => e.InvolvedObject.FieldPath ?? "");
        Wide("SOURCE", Source);
        Column("MESSAGE", e => (e.Message ?? "").Trim());
        Wide("FIRST SEEN", (e, now) => HumanDuration.Since(e.FirstTimestamp ?? e.EventTime ?? e.Metadata.CreationTimestamp, now));
        Wide("COUNT", e => Text.Int(e.Count ?? 1));
        Wide(NameHeader, e => e.Metadata.Name ?? "");
    }

    public static string InvolvedObject(Event e) =>
        $"{(e.InvolvedObject.Kind ?? "").ToLowerInvariant()}/{e.InvolvedObject.Name}";

    public static string Source(Event e)
    {
        var component = !string.IsNullOrEmpty(e.Source?.Component) ? e.Source.Component : e.ReportingComponent ?? "";
        return string.IsNullOrEmpty(e.Source?.Host) ? component : $"{component}, {e.Source.Host}";
    }

    private static string LastSeen(Event e, DateTimeOffset now)
    {
        var last = HumanDuration.Since(Text.LastSeen(e), now);
        return e.Count is > 1
            ? $"{last} (x{e.Count.Value.ToString(CultureInfo.InvariantCulture)} over {HumanDuration.Since(e.FirstTimestamp ?? e.EventTime, now)})"
            : last;
    }
}
