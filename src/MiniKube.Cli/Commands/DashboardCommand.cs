using System.CommandLine;
using System.Diagnostics;
using MiniKube.Cluster;

namespace MiniKube.Cli.Commands;

/// <summary><c>minictl dashboard</c>: the local cluster's web UI address (started by <c>cluster up</c>); <c>--open</c> opens it in a browser.</summary>
public sealed class DashboardCommand(CommandRunner runner)
{
    private readonly Option<bool> _open = new("--open") { Description = "Also open the URL with xdg-open" };

    public Command Build()
    {
        var command = new Command("dashboard", "Print the URL of the local cluster's web dashboard (started by minictl cluster up)") { _open };
        runner.Attach(command, ExecuteAsync);
        return command;
    }

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        var home = ClusterHome.From(session.Console.Environment);
        var state = new ClusterStateStore(home).Load();
        if (state is null || state.DashboardPort == 0 || state.Find(ClusterComponents.Dashboard) is null)
        {
            throw new CliException($"no dashboard is running for a cluster in {ClusterHome.Display(home.Directory)}: start one with minictl cluster up");
        }
        await session.Out.WriteLineAsync(state.DashboardUrl).ConfigureAwait(false);
        if (parse.GetValue(_open))
        {
            try
            {
                using var opener = Process.Start(new ProcessStartInfo("xdg-open", [state.DashboardUrl]) { UseShellExecute = false });
            }
            catch (System.ComponentModel.Win32Exception ex)
            {
                throw new CliException($"cannot open a browser (xdg-open: {ex.Message}); open {state.DashboardUrl} yourself");
            }
        }
        return 0;
    }
}
