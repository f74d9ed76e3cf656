using System.CommandLine;
using MiniKube.Api;
using MiniKube.Rollout;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>minictl set image deployment/NAME CONTAINER=IMAGE …</c> (<c>*=IMAGE</c> sets every container) and
/// <c>minictl set resources TYPE/NAME [-c CONTAINERS] [--requests=cpu=…,memory=…] [--limits=…]</c>.
/// </summary>
public sealed class SetCommand(CommandRunner runner)
{
    public Command Build()
    {
        var command = new Command("set", "Configure application resources.");
        var args = new Argument<string[]>("args") { Description = "TYPE NAME or TYPE/NAME, then CONTAINER=IMAGE pairs", Arity = ArgumentArity.OneOrMore };
        var image = new Command("image", "Update the image of a pod template.") { args };
        runner.Attach(image, async (session, parse) =>
        {
            var all = parse.GetValue(args) ?? [];
            var pairs = all.Where(a => a.Contains('=')).ToList();
            var resources = all.Where(a => !a.Contains('=')).ToArray();
            if (pairs.Count == 0)
            {
                throw new CliException("at least one image update is required");
            }
            var images = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var pair in pairs)
            {
                var eq = pair.IndexOf('=');
                if (eq <= 0 || eq == pair.Length - 1)
                {
                    throw new CliException($"invalid image update \"{pair}\": use CONTAINER=IMAGE");
                }
                images[pair[..eq]] = pair[(eq + 1)..];
            }
            var (ns, name) = RolloutCommand.Target(session, resources);
            try
            {
                var line = await new RolloutOperations(session.Client).SetImageAsync(ns, name, images, session.Token).ConfigureAwait(false);
                await session.Out.WriteLineAsync(line).ConfigureAwait(false);
                return 0;
            }
            catch (RolloutException ex)
            {
                throw new CliException(ex.Message);
            }
        });
        command.Subcommands.Add(image);
        command.Subcommands.Add(Resources());
        return command;
    }

    private Command Resources()
    {
        var resources = CommonOptions.Resources("TYPE NAME or TYPE/NAME (deployments, replicasets, daemonsets, jobs, pods)");
        var containers = new Option<string>("--containers", "-c")
        {
            Description = "The names of containers in the selected resource to change; may use wildcards",
            DefaultValueFactory = _ => "*",
        };
        var requests = new Option<string?>("--requests")
        {
            Description = "The resource requests for the containers, e.g. cpu=100m,memory=256Mi. A value of 0 removes that request",
        };
        var limits = new Option<string?>("--limits")
        {
            Description = "The resource limits for the containers, e.g. cpu=200m,memory=512Mi. A value of 0 removes that limit",
        };
        var command = new Command("resources", "Update resource requests and limits on the containers of a pod template; a workload rolls out its pods. "
            + "(A pod's own resources change in place with: minictl patch pod NAME --subresource resize -p …)")
        {
            resources, containers, requests, limits,
        };
        runner.Attach(command, async (session, parse) =>
        {
            var wantedRequests = SetResources.ParseList("--requests", parse.GetValue(requests));
            var wantedLimits = SetResources.ParseList("--limits", parse.GetValue(limits));
            if (wantedRequests.Count == 0 && wantedLimits.Count == 0)
            {
                throw new CliException("you must specify an update to requests or limits (in the form of --requests/--limits)");
            }
            var selector = parse.GetValue(containers) is { Length: > 0 } c ? c : "*";
            var targets = ResourceArgs.Parse(parse.GetValue(resources) ?? []).SelectMany(r => r.Names.Select(n => (r.Resource, Name: n))).ToList();
            if (targets.Count == 0)
            {
                throw new CliException("you must specify a resource and name to update (TYPE NAME or TYPE/NAME, e.g. deployment/web)");
            }
            var failed = false;
            foreach (var (resource, name) in targets)
            {
                var ns = resource.Namespaced ? session.Namespace : null;
                try
                {
                    var changed = await SetAsync(session, resource, name, ns, selector, wantedRequests, wantedLimits).ConfigureAwait(false);
                    await session.Out.WriteLineAsync($"{ResourceNames.Reference(resource, name)} resource requirements {(changed ? "updated" : "unchanged")}")
                        .ConfigureAwait(false);
                }
                catch (ApiException ex) when (CommandRunner.IsPerObjectError(ex, session))
                {
                    await session.Err.WriteLineAsync(ErrorFormatter.Format(ex)).ConfigureAwait(false);
                    failed = true;
                }
            }
            return failed ? CommandRunner.Failure : 0;
        });
        return command;
    }

    /// <summary>Reads, changes and writes the object (again on a conflict); false when it already had those resources.</summary>
    private static async Task<bool> SetAsync(CliSession session, ResourceInfo resource, string name, string? ns, string selector,
        IReadOnlyDictionary<string, Quantity> requests, IReadOnlyDictionary<string, Quantity> limits)
    {
        for (var attempt = 0; ; attempt++)
        {
            var current = await session.Client.GetAsync(resource, name, ns, session.Token).ConfigureAwait(false);
            var next = SetResources.Apply(current, selector, requests, limits);
            if (KubeSerializer.ToJson(next) == KubeSerializer.ToJson(current))
            {
                return false;
            }
            try
            {
                await session.Client.UpdateAsync(next, session.Token).ConfigureAwait(false);
                return true;
            }
            catch (ApiException ex) when (ex.IsConflict && attempt < 5)
            {
                // Someone else wrote first: apply the change to the new state.
            }
        }
    }
}
