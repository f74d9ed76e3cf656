using System.Diagnostics;
using System.Security.Cryptography.X509Certificates;
using MiniKube.Security;

namespace MiniKube.Testing;

/// <summary>
/// A private, throw-away etcd process on free loopback ports with its own data directory.
/// Tests that need to control etcd itself (restart, compaction, isolation) use one of these;
/// tests that just need a store use <see cref="SharedEtcd"/>.
/// </summary>
public sealed class EtcdServer : IAsyncDisposable
{
    /// <summary>Where data directories go; ./test.sh points it into its run directory so leftovers are found.</summary>
    public const string TempRootVariable = "MINIKUBE_TEST_TMPDIR";

    private const string NotFoundMessage = "etcd not found: install etcd-server (apt-get install etcd-server) or run ./test.sh";
    private const int StartAttempts = 3;
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(10);

    private readonly ProcessOutputBuffer _output;
    private readonly ProcessStartInfo _startInfo;
    private readonly EtcdTlsFiles? _tls;
    private Process _process;
    private int _disposed;

    private EtcdServer(Process process, ProcessStartInfo startInfo, ProcessOutputBuffer output, string dataDir, int clientPort, int peerPort,
        EtcdTlsFiles? tls)
    {
        _tls = tls;
        _process = process;
        _startInfo = startInfo;
        _output = output;
        DataDir = dataDir;
        ClientPort = clientPort;
        PeerPort = peerPort;
        ProcessId = process.Id;
    }

    /// <summary>The client endpoint, e.g. <c>http://127.0.0.1:23791</c> (https with TLS).</summary>
    public string ClientUrl => $"{(_tls is null ? "http" : "https")}://127.0.0.1:{ClientPort}";

    public int ClientPort { get; }

    public int PeerPort { get; }

    public int ProcessId { get; private set; }

    public string DataDir { get; }

    /// <summary>The last lines etcd wrote to stdout/stderr, for failure messages.</summary>
    public string RecentOutput => _output.Snapshot();

    public static Task<EtcdServer> StartAsync(CancellationToken cancellationToken = default) => StartAsync([], cancellationToken);

    /// <summary>A private etcd with extra flags (for example <c>--quota-backend-bytes</c>).</summary>
    public static async Task<EtcdServer> StartAsync(IReadOnlyList<string> extraArguments, CancellationToken cancellationToken = default) =>
        (await StartClusterAsync(1, extraArguments, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// A private etcd serving clients over TLS only (<c>--cert-file</c>, <c>--key-file</c>) and requiring a client certificate
    /// from <see cref="EtcdTlsFiles.CAFile"/> (<c>--client-cert-auth --trusted-ca-file</c>); see <see cref="TlsEtcd"/>.
    /// </summary>
    public static async Task<EtcdServer> StartAsync(EtcdTlsFiles tls, CancellationToken cancellationToken = default) =>
        (await StartClusterAsync(1, [], tls, cancellationToken).ConfigureAwait(false))[0];

    /// <summary>
    /// A private etcd cluster of <paramref name="members"/> members (real Raft: one <c>--initial-cluster</c> of them all,
    /// on loopback ports). Each member can be killed and restarted on its own; a majority keeps the cluster writable.
    /// </summary>
    public static Task<IReadOnlyList<EtcdServer>> StartClusterAsync(int members, IReadOnlyList<string> extraArguments,
        CancellationToken cancellationToken = default) => StartClusterAsync(members, extraArguments, tls: null, cancellationToken);

    private static async Task<IReadOnlyList<EtcdServer>> StartClusterAsync(int members, IReadOnlyList<string> extraArguments, EtcdTlsFiles? tls,
        CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(members, 1);
        var executable = FindExecutable() ?? throw new FileNotFoundException(NotFoundMessage);
        string? previousFailure = null;
        for (var attempt = 1; attempt <= StartAttempts; attempt++)
        {
            try
            {
                return await TryStartClusterAsync(executable, members, extraArguments, tls, cancellationToken).ConfigureAwait(false);
            }
            catch (PortInUseException ex)
            {
                // Free ports are only free when probed; another process may have taken one since.
                previousFailure = ex.Message;
            }
        }

        throw new InvalidOperationException(
            $"etcd could not bind free ports in {StartAttempts} attempts; last failure: {previousFailure}");
    }

    private sealed record Member(string Name, string DataDir, int ClientPort, int PeerPort, bool Tls)
    {
        public string ClientUrl => $"{(Tls ? "https" : "http")}://127.0.0.1:{ClientPort}";

        public string PeerUrl => $"http://127.0.0.1:{PeerPort}";
    }

    private static async Task<IReadOnlyList<EtcdServer>> TryStartClusterAsync(string executable, int count, IReadOnlyList<string> extraArguments,
        EtcdTlsFiles? tls, CancellationToken cancellationToken)
    {
        var members = Enumerable.Range(0, count).Select(_ =>
        {
            var dataDir = NewDataDirPath();
            return new Member(Path.GetFileName(dataDir), dataDir, FreePort.Get(), FreePort.Get(), tls is not null);
        }).ToList();
        var initialCluster = string.Join(',', members.Select(m => $"{m.Name}={m.PeerUrl}"));
        var servers = new List<EtcdServer>();
        try
        {
            // All at once: a member of a cluster is healthy only once a majority runs.
            foreach (var member in members)
            {
                servers.Add(Launch(executable, member, initialCluster, token: members[0].Name, extraArguments, tls));
            }
            foreach (var server in servers)
            {
                await server.WaitHealthyAsync(cancellationToken).ConfigureAwait(false);
            }
            return servers;
        }
        catch
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }
            foreach (var member in members.Skip(servers.Count))
            {
                DeleteDirectory(member.DataDir);
            }
            throw;
        }
    }

