using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using MiniKube.Api;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>minictl patch TYPE NAME -p JSON [--type merge|strategic] [--subresource status|resize]</c>. Through <c>resize</c> (pods
/// only: in-place resize of the containers' cpu and memory) a strategic patch is sent as one, so containers merge by name.
/// </summary>
public sealed class PatchCommand(CommandRunner runner)
{
    private readonly Argument<string[]> _resources = CommonOptions.Resources("TYPE NAME or TYPE/NAME");
    private readonly Option<string?> _patch = new("--patch", "-p") { Description = "The patch to be applied to the resource JSON file" };
    private readonly Option<string> _type = new("--type")
    {
        Description = "The type of patch being provided; one of [merge strategic]. MiniKube applies both as a JSON merge patch (RFC 7386), except through --subresource resize, where strategic merges containers by name",
        DefaultValueFactory = _ => "strategic",
    };
    private readonly Option<string?> _subresource = new("--subresource") { Description = "If specified, patch will operate on the subresource of the requested object. Supported: status, resize (pods)" };

    private const string MergePatch = "application/merge-patch+json";
    private const string StrategicPatch = "application/strategic-merge-patch+json";

    public Command Build()
    {
        var command = new Command("patch", "Update fields of a resource using a JSON merge patch.")
        {
            _resources, _patch, _type, _subresource,
        };
        runner.Attach(command, ExecuteAsync);
        return command;
    }

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        var patch = parse.GetValue(_patch);
        if (string.IsNullOrWhiteSpace(patch))
        {
            throw new CliException("must specify -p to patch");
        }
        var type = (parse.GetValue(_type) ?? "strategic").ToLowerInvariant();
        if (type is not ("merge" or "strategic"))
        {
            throw new CliException(type == "json"
                ? "--type json is not supported: the MiniKube API server accepts JSON merge patches; use --type merge"
                : $"--type must be one of [merge strategic], not \"{type}\"");
        }
        var subresource = parse.GetValue(_subresource);
        if (subresource is not (null or "" or "status" or "resize"))
        {
            throw new CliException($"invalid subresource value: \"{subresource}\". Must be one of [status resize]");
        }
        try
        {
            if (JsonNode.Parse(patch) is not JsonObject)
            {
                throw new CliException($"unable to parse \"{patch}\": a merge patch must be a JSON object");
            }
        }
        catch (JsonException ex)
        {
            throw new CliException($"unable to parse \"{patch}\": {ex.Message}");
        }

        var requests = ResourceArgs.Parse(parse.GetValue(_resources) ?? []);
        var targets = requests.SelectMany(r => r.Names.Select(n => (r.Resource, Name: n))).ToList();
        if (requests.Count == 0 || targets.Count == 0)
        {
            throw new CliException("you must specify a resource and name to patch (TYPE NAME or TYPE/NAME)");
        }
        if (subresource == "resize" && targets.FirstOrDefault(t => t.Resource != ResourceRegistry.For<Pod>()) is { Resource: { } other })
        {
            throw new CliException($"--subresource resize: {ResourceNames.QualifiedPlural(other)} have no resize subresource; only pods do");
        }
        var failed = false;
        foreach (var (resource, name) in targets)
        {
            var ns = resource.Namespaced ? session.Namespace : null;
            try
            {
                var before = await session.Client.GetAsync(resource, name, ns, session.Token).ConfigureAwait(false);
                var after = subresource == "resize"
                    ? await session.Client.ResizePodAsync(ns!, name, patch, type == "strategic" ? StrategicPatch : MergePatch, session.Token).ConfigureAwait(false)
                    : await session.Client.PatchAsync(resource, name, ns, patch, subresource == "status", session.Token).ConfigureAwait(false);
                var suffix = Unchanged(before, after) ? " (no change)" : "";
                await session.Out.WriteLineAsync($"{ResourceNames.Reference(resource, name)} patched{suffix}").ConfigureAwait(false);
            }
            catch (ApiException ex) when (CommandRunner.IsPerObjectError(ex, session))
            {
                await session.Err.WriteLineAsync(ErrorFormatter.Format(ex)).ConfigureAwait(false);
                failed = true;
            }
        }
        return failed ? CommandRunner.Failure : 0;
    }

    /// <summary>The same version, or the same content apart from the version (a write that changed nothing).</summary>
    private static bool Unchanged(KubeObject before, KubeObject after)
    {
        if (before.Metadata.ResourceVersion == after.Metadata.ResourceVersion)
        {
            return true;
        }
        static KubeObject Unversioned(KubeObject o) => o with { Metadata = o.Metadata with { ResourceVersion = null } };
        return KubeSerializer.ToJson(Unversioned(before)) == KubeSerializer.ToJson(Unversioned(after));
    }
}
