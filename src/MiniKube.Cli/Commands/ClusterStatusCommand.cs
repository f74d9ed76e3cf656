using System.CommandLine;
using System.Globalization;
using MiniKube.Cli.ClusterView;
using MiniKube.Cli.Printing;
using MiniKube.Cluster;
using MiniKube.Printing;
using Spectre.Console;

namespace MiniKube.Cli.Commands;

/// <summary><c>minictl cluster status</c>: every component's process, health and log file; exit code 0 only when all are healthy.</summary>
public sealed class ClusterStatusCommand(CommandRunner runner)
{
    public Command Build()
    {
        var command = new Command("status", "Show each component of the local cluster: process, health and log file (exit code 1 unless all are healthy)");
        runner.Attach(command, ExecuteAsync);
        return command;
    }

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        var home = ClusterHome.From(session.Console.Environment);
        var report = await new ClusterStatus(home).RunAsync(session.Token).ConfigureAwait(false);
        if (report is null)
        {
            await session.Out.WriteLineAsync($"No cluster in {ClusterHome.Display(home.Directory)}: start one with minictl cluster up").ConfigureAwait(false);
            return CommandRunner.Failure;
        }
        var state = report.State;
        var healthy = report.Components.Count(c => c.Healthy);
        await session.Out.WriteLineAsync(
            $"Cluster \"{state.Name}\": {healthy}/{report.Components.Count} components healthy; API server {state.ServerUrl}; etcd {(state.ManagedEtcd ? state.EtcdEndpoints + " (managed)" : state.EtcdEndpoints)}")
            .ConfigureAwait(false);
        var console = new ClusterConsole(session.Console);
        if (console.Live)
        {
            var table = new Table().Border(TableBorder.Rounded).AddColumns("COMPONENT", "PID", "STATUS", "HEALTH", "LOG");
            foreach (var c in report.Components)
            {
                var status = c.State == "Running" ? (c.Healthy ? "[green]Running[/]" : "[yellow]Running[/]") : "[red]" + c.State + "[/]";
                table.AddRow(Markup.Escape(c.Name), Pid(c), status, c.Healthy ? Markup.Escape(c.Detail) : "[yellow]" + Markup.Escape(c.Detail) + "[/]",
                    Markup.Escape(ClusterHome.Display(c.LogFile)));
            }
            console.Ansi.Write(table);
        }
        else
        {
            var table = new TextTable();
            table.AddRow(["COMPONENT", "PID", "STATUS", "HEALTH", "LOG"]);
            foreach (var c in report.Components)
            {
                table.AddRow([c.Name, Pid(c), c.State, (c.Healthy ? "" : "unhealthy: ") + c.Detail, ClusterHome.Display(c.LogFile)]);
            }
            table.WriteTo(session.Out);
        }
        return report.AllHealthy ? 0 : CommandRunner.Failure;
    }

    private static string Pid(ComponentStatus c) => c.Pid?.ToString(CultureInfo.InvariantCulture) ?? "-";
}
