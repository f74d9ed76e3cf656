using System.CommandLine;

namespace MiniKube.Cli.Commands;

/// <summary><c>minictl cluster up|status|down|certs</c>: a local cluster of host processes (etcd, control plane, kubelets).</summary>
public sealed class ClusterCommand(CommandRunner runner)
{
    public Command Build() => new("cluster", "Run a local MiniKube cluster: etcd, the API server, scheduler, controller-manager and kubelets as host processes")
    {
        new ClusterUpCommand(runner).Build(),
        new ClusterStatusCommand(runner).Build(),
        new ClusterDownCommand(runner).Build(),
        new ClusterCertsCommand(runner).Build(),
    };
}
