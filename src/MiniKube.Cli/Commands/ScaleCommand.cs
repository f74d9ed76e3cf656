using System.CommandLine;
using MiniKube.Cli.Rollout;

namespace MiniKube.Cli.Commands;

/// <summary><c>minictl scale deployment/NAME --replicas=N</c> (deployments and replicasets).</summary>
public sealed class ScaleCommand(CommandRunner runner)
{
    private readonly Argument<string[]> _resources = CommonOptions.Resources("TYPE NAME or TYPE/NAME");
    private readonly Option<int?> _replicas = new("--replicas") { Description = "The new desired number of replicas. Required." };

    public Command Build()
    {
        var command = new Command("scale", "Set a new size for a deployment or replica set.") { _resources, _replicas };
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
            var ops = new RolloutOperations(session.Client);
            foreach (var (resource, name) in targets)
            {
                try
                {
                    var line = await ops.ScaleAsync(session.Namespace, name, replicas, resource.Plural, session.Token).ConfigureAwait(false);
                    await session.Out.WriteLineAsync(line).ConfigureAwait(false);
                }
                catch (RolloutException ex)
                {
                    throw new CliException(ex.Message);
                }
            }
            return 0;
        });
        return command;
    }
}
