using System.CommandLine;
using System.Globalization;
using MiniKube.Cli.ClusterView;
using MiniKube.Cluster;

namespace MiniKube.Cli.Commands;

/// <summary><c>minictl cluster up</c>: starts a local cluster, or whatever of it is not running, and waits until it is ready.</summary>
public sealed class ClusterUpCommand(CommandRunner runner)
{
    private readonly Option<int?> _nodes = new("--nodes") { Description = $"Number of nodes (one kubelet each; default {UpOptions.DefaultNodes}, or as before)" };
    private readonly Option<int?> _controlPlanes = new("--control-planes")
    {
        Description = "Control-plane members: 1 (default, or as before), or 3 for a highly available control plane (an etcd member, API server, " +
            "scheduler and controller-manager each; one scheduler and one controller-manager lead)",
    };
    private readonly Option<string?> _name = new("--name") { Description = $"Cluster name, the prefix of the node names (default {UpOptions.DefaultName}: nodes {UpOptions.DefaultName}-node-1, …)" };
    private readonly Option<string?> _etcd = new("--etcd-servers") { Description = "Use this running etcd (comma-separated URLs) instead of starting one with its data in $MINIKUBE_HOME/etcd" };
    private readonly Option<int?> _apiPort = new("--api-port") { Description = "The API server's gRPC port (default: a free one, kept across restarts)" };
    private readonly Option<string?> _binDir = new("--bin-dir") { Description = "Directory with the component programs (default: minictl's own directory)" };
    private readonly Option<string[]> _extraConfig = new("--extra-config")
    {
        Description = "A flag for one kind of component: <component>.<flag>=<value> with component apiserver, scheduler, controller-manager or kubelet " +
            "(every node's), e.g. kubelet.max-pods=50; repeatable; kept for later ups until cluster down",
        AllowMultipleArgumentsPerToken = false,
    };
    private readonly Option<string> _wait = new("--wait") { Description = "How long to wait for every component and node to be ready", DefaultValueFactory = _ => "2m" };

    public Command Build()
    {
        var command = new Command("up", "Start a local cluster (or restart what of it is not running) and wait until every node is Ready")
        {
            _nodes, _controlPlanes, _name, _etcd, _apiPort, _binDir, _extraConfig, _wait,
        };
        runner.Attach(command, ExecuteAsync);
        return command;
    }

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        var waitText = parse.GetValue(_wait) ?? "2m";
        if (!DurationText.TryParse(waitText, out var wait) || wait <= TimeSpan.Zero)
        {
            throw new CliException($"invalid --wait \"{waitText}\": use a duration such as 90s or 2m");
        }
        var options = new UpOptions
        {
            Nodes = parse.GetValue(_nodes),
            ControlPlanes = parse.GetValue(_controlPlanes),
            Name = parse.GetValue(_name),
            EtcdServers = parse.GetValue(_etcd),
            ApiPort = parse.GetValue(_apiPort),
            BinDirectory = parse.GetValue(_binDir),
            ExtraConfig = parse.GetResult(_extraConfig) is null ? null : parse.GetValue(_extraConfig),
            Wait = wait,
        };
        var home = ClusterHome.From(session.Console.Environment);
        var console = new ClusterConsole(session.Console);
        var width = Math.Max(ClusterComponents.ControllerManager.Length,
            ClusterComponents.KubeletName($"{options.Name ?? UpOptions.DefaultName}-node-{options.Nodes ?? UpOptions.DefaultNodes}").Length);
        var result = await console.WithProgressAsync(width,
            progress => new ClusterUp(home, session.Console.Environment, progress, session.Console.Time).RunAsync(options, session.Token)).ConfigureAwait(false);
        await session.Out.WriteAsync(Summary(result, home)).ConfigureAwait(false);
        return 0;
    }

    public static string Summary(UpResult result, ClusterHome home)
    {
        var state = result.State;
        var seconds = result.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        var nodes = $"{state.Nodes} node{(state.Nodes == 1 ? "" : "s")} Ready";
        var headline = result.WasRunning
            ? $"Cluster \"{state.Name}\" is already running: {nodes}."
            : result.Started.Count == state.Components.Count
                ? $"Cluster \"{state.Name}\" is up: {nodes} in {seconds} s."
                : $"Cluster \"{state.Name}\" is complete again: started {string.Join(", ", result.Started)}; {nodes} in {seconds} s.";
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        text.WriteLine();
        text.WriteLine(headline);
        text.WriteLine($"  API server  {state.ServerUrl} (minictl finds it through {ClusterHome.Display(home.ConfigFile)})");
        text.WriteLine($"  security    TLS, client certificates and RBAC; CA and certificates in {ClusterHome.Display(home.PkiDirectory)}/, minictl and kubectl as {MiniKube.Cluster.ClusterPki.AdminUser}");
        text.WriteLine($"  dashboard   {state.DashboardUrl}");
        text.WriteLine($"  nodes       {string.Join(", ", state.NodeNames)}");
        text.WriteLine($"  logs        {ClusterHome.Display(home.LogDirectory)}/");
        text.WriteLine();
        text.WriteLine("Next:");
        text.WriteLine("  minictl get nodes");
        text.WriteLine("  minictl create -f pod.yaml        # any Kubernetes manifest");
        text.WriteLine("  minictl get pods -o wide");
        text.WriteLine("  minictl cluster status");
        text.WriteLine("  minictl cluster down [--purge]");
        return text.ToString();
    }
}
