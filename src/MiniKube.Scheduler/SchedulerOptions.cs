using MiniKube.Client;

namespace MiniKube.Scheduler;

/// <summary>Process-level settings of minikube-scheduler (what it binds through and how it elects a leader).</summary>
public sealed record SchedulerOptions
{
    /// <summary>The Lease the schedulers contend for, as kube-scheduler's.</summary>
    public const string DefaultLeaseName = "kube-scheduler";

    /// <summary><c>--server</c>: the API server's gRPC address.</summary>
    public string Server { get; init; } = ClientConfig.DefaultServer;

    /// <summary>Token, client certificate and CA for the API server (<c>--token</c>, <c>--client-certificate</c>/<c>--client-key</c>, <c>--certificate-authority</c>).</summary>
    public ClientCredentials Credentials { get; init; } = ClientCredentials.None;

    /// <summary>KubeSchedulerConfiguration file (<c>--config</c>); null: in-tree defaults.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>The <c>--leader-elect*</c> flags: run only while holding the <c>kube-system/kube-scheduler</c> Lease.</summary>
    public LeaderElectionOptions LeaderElection { get; init; } = new() { LeaseName = DefaultLeaseName };

    /// <summary>Unique per process (the leader-election identity, also the events' reporting instance).</summary>
    public string Identity => LeaderElection.Identity;

    /// <summary><c>--bind-parallelism</c>: binding API calls in flight at once; scheduling itself is one cycle at a time.</summary>
    public int BindParallelism { get; init; } = 64;

    /// <summary>Every problem with these options, each naming the flag to fix.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ClientConfig.ServerProblem(Server) is not null)
        {
            problems.Add($"--server: \"{Server}\" is not a URL such as {ClientConfig.DefaultServer} (or set {ClientConfig.ServerEnvironmentVariable})");
        }
        if (ConfigFile is not null && !File.Exists(ConfigFile))
        {
            problems.Add($"--config: file \"{ConfigFile}\" does not exist");
        }
        if (BindParallelism < 1)
        {
            problems.Add($"--bind-parallelism must be at least 1 (got {BindParallelism})");
        }
        problems.AddRange(LeaderElection.Validate());
        return problems;
    }
}
