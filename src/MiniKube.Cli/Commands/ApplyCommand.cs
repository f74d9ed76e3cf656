using System.CommandLine;
using System.Text.Json.Nodes;
using MiniKube.Api;
using MiniKube.Cli.Manifests;
using MiniKube.Cli.Printing;
using MiniKube.Printing;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>minictl apply -f</c>: creates what does not exist; otherwise patches the live object with the three-way
/// difference between the last applied manifest, the new manifest and the live object
/// (<c>configured</c>), or leaves it (<c>unchanged</c>).
/// </summary>
public sealed class ApplyCommand(CommandRunner runner)
{
    private const int MaxConflictRetries = 3;

    private readonly Option<string[]> _files = CommonOptions.Filenames("apply");
    private readonly Option<bool> _recursive = CommonOptions.Recursive();
    private readonly Option<string?> _output = CommonOptions.Output("json, yaml, name");

    public Command Build()
    {
        var command = new Command("apply",
            "Apply a configuration to a resource by file name or stdin. The resource will be created if it doesn't exist yet.\n\nJSON and YAML formats are accepted.")
        {
            _files, _recursive, _output,
        };
        runner.Attach(command, ExecuteAsync);
        return command;
    }

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        var paths = parse.GetValue(_files) ?? [];
        if (paths.Length == 0)
        {
            throw new CliException("must specify -f");
        }
        var output = OutputFormat.Parse(parse.GetValue(_output), OutputKind.Json, OutputKind.Yaml, OutputKind.Name);
        var batch = ManifestObjects.Read(session, paths, parse.GetValue(_recursive), "apply");
        var failed = batch.Failed;
        var results = new List<KubeObject>();
        foreach (var item in batch.Objects)
        {
            try
            {
                var (result, outcome) = await ApplyAsync(session, item).ConfigureAwait(false);
                if (output == OutputKind.Table)
                {
                    await session.Out.WriteLineAsync($"{ResourceNames.Reference(result)} {outcome}").ConfigureAwait(false);
                }
                else
                {
                    results.Add(result);
                }
            }
            catch (ApiException ex) when (CommandRunner.IsPerObjectError(ex, session))
            {
                await session.Err.WriteLineAsync(ErrorFormatter.Format(ex, "applying", item.Source)).ConfigureAwait(false);
                failed = true;
            }
            catch (CliException ex)
            {
                session.Error(ex.Message);
                failed = true;
            }
        }
        if (output != OutputKind.Table && results.Count > 0)
        {
            await session.Out.WriteAsync(ObjectPrinter.Format(output, results, single: results.Count == 1)).ConfigureAwait(false);
        }
        return failed ? CommandRunner.Failure : 0;
    }

    private static async Task<(KubeObject Result, string Outcome)> ApplyAsync(CliSession session, ManifestObject item)
    {
        var resource = ResourceRegistry.ByType(item.Object.GetType());
        var name = item.Object.Metadata.Name;
        if (string.IsNullOrEmpty(name))
        {
            throw new CliException($"error when retrieving current configuration of \"{item.Source}\": resource name may not be empty");
        }
        var ns = item.Object.Metadata.Namespace;
        var lastApplied = KubeSerializer.ToJson(WithoutLastApplied(item.Object));
        var modified = WithAnnotation(item.Object, WellKnownAnnotations.LastAppliedConfiguration, lastApplied);

        for (var attempt = 0; ; attempt++)
        {
            KubeObject current;
            try
            {
                current = await session.Client.GetAsync(resource, name, ns, session.Token).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                var created = await session.Client.CreateAsync(modified, dryRun: false, session.Token).ConfigureAwait(false);
                return (created, "created");
            }

            string? previous = null;
            if (current.Metadata.Annotations?.TryGetValue(WellKnownAnnotations.LastAppliedConfiguration, out var text) == true)
            {
                previous = text;
            }
            else
            {
                await session.Err.WriteLineAsync(
                    $"Warning: resource {ResourceNames.QualifiedPlural(resource)}/{name} is missing the {WellKnownAnnotations.LastAppliedConfiguration} annotation which is required by minictl apply. " +
                    "minictl apply should only be used on resources created declaratively by minictl apply. The missing annotation will be patched automatically.")
                    .ConfigureAwait(false);
            }
            var patch = ThreeWayMergePatch.Compute(
                Comparable(previous is null ? null : JsonNode.Parse(previous) as JsonObject),
                Comparable(JsonNode.Parse(KubeSerializer.ToJson(modified)) as JsonObject)!,
                (JsonObject)JsonNode.Parse(KubeSerializer.ToJson(current))!);
            if (patch.Count == 0)
            {
                return (current, "unchanged");
            }
            // Pin the version we compared against: a concurrent writer makes this a Conflict, and we start over.
            var metadata = patch["metadata"] as JsonObject ?? new JsonObject();
            metadata["resourceVersion"] = current.Metadata.ResourceVersion;
            patch["metadata"] = metadata;
            try
            {
                var patched = await session.Client.PatchAsync(resource, name, ns, patch.ToJsonString(), status: false, session.Token).ConfigureAwait(false);
                return (patched, "configured");
            }
            catch (ApiException ex) when (ex.IsConflict && attempt < MaxConflictRetries)
            {
                // The object changed between our read and the patch: compare again with the new state.
            }
        }
    }

    /// <summary>Only what apply manages: the manifest's fields, with metadata reduced to labels and annotations, no status.</summary>
    private static JsonObject? Comparable(JsonObject? manifest)
    {
        if (manifest is null)
        {
            return null;
        }
        var copy = (JsonObject)manifest.DeepClone();
        copy.Remove("status");
        copy.Remove("apiVersion");
        copy.Remove("kind");
        if (copy["metadata"] is JsonObject metadata)
        {
            var kept = new JsonObject();
            foreach (var key in new[] { "labels", "annotations" })
            {
                if (metadata[key] is { } value)
                {
                    kept[key] = value.DeepClone();
                }
            }
            copy["metadata"] = kept;
        }
        return copy;
    }

    private static KubeObject WithoutLastApplied(KubeObject obj)
    {
        var annotations = obj.Metadata.Annotations;
        if (annotations is null || !annotations.ContainsKey(WellKnownAnnotations.LastAppliedConfiguration))
        {
            return obj;
        }
        var rest = annotations.Where(a => a.Key != WellKnownAnnotations.LastAppliedConfiguration).ToDictionary(a => a.Key, a => a.Value);
        return obj with { Metadata = obj.Metadata with { Annotations = rest.Count == 0 ? null : rest } };
    }

    private static KubeObject WithAnnotation(KubeObject obj, string key, string value)
    {
        var annotations = new Dictionary<string, string>(obj.Metadata.Annotations ?? new Dictionary<string, string>()) { [key] = value };
        return obj with { Metadata = obj.Metadata with { Annotations = annotations } };
    }
}