    private static EtcdServer Launch(string executable, Member member, string initialCluster, string token, IReadOnlyList<string> extraArguments,
        EtcdTlsFiles? tls)
    {
        var startInfo = new ProcessStartInfo(executable)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        foreach (var argument in new[]
                 {
                     "--name", member.Name,
                     "--data-dir", member.DataDir,
                     "--listen-client-urls", member.ClientUrl,
                     "--advertise-client-urls", member.ClientUrl,
                     "--listen-peer-urls", member.PeerUrl,
                     "--initial-advertise-peer-urls", member.PeerUrl,
                     "--initial-cluster", initialCluster,
                     "--initial-cluster-state", "new",
                     "--initial-cluster-token", token,
                     "--logger", "zap",
                     "--log-outputs", "stderr",
                 }.Concat(tls is null ? [] : ["--cert-file", tls.ServerCertFile, "--key-file", tls.ServerKeyFile, "--trusted-ca-file", tls.CAFile, "--client-cert-auth"])
                 .Concat(extraArguments))
        {
            startInfo.ArgumentList.Add(argument);
        }

        var output = new ProcessOutputBuffer();
        Process process;
        try
        {
            process = Launch(startInfo, output);
        }
        catch
        {
            DeleteDirectory(member.DataDir);
            throw;
        }
        return new EtcdServer(process, startInfo, output, member.DataDir, member.ClientPort, member.PeerPort, tls);
    }

