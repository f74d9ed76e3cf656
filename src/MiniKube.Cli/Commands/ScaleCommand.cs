using System.CommandLine;
using MiniKube.Rollout;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Cli.Commands;

/// <summary><c>minictl scale deployment/NAME --replicas=N</c> through the scale subresource (deployments and replicasets).</summary>
public sealed class ScaleCommand(CommandRunner runner)
{
    private readonly Argument<string[]> _resources = CommonOptions.Resources("TYPE NAME or TYPE/NAME");
    private readonly Option<int?> _replicas = new("--replicas") { Description = "The new desired number of replicas. Required." };
    private readonly Option<int?> _currentReplicas = new("--current-replicas")
    {
        Description = "Precondition for current size. Requires that the current size of the resource match this value in order to scale.",
    };
    private readonly Option<string?> _resourceVersion = new("--resource-version")
    {
        Description = "Precondition for resource version. Requires that the current resource version match this value in order to scale.",
    };

    public Command Build()
    {
        var command = new Command("scale", "Set a new size for a deployment or replica set.") { _resources, _replicas, _currentReplicas, _resourceVersion };
        runner.Attach(command, async (session, parse) =>
        {
            if (parse.GetValue(_replicas) is not { } replicas || replicas < 0)
            {
                throw new CliException("The --replicas=COUNT flag is required, and COUNT must be greater than or equal to 0");
            }
            var requests = ResourceArgs.Parse(parse.GetValue(_resources) ?? []);
            var targets = requests.SelectMany(r => r.Names.Select(n => (r.Resource, Name: n))).ToList();
            if (targets.Count == 0)
            {
                throw new CliException("required resource not specified");
            }
            foreach (var (resource, name) in targets)
            {
                if (resource.Kind is not ("Deployment" or "ReplicaSet"))
                {
                    throw new CliException($"cannot scale {resource.Plural}: only deployments and replicasets have a scale subresource");
                }
                var scale = await session.Client.GetScaleAsync(resource.Plural, session.Namespace, name, session.Token).ConfigureAwait(false);
                if (parse.GetValue(_currentReplicas) is { } expected && scale.Spec?.Replicas != expected)
                {
                    throw new CliException($"Expected replicas to be {expected}, was {scale.Spec?.Replicas ?? 0}");
                }
                var rv = parse.GetValue(_resourceVersion);
                if (!string.IsNullOrEmpty(rv) && rv != scale.Metadata.ResourceVersion)
                {
                    throw new CliException($"Expected resource version to be {rv}, was {scale.Metadata.ResourceVersion}");
                }
                var pinned = parse.GetValue(_currentReplicas) is not null || !string.IsNullOrEmpty(rv);
                // With a precondition the update is conditional on the version read, so nothing changed in between.
                var update = scale with
                {
                    Metadata = scale.Metadata with { ResourceVersion = pinned ? scale.Metadata.ResourceVersion : null },
                    Spec = new ScaleSpec { Replicas = replicas },
                };
                await session.Client.UpdateScaleAsync(resource.Plural, session.Namespace, update, session.Token).ConfigureAwait(false);
                await session.Out.WriteLineAsync($"{resource.Singular}.{resource.Group}/{name} scaled").ConfigureAwait(false);
            }
            return 0;
        });
        return command;
    }
}
