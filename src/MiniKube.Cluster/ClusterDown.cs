namespace MiniKube.Cluster;

/// <summary>What <c>cluster down</c> did.</summary>
public sealed record DownResult(bool Found, IReadOnlyList<string> Stopped, int ContainersRemoved, string? DockerWarning, bool Purged);

/// <summary>
/// Stops a local cluster: its processes in waves (kubelets, then controllers, then the API server, then etcd; SIGTERM,
/// SIGKILL after a grace period), then removes the containers its kubelets created (label <c>io.minikube.node</c>), so
/// nothing of its pods keeps running. The settings stay for the next <c>up</c>; <c>--purge</c> also drops etcd's data,
/// the kubelets' directories, the logs, the Secrets' encryption key, the PKI (<c>pki/</c>: the CA and every certificate)
/// and the client config that points at this cluster.
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
        var proxyWarning = await CleanUpProxyAsync(state, cancellationToken).ConfigureAwait(false);

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
        return new DownResult(true, stopped, removed, warning ?? proxyWarning, purge);
    }

    /// <summary>Runs <c>minikube-proxy --cleanup</c> for this cluster's chains, bridge and route; a warning when it could not.</summary>
    private async Task<string?> CleanUpProxyAsync(ClusterState state, CancellationToken cancellationToken)
    {
        const string Step = "proxy-rules";
        var binaries = ComponentBinaries.Locate(state.BinDirectory);
        if (binaries.Missing([ClusterComponents.ProxyAssembly]).Count > 0)
        {
            return null;
        }
        var identity = ProxyIdentity.For(state.Name);
        progress.Start(Step, $"removing the proxy's iptables chains ({identity.ChainPrefix}-*), bridge {identity.Bridge} and route");
        var command = binaries.Command(ClusterComponents.ProxyAssembly);
        var start = new System.Diagnostics.ProcessStartInfo(command[0]) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var argument in command.Skip(1).Concat(identity.CleanupFlags()))
        {
            start.ArgumentList.Add(argument);
        }
        try
        {
            using var process = System.Diagnostics.Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            var message = (await stderr.ConfigureAwait(false)).Trim();
            if (process.ExitCode == 0)
            {
                progress.Succeed(Step, message.Replace("minikube-proxy: ", "", StringComparison.Ordinal));
                return null;
            }
            var warning = $"minikube-proxy --cleanup failed ({message}); run it as root: {string.Join(' ', command.Concat(identity.CleanupFlags()))}";
            progress.Fail(Step, warning);
            return warning;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            var warning = $"could not run minikube-proxy --cleanup: {ex.Message}";
            progress.Fail(Step, warning);
            return warning;
        }
    }

    private void Purge(ClusterState state)
    {
        if (state.ManagedEtcd)
        {
            for (var member = 1; member <= state.ControlPlanes; member++)
            {
                DeleteDirectory(home.EtcdMemberDataDirectory(member));
            }
        }
        DeleteDirectory(Path.Combine(home.Directory, "kubelet"));
        DeleteDirectory(home.LogDirectory);
        ClientConfigFile.RemoveIfServer(home.ConfigFile, state.ServerUrl);
        Kubeconfig.RemoveCluster(Kubeconfig.PathFrom(environment), state.Name);
        File.Delete(home.StateFile);
        File.Delete(home.EncryptionConfigFile);
        // The service account keys live in the pki directory: remove them before the directory goes.
        ServiceAccountKeyFiles.Remove(home);
        home.Pki.Delete();
    }

    private static void DeleteDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }
    }
}