    private static Process Launch(ProcessStartInfo startInfo, ProcessOutputBuffer output)
    {
        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => output.Add(e.Data);
        process.ErrorDataReceived += (_, e) => output.Add(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            throw;
        }
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>
    /// <c>kill -9</c> of etcd, then the same etcd again — same data directory, name and ports — once it is healthy.
    /// What etcd acknowledged before the kill must still be there (it fsyncs its WAL before answering).
    /// </summary>
    public async Task KillAndRestartAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        KillTree();
        using (var timeout = new CancellationTokenSource(StopTimeout))
        {
            await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        _process.Dispose();
        _process = Launch(_startInfo, _output);
        ProcessId = _process.Id;
        await WaitHealthyAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient(HealthHandler()) { Timeout = TimeSpan.FromSeconds(2) };
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(20);
        var lastAnswer = "no answer yet";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (_process.HasExited)
            {
                var log = RecentOutput;
                var message = $"etcd (pid {ProcessId}) exited with code {_process.ExitCode} before becoming healthy on {ClientUrl}; output:\n{log}";
                throw log.Contains("address already in use", StringComparison.OrdinalIgnoreCase)
                    ? new PortInUseException(message)
                    : new InvalidOperationException(message);
            }

            try
            {
                using var response = await http.GetAsync(new Uri(ClientUrl + "/health"), cancellationToken).ConfigureAwait(false);
                var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                // Compare without whitespace: the JSON is tiny and its spacing is not a contract.
                if (body.Replace(" ", "", StringComparison.Ordinal).Contains("\"health\":\"true\"", StringComparison.Ordinal))
                {
                    return;
                }

                lastAnswer = $"HTTP {(int)response.StatusCode}: {body}";
            }
            catch (HttpRequestException ex)
            {
                lastAnswer = ex.Message;
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                lastAnswer = "health request timed out";
            }

            if (clock.Elapsed > StartTimeout)
            {
                throw new TimeoutException(
                    $"etcd (pid {ProcessId}) did not become healthy on {ClientUrl} within {StartTimeout.TotalSeconds} s; " +
                    $"last /health answer: {lastAnswer}; output:\n{RecentOutput}");
            }

            await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 200));
        }
    }

    /// <summary>Over TLS, /health too wants a client certificate and is checked against the test CA only.</summary>
    private SocketsHttpHandler HealthHandler()
    {
        var handler = new SocketsHttpHandler();
        if (_tls is not null)
        {
            var client = PemFiles.ReadCertificateWithKey(_tls.ClientCertFile, _tls.ClientKeyFile);
            handler.SslOptions.ClientCertificates = [client];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => client;
            var policy = new X509ChainPolicy { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck };
            policy.CustomTrustStore.AddRange(PemFiles.ReadBundle(_tls.CAFile));
            handler.SslOptions.CertificateChainPolicy = policy;
        }
        return handler;
    }

    /// <summary>Runs <c>etcdctl</c> (Debian's etcd-client) against this server, as an operator would; fails on a non-zero exit.</summary>
    public Task<string> EtcdctlAsync(params string[] arguments) =>
        Etcdctl.RunAsync(ClientUrl, _tls is null ? arguments : ["--cacert", _tls.CAFile, "--cert", _tls.ClientCertFile, "--key", _tls.ClientKeyFile, .. arguments]);

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            KillTree();
            using var timeout = new CancellationTokenSource(StopTimeout);
            try
            {
                await _process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"etcd (pid {ProcessId}) did not exit within {StopTimeout.TotalSeconds} s of SIGKILL");
            }
        }
        finally
        {
            _process.Dispose();
            DeleteDirectory(DataDir);
        }
    }

    /// <summary>Synchronous stop for process-exit handlers, where awaiting is not possible.</summary>
    internal void Stop()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        try
        {
            KillTree();
            _process.WaitForExit(StopTimeout);
        }
        finally
        {
            _process.Dispose();
            DeleteDirectory(DataDir);
        }
    }

    private void KillTree()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Already exited: nothing to kill.
        }
    }

    private static string? FindExecutable()
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, "etcd");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return File.Exists("/usr/bin/etcd") ? "/usr/bin/etcd" : null;
    }

    private static string NewDataDirPath()
    {
        var root = Environment.GetEnvironmentVariable(TempRootVariable);
        if (string.IsNullOrWhiteSpace(root))
        {
            root = Path.GetTempPath();
        }

        root = Path.GetFullPath(root);
        Directory.CreateDirectory(root);
        // etcd creates the directory itself, with the owner-only mode it insists on.
        return Path.Combine(root, "etcd-" + Guid.NewGuid().ToString("N")[..8]);
    }

    private static void DeleteDirectory(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
    }

    private sealed class PortInUseException(string message) : Exception(message);
}
