namespace MiniKube.Cluster;

/// <summary>What <c>cluster down</c> did.</summary>
public sealed record DownResult(bool Found, IReadOnlyList<string> Stopped, int ContainersRemoved, string? DockerWarning, bool Purged);

/// <summary>
/// Stops a local cluster: its processes in waves (kubelets, then controllers, then the API server, then etcd; SIGTERM,
/// SIGKILL after a grace period), then removes the containers its kubelets created (label <c>io.minikube.node</c>), so
/// nothing of its pods keeps running. The settings stay for the next <c>up</c>; <c>--purge</c> also drops etcd's data,
/// the kubelets' directories, the logs and the client config that points at this cluster.
/// </summary>
public sealed class ClusterDown(ClusterHome home, Func<string, string?> environment, IClusterProgress progress, TimeSpan? dockerCallTimeout = null)
{
    /// <summary>How long a component may take to exit after SIGTERM before it is killed.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    public async Task<DownResult> RunAsync(bool purge, CancellationToken cancellationToken)
    {
        using var clusterLock = ClusterLock.Acquire(home);
        var store = new ClusterStateStore(home);
        var state = store.Load();
        if (state is null)
        {
            return new DownResult(false, [], 0, null, false);
        }

        var stopped = new List<string>();
        foreach (var wave in state.Components.GroupBy(c => c.StopWave).OrderBy(g => g.Key))
        {
            await Task.WhenAll(wave.Select(async record =>
            {
                if (!ProcFs.IsAlive(record.Pid, record.StartTicks))
                {
                    return;
                }
                progress.Start(record.Name, $"stopping (pid {record.Pid})");
                await DetachedProcess.StopAsync(record.Pid, record.StartTicks, Grace, cancellationToken).ConfigureAwait(false);
                progress.Succeed(record.Name, $"stopped (pid {record.Pid})");
                lock (stopped)
                {
                    stopped.Add(record.Name);
                }
            })).ConfigureAwait(false);
        }
        state = state with { Components = [] };
        store.Save(state);

        const string ContainersStep = "containers";
        var removed = 0;
        string? warning = null;
        progress.Start(ContainersStep, "removing the pods' containers of " + string.Join(", ", state.NodeNames));
        try
        {
            using var docker = new DockerEngine(environment) { CallTimeout = dockerCallTimeout ?? TimeSpan.FromSeconds(30) };
            removed = await docker.RemoveNodeContainersAsync(state.NodeNames, cancellationToken).ConfigureAwait(false);
            progress.Succeed(ContainersStep, $"removed {removed} container{(removed == 1 ? "" : "s")}");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            warning = $"could not remove the pods' containers ({ex.Message}); they carry the label {DockerEngine.NodeLabel}=<node>";
            progress.Fail(ContainersStep, warning);
        }

        if (purge)
        {
            Purge(state);
        }
        return new DownResult(true, stopped, removed, warning, purge);
    }

    private void Purge(ClusterState state)
    {
        if (state.ManagedEtcd)
        {
            DeleteDirectory(home.EtcdDataDirectory);
        }
        DeleteDirectory(Path.Combine(home.Directory, "kubelet"));
        DeleteDirectory(home.LogDirectory);
        ClientConfigFile.RemoveIfServer(home.ConfigFile, state.ServerUrl);
        Kubeconfig.RemoveCluster(Kubeconfig.PathFrom(environment), state.Name);
        File.Delete(home.StateFile);
    }

    private static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
