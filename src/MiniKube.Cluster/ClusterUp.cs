using System.Diagnostics;
using System.Globalization;

namespace MiniKube.Cluster;

/// <summary>What <c>cluster up</c> did.</summary>
public sealed record UpResult(ClusterState State, IReadOnlyList<string> Started, IReadOnlyList<string> ImagesBuilt, TimeSpan Elapsed)
{
    /// <summary>Everything was already running: nothing was started.</summary>
    public bool WasRunning => Started.Count == 0;
}

/// <summary>
/// Brings a local cluster up, or back to complete: checks what it needs (binaries, etcd, Docker, images), then starts every
/// component of <see cref="ClusterComponents"/> that is not running — each as soon as the ones it waits for are ready —
/// and waits until all are ready and every node is Ready. Running components are only health-checked, so a second
/// <c>up</c> reports the running cluster and an <c>up</c> after a crash restarts just what is missing, on the same ports.
/// </summary>
public sealed class ClusterUp(ClusterHome home, Func<string, string?> environment, IClusterProgress progress, TimeProvider time)
{
    private readonly ClusterStateStore _store = new(home);

    public async Task<UpResult> RunAsync(UpOptions options, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        using var clusterLock = ClusterLock.Acquire(home);
        var recorded = _store.Load();
        var running = recorded?.Components.Any(c => ProcFs.IsAlive(c.Pid, c.StartTicks)) == true;
        var binaries = ComponentBinaries.Locate(options.BinDirectory);
        var missing = binaries.Missing(ClusterComponents.Assemblies);
        if (missing.Count > 0)
        {
            throw new ClusterException($"{string.Join(", ", missing.Select(m => m + ".dll"))} not found in {binaries.Directory}: build MiniKube (dotnet build) or pass --bin-dir");
        }
        var state = ClusterSettings.Resolve(options, recorded, running, binaries.Directory, time.GetUtcNow());
        var etcd = "etcd";
        if (state.ManagedEtcd)
        {
            etcd = ExecutableSearch.Find("etcd", environment) ?? throw new ClusterException("etcd not found: apt-get install etcd-server (or use a running etcd with --etcd-servers URL)");
        }

        using var docker = new DockerEngine(environment);
        var built = await CheckDockerAndImagesAsync(docker, binaries.Directory, cancellationToken).ConfigureAwait(false);

        var specs = ClusterComponents.For(new ClusterLayout(state, home, binaries, etcd, docker.Endpoint));
        // Records of components that are no longer planned and no longer run are history.
        state = state with
        {
            Components = [.. state.Components.Where(c => specs.Any(s => s.Name == c.Name) || ProcFs.IsAlive(c.Pid, c.StartTicks))],
        };
        CheckPortsFree(specs.Where(s => state.Find(s.Name) is not { } r || !ProcFs.IsAlive(r.Pid, r.StartTicks)));
        Directory.CreateDirectory(home.LogDirectory);
        EncryptionConfigFile.Ensure(home.EncryptionConfigFile);
        var pki = home.Pki;
        // A named cluster's kubernetes Service is not at 10.96.0.1 (ProxyIdentity): its API servers' certificate names it too.
        pki.Ensure(state.NodeNames, time, new ExtraSans { ApiServer = [ProxyIdentity.For(state.Name).KubernetesServiceIP] });
        ServiceAccountKeyFiles.Ensure(home);
        var recorder = new ClusterStateRecorder(_store, state);
        recorder.Save();

        var started = await BringUpAsync(specs, recorder, options.Wait, cancellationToken).ConfigureAwait(false);
        ClientConfigFile.Write(home.ConfigFile, recorder.Current.ServerUrl, pki.CaCertificate, pki.Admin);
        Kubeconfig.AddCluster(Kubeconfig.PathFrom(environment), recorder.Current.Name, recorder.Current.ApiHttpUrl, pki.CaCertificate, pki.Admin);
        return new UpResult(recorder.Current, started, built, clock.Elapsed);
    }

    private async Task<IReadOnlyList<string>> CheckDockerAndImagesAsync(DockerEngine docker, string binDirectory, CancellationToken cancellationToken)
    {
        const string DockerStep = "docker";
        progress.Start(DockerStep, "connecting to " + docker.Endpoint);
        try
        {
            var version = await docker.PingAsync(cancellationToken).ConfigureAwait(false);
            progress.Succeed(DockerStep, $"Docker {version} at {docker.Endpoint}");
        }
        catch (ClusterException ex)
        {
            progress.Fail(DockerStep, ex.Message);
            throw;
        }

        const string ImagesStep = "images";
        progress.Start(ImagesStep, "checking " + string.Join(", ", LocalImages.Required));
        try
        {
            var built = await LocalImages.EnsureAsync(docker, binDirectory, cancellationToken).ConfigureAwait(false);
            progress.Succeed(ImagesStep, built.Count == 0 ? "present" : "built " + string.Join(", ", built));
            return built;
        }
        catch (ClusterException ex)
        {
            progress.Fail(ImagesStep, ex.Message.Split('\n')[0]);
            throw;
        }
    }

    /// <summary>Before anything starts: every port a component to start binds must be free.</summary>
    private static void CheckPortsFree(IEnumerable<ComponentSpec> toStart)
    {
        foreach (var spec in toStart)
        {
            foreach (var use in spec.Ports.Where(u => !Ports.IsFree(u.Port)))
            {
                var hint = use.Purpose.StartsWith("API server gRPC", StringComparison.Ordinal) ? "choose another with --api-port, or " : "";
                throw new ClusterException(
                    $"port {use.Port.ToString(CultureInfo.InvariantCulture)} ({use.Purpose}) is already in use by another process: stop it, {hint}start over on new ports with minictl cluster down --purge");
            }
        }
    }

    /// <summary>Every component at once, each as soon as those it waits for are ready; the first failure cancels the rest.</summary>
    private async Task<IReadOnlyList<string>> BringUpAsync(IReadOnlyList<ComponentSpec> specs, ClusterStateRecorder recorder, TimeSpan wait,
        CancellationToken cancellationToken)
    {
        using var probes = new ProbeContext(recorder.Current.ServerUrl, home.Pki.AdminCredentials());
        var starter = new ComponentStarter(recorder, probes, environment, progress, time, time.GetUtcNow() + wait, wait);
        using var abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = new List<string>();
        var tasks = new Dictionary<string, Task>(StringComparer.Ordinal);
        ClusterException? firstFailure = null;
        foreach (var spec in specs)
        {
            var dependencies = spec.After.Where(tasks.ContainsKey).Select(name => tasks[name]).ToArray();
            tasks[spec.Name] = Task.Run(async () =>
            {
                try
                {
                    await Task.WhenAll(dependencies).ConfigureAwait(false);
                    if (await starter.EnsureAsync(spec, abort.Token).ConfigureAwait(false))
                    {
                        lock (started)
                        {
                            started.Add(spec.Name);
                        }
                    }
                }
                catch (ClusterException ex)
                {
                    Interlocked.CompareExchange(ref firstFailure, ex, null);
                    await abort.CancelAsync().ConfigureAwait(false);
                    throw;
                }
            }, abort.Token);
        }
        try
        {
            await Task.WhenAll(tasks.Values).ConfigureAwait(false);
        }
        catch (Exception) when (firstFailure is not null)
        {
            throw firstFailure;
        }
        return [.. specs.Select(s => s.Name).Where(started.Contains)];
    }
}
