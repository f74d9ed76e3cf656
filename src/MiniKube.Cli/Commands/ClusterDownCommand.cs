using System.CommandLine;
using MiniKube.Cli.ClusterView;
using MiniKube.Cluster;

namespace MiniKube.Cli.Commands;

/// <summary><c>minictl cluster down [--purge]</c>: stops the local cluster and removes its pods' containers.</summary>
public sealed class ClusterDownCommand(CommandRunner runner)
{
    private readonly Option<bool> _purge = new("--purge") { Description = "Also delete the cluster's data: etcd's data directory, the kubelets' directories, the logs and the client config entry" };

    public Command Build()
    {
        var command = new Command("down", "Stop the local cluster's processes and remove its pods' containers (the data stays unless --purge)") { _purge };
        runner.Attach(command, ExecuteAsync);
        return command;
    }

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        var home = ClusterHome.From(session.Console.Environment);
        var purge = parse.GetValue(_purge);
        var console = new ClusterConsole(session.Console);
        var result = await console.WithProgressAsync(ClusterComponents.ControllerManager.Length + 12,
            progress => new ClusterDown(home, session.Console.Environment, progress).RunAsync(purge, session.Token)).ConfigureAwait(false);
        if (!result.Found)
        {
            await session.Out.WriteLineAsync($"No cluster in {ClusterHome.Display(home.Directory)}: nothing to stop").ConfigureAwait(false);
            return 0;
        }
        var stopped = result.Stopped.Count;
        var line = $"Cluster is down: stopped {stopped} process{(stopped == 1 ? "" : "es")}, removed {result.ContainersRemoved} container{(result.ContainersRemoved == 1 ? "" : "s")}.";
        await session.Out.WriteLineAsync(line).ConfigureAwait(false);
        await session.Out.WriteLineAsync(result.Purged
            ? $"Purged its data from {ClusterHome.Display(home.Directory)}."
            : $"Its data stays in {ClusterHome.Display(home.Directory)}: minictl cluster up brings it back; --purge deletes it.").ConfigureAwait(false);
        if (result.DockerWarning is { } warning)
        {
            await session.Err.WriteLineAsync("warning: " + warning).ConfigureAwait(false);
        }
        return 0;
    }
}
