using System.Text.Json;
using System.Text.Json.Nodes;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>One manager's entry with its fields as a set.</summary>
internal sealed record OwnedFields(ManagedFieldsEntry Entry, FieldSet Fields)
{
    public string Manager => Entry.Manager ?? "";

    public bool IsApply => Entry.Operation == ManagedFields.Apply;
}

/// <summary>
/// <c>metadata.managedFields</c>: reading and writing the entries, the fields that are never tracked (type, identity and
/// server-owned metadata, status), and recording a non-apply write as an <c>Update</c> by its manager, who then owns what it
/// changed (taking it from the others, as Kubernetes' updates always force).
/// </summary>
internal static class ManagedFields
{
    public const string Apply = "Apply";
    public const string Update = "Update";
    public const string FieldsType = "FieldsV1";

    /// <summary>The manager that owns what an object held before its first apply, when it had no managedFields.</summary>
    public const string BeforeFirstApply = "before-first-apply";

    private static readonly string[] UntrackedMetadata =
        ["name", "namespace", "uid", "resourceVersion", "generation", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "managedFields", "selfLink"];

    public static List<OwnedFields> Read(IReadOnlyList<ManagedFieldsEntry>? entries) =>
        (entries ?? []).Select(e => new OwnedFields(e, e.FieldsV1 is { } f ? FieldSet.FromJson(f.ToNode()) : new FieldSet())).ToList();

    public static IReadOnlyList<ManagedFieldsEntry>? Write(IEnumerable<OwnedFields> owned)
    {
        var entries = owned.Where(o => !o.Fields.IsEmpty).Select(o => o.Entry with { FieldsType = FieldsType, FieldsV1 = new FieldsV1(o.Fields.ToJsonText()) }).ToList();
        return entries.Count == 0 ? null : entries;
    }

    /// <summary>The managedFields entries as JSON, for an object being built as JSON.</summary>
    public static JsonNode? ToJson(IReadOnlyList<ManagedFieldsEntry>? entries) =>
        entries is null ? null : JsonSerializer.SerializeToNode(entries, KubeSerializer.Options);

    public static IReadOnlyList<ManagedFieldsEntry>? FromJson(JsonNode? node) =>
        node is null ? null : node.Deserialize<List<ManagedFieldsEntry>>(KubeSerializer.Options);

    /// <summary>Removes the fields no manager owns: apiVersion, kind, identity and server-owned metadata, and status.</summary>
    public static FieldSet Strip(FieldSet set)
    {
        set.Remove("f:apiVersion");
        set.Remove("f:kind");
        set.Remove("f:status");
        if (set.Get("f:metadata") is { } metadata)
        {
            foreach (var field in UntrackedMetadata)
            {
                metadata.Remove("f:" + field);
            }
            metadata.Self = false;
            if (metadata.IsEmpty)
            {
                set.Remove("f:metadata");
            }
        }
        set.Self = false;
        return set;
    }

    /// <summary>
    /// The managedFields a write stores. Entries the request changed are the client's to set (an empty list clears them); else
    /// the old ones are kept and, when the write names a <paramref name="manager"/>, what it changed becomes that manager's
    /// <c>Update</c> entry. Writes without a manager (gRPC, internal) keep the entries as they are.
    /// </summary>
    public static IReadOnlyList<ManagedFieldsEntry>? ForWrite(
        JsonObject? old, IReadOnlyList<ManagedFieldsEntry>? oldEntries, KubeObject next, string? manager, string apiVersion, DateTimeOffset now)
    {
        var requested = next.Metadata.ManagedFields;
        if (requested is not null && !(oldEntries ?? []).SequenceEqual(requested))
        {
            return requested.Count == 0 ? null : requested;
        }
        if (manager is null)
        {
            return oldEntries;
        }
        var (changed, removed) = old is null
            ? (CreatedFields.Of(next), new FieldSet())
            : FieldWalk.Compare(old, JsonSerializer.SerializeToNode(next, next.GetType(), KubeSerializer.Options) as JsonObject ?? []);
        Strip(changed);
        Strip(removed);
        if (changed.IsEmpty && removed.IsEmpty)
        {
            return oldEntries;
        }
        return Write(RecordUpdate(Read(oldEntries), changed, removed, manager, apiVersion, now));
    }

    /// <summary>The entries after <paramref name="manager"/> changed and removed fields by an update.</summary>
    public static List<OwnedFields> RecordUpdate(List<OwnedFields> owned, FieldSet changed, FieldSet removed, string manager, string apiVersion, DateTimeOffset now)
    {
        var result = new List<OwnedFields>(owned.Count + 1);
        OwnedFields? mine = null;
        foreach (var o in owned)
        {
            if (o.Manager == manager && o.Entry.Operation == Update && string.IsNullOrEmpty(o.Entry.Subresource))
            {
                mine = o with
                {
                    Entry = o.Entry with { ApiVersion = apiVersion, Time = now },
                    Fields = Without(o.Fields.Union(changed), removed),
                };
                result.Add(mine);
                continue;
            }
            result.Add(o with { Fields = Without(Without(o.Fields, changed), removed) });
        }
        if (mine is null)
        {
            result.Add(new OwnedFields(
                new ManagedFieldsEntry { Manager = manager, Operation = Update, ApiVersion = apiVersion, Time = now, FieldsType = FieldsType },
                Without(changed, removed)));
        }
        return result;
    }

    // Most updates remove nothing: no copy then.
    private static FieldSet Without(FieldSet set, FieldSet paths) => paths.IsEmpty ? set : set.Difference(paths);
}
