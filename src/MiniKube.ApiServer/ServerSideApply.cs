using System.Text.Json.Nodes;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// Server-side apply of one configuration by one manager (Kubernetes' structured-merge-diff, for MiniKube's schema facts in
/// <see cref="FieldSchema"/>): the configuration is merged into the live object; a value it changes that another manager
/// owns is a conflict (409, one <c>FieldManagerConflict</c> cause per field) unless forced, which takes the field over;
/// fields the manager applied before and dropped now are removed unless another manager owns them; the manager's
/// <c>Apply</c> entry then holds exactly the applied fields. An object that had no managedFields first gets a
/// <c>before-first-apply</c> entry owning everything it held. Managers are told apart by name and operation, so an applier
/// conflicts with its own name's Update entry too, as in Kubernetes.
/// </summary>
internal static class ServerSideApply
{
    /// <summary>The object to store (JSON, with managedFields), given the live object (null to create) and the configuration.</summary>
    public static JsonObject Apply(JsonObject? live, JsonObject config, string manager, bool force, string apiVersion, DateTimeOffset now)
    {
        if (config["metadata"] is JsonObject configMeta && configMeta["managedFields"] is not null)
        {
            throw ApiException.BadRequest("metadata.managedFields must be nil in an apply configuration");
        }
        var owned = ManagedFields.Read(ManagedFields.FromJson(live?["metadata"]?["managedFields"]));
        if (live is not null && owned.Count == 0)
        {
            owned.Add(new OwnedFields(
                new ManagedFieldsEntry { Manager = ManagedFields.BeforeFirstApply, Operation = ManagedFields.Update, ApiVersion = apiVersion, Time = now },
                ManagedFields.Strip(FieldWalk.FieldsOf(live))));
        }
        var applied = ManagedFields.Strip(FieldWalk.FieldsOf(config));
        var merged = FieldWalk.Merge(live, config);
        var (changed, _) = FieldWalk.Compare(live, merged);
        var contested = changed.Intersection(applied);

        var conflicts = new List<(OwnedFields Owner, FieldSet Fields)>();
        foreach (var o in owned.Where(o => !(o.Manager == manager && o.IsApply)))
        {
            var taken = o.Fields.Intersection(contested);
            if (!taken.IsEmpty)
            {
                conflicts.Add((o, taken));
            }
        }
        if (conflicts.Count > 0 && !force)
        {
            throw Conflict(conflicts);
        }

        var previous = owned.FindIndex(o => o.Manager == manager && o.IsApply);
        // Forced: the conflicting fields move from their owners to this manager.
        var kept = owned.Select(o => conflicts.FindIndex(c => c.Owner == o) is var i and >= 0 ? o with { Fields = o.Fields.Difference(conflicts[i].Fields) } : o).ToList();
        if (previous >= 0)
        {
            var othersOwn = kept.Where((_, i) => i != previous).Aggregate(new FieldSet(), (all, o) => all.Union(o.Fields));
            var dropped = new FieldSet();
            foreach (var path in owned[previous].Fields.Difference(applied).Paths())
            {
                if (!othersOwn.HasAnyAtOrBelow(path) && !applied.HasAnyAtOrBelow(path))
                {
                    dropped.Insert(path);
                }
            }
            FieldWalk.Remove(merged, dropped);
        }

        var unchanged = previous >= 0 && owned[previous].Fields.SameAs(applied) && owned[previous].Entry.ApiVersion == apiVersion;
        var entry = new ManagedFieldsEntry
        {
            Manager = manager,
            Operation = ManagedFields.Apply,
            ApiVersion = apiVersion,
            Time = unchanged ? owned[previous].Entry.Time : now,
        };
        if (previous >= 0)
        {
            kept[previous] = new OwnedFields(entry, applied);
        }
        else
        {
            kept.Add(new OwnedFields(entry, applied));
        }
        var metadata = merged["metadata"] as JsonObject ?? [];
        merged["metadata"] = metadata;
        metadata["managedFields"] = ManagedFields.ToJson(ManagedFields.Write(kept));
        return merged;
    }

    /// <summary>Kubernetes' conflict error: a 409 Conflict whose message lists the fields by manager.</summary>
    private static ApiException Conflict(List<(OwnedFields Owner, FieldSet Fields)> conflicts)
    {
        var causes = new List<StatusCause>();
        var byManager = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var (owner, fields) in conflicts)
        {
            var who = Describe(owner.Entry);
            foreach (var path in fields.Paths())
            {
                var field = FieldSet.Format(path);
                causes.Add(new StatusCause { Reason = "FieldManagerConflict", Message = "conflict with " + who, Field = field });
                if (!byManager.TryGetValue(who, out var list))
                {
                    byManager[who] = list = [];
                }
                list.Add(field);
            }
        }
        var message = causes.Count == 1
            ? $"Apply failed with 1 conflict: {causes[0].Message}: {causes[0].Field}"
            : $"Apply failed with {causes.Count} conflicts: "
                + string.Join("\n", byManager.SelectMany(m => m.Value.Select(f => "- " + f).Prepend($"conflicts with {m.Key}:")));
        return new ApiException(new Status
        {
            Outcome = "Failure",
            Code = 409,
            Reason = StatusReasons.Conflict,
            Message = message,
            Details = new StatusDetails { Causes = causes },
        });
    }

    private static string Describe(ManagedFieldsEntry entry)
    {
        var who = $"\"{entry.Manager}\"";
        if (!string.IsNullOrEmpty(entry.Subresource))
        {
            who += $" with subresource \"{entry.Subresource}\"";
        }
        return who + " using " + entry.ApiVersion;
    }
}
