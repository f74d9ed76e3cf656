namespace MiniKube.Scheduler;

/// <summary>Process-level settings of minikube-scheduler (what it binds through and how it elects a leader).</summary>
public sealed record SchedulerOptions
{
    /// <summary>KubeSchedulerConfiguration file (<c>--config</c>); null: in-tree defaults.</summary>
    public string? ConfigFile { get; init; }

    /// <summary>Run only while holding the <c>kube-system/kube-scheduler</c> Lease (<c>--leader-elect</c>).</summary>
    public bool LeaderElect { get; init; } = true;

    public string LeaseName { get; init; } = "kube-scheduler";

    public string LeaseNamespace { get; init; } = "kube-system";

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Unique per process; host name plus a random suffix by default.</summary>
    public string Identity { get; init; } = Environment.MachineName + "_" + Guid.NewGuid().ToString("N")[..8];

    /// <summary>Binding API calls in flight at once; scheduling itself is one cycle at a time.</summary>
    public int BindParallelism { get; init; } = 64;

    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (ConfigFile is not null && !File.Exists(ConfigFile))
        {
            problems.Add($"--config: file \"{ConfigFile}\" does not exist");
        }
        if (BindParallelism < 1)
        {
            problems.Add("--bind-parallelism must be at least 1");
        }
        if (LeaderElect && !(LeaseDuration > RenewDeadline && RenewDeadline > RetryPeriod))
        {
            problems.Add("leader election needs --leader-elect-lease-duration > --leader-elect-renew-deadline > --leader-elect-retry-period");
        }
        return problems;
    }
}
