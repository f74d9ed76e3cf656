using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MiniKube.Api;
using MiniKube.Bench.Common;
using MiniKube.Client;
using MiniKube.Security;
using MiniKube.Testing;

namespace MiniKube.Bench.Security;

internal sealed record BenchSettings(int Clients, int Pods, int Rounds, TimeSpan Pause);

/// <summary>
/// One plaintext etcd and one etcd with client TLS, four API server processes: plaintext without authentication
/// (AlwaysAllow, the baseline), TLS with <c>--client-ca-file</c>, <c>--token-auth-file</c> and <c>--authorization-mode RBAC</c>
/// (two rows: a client certificate, a bearer token), the same over the TLS etcd, and a second plaintext server (the control:
/// how far two identical servers differ in this run). The secure rows' user is bound by a RoleBinding to a Role that may
/// create pods in the benchmark namespace, so RBAC evaluates every create (no system:masters short cut). Every round
/// creates the same pods through each row in turn, in a fresh order per round; the table sums the rounds.
/// </summary>
internal static class SecurityBenchmark
{
    private const string Namespace = "bench";
    private const string User = "bench-user";
    private const string Token = "bench-token-0123456789";
    private const string Account = "bench-sa";

    private sealed record Row(string Name, MiniKubeClient[] Clients);

    public static async Task RunAsync(BenchSettings settings, TextWriter output, CancellationToken ct)
    {
        var directory = Directory.CreateTempSubdirectory("bench-security-").FullName;
        using var ca = CertificateAuthority.Create("bench-ca");
        var files = await WriteFilesAsync(ca, directory, ct);
        await using var etcd = await EtcdServer.StartAsync(ct);
        await using var tlsEtcd = await TlsEtcd.StartAsync(ct);
        var processes = new List<ComponentProcess>();
        var rows = new List<Row>();
        using var admin = ca.IssueClient("bench-admin", ["system:masters"]);
        using var userCertificate = ca.IssueClient(User, ["bench-group"]);
        X509Certificate2Collection roots = [ca.Certificate];
        try
        {
            async Task<string> StartAsync(string etcdUrl, IEnumerable<string> args)
            {
                var (process, address) = await ComponentProcess.StartApiServerAsync(etcdUrl, ct, ["--etcd-prefix", $"/bench-sec-{processes.Count}-{Guid.NewGuid():N}", .. args]);
                processes.Add(process);
                return address;
            }
            MiniKubeClient[] Clients(string address, ClientCredentials? credentials) =>
                [.. Enumerable.Range(0, settings.Clients).Select(_ => new MiniKubeClient(address, credentials))];

            var plain = await StartAsync(etcd.ClientUrl, []);
            var secure = await StartAsync(etcd.ClientUrl, files.SecureArguments);
            var secureOverTlsEtcd = await StartAsync(tlsEtcd.ClientUrl, [.. files.SecureArguments, .. tlsEtcd.ApiServerArguments.Skip(2)]);
            var control = await StartAsync(etcd.ClientUrl, []);
            await PrepareAsync(new MiniKubeClient(plain), ct);
            await PrepareAsync(new MiniKubeClient(control), ct);
            foreach (var address in new[] { secure, secureOverTlsEtcd })
            {
                await PrepareAsync(new MiniKubeClient(address, new ClientCredentials { ClientCertificate = admin, CertificateAuthorities = roots }), ct);
            }
            var byCertificate = new ClientCredentials { ClientCertificate = userCertificate, CertificateAuthorities = roots };
            var byToken = new ClientCredentials { BearerToken = Token, CertificateAuthorities = roots };
            var byAccountToken = new ClientCredentials { BearerToken = await AccountTokenAsync(secure, admin, roots, ct), CertificateAuthorities = roots };
            rows.Add(new("plaintext, no authentication, AlwaysAllow (baseline)", Clients(plain, null)));
            rows.Add(new("TLS + x509 client certificate + RBAC", Clients(secure, byCertificate)));
            rows.Add(new("TLS + bearer token + RBAC", Clients(secure, byToken)));
            rows.Add(new("TLS + ServiceAccount token (JWT) + RBAC", Clients(secure, byAccountToken)));
            rows.Add(new("TLS + x509 client certificate + RBAC, etcd over TLS", Clients(secureOverTlsEtcd, byCertificate)));
            rows.Add(new("plaintext, second process (control)", Clients(control, null)));
            foreach (var row in rows.Skip(1).Take(4))
            {
                await WaitBoundAsync(row.Clients[0], ct);
            }
            output.WriteLine($"{processes.Count} minikube-apiserver processes over 2 etcds, {Environment.ProcessorCount} cores, " +
                $"{settings.Clients} clients per row (one HTTP/2 connection each), {settings.Rounds} rounds × {settings.Pods} pods per row, {settings.Pause.TotalSeconds:0.#} s between rows");

            // Warm-up: JIT, connections and TLS sessions, the first writes of each prefix.
            foreach (var row in rows)
            {
                await CreatePodsAsync(row.Clients, $"warmup-{rows.IndexOf(row)}", Math.Min(500, settings.Pods), ct);
            }
            var results = rows.Select(_ => new List<(double Seconds, double[] Latencies)>()).ToArray();
            // A row runs slower right after a fast row on the same etcd (etcd and that server still digest its writes): with a
            // fixed cyclic order the plaintext baseline always followed the plaintext control and measured ~1.5× slower than
            // it, and a seeded shuffle still let one row follow the same neighbours more often than others. So the rounds
            // follow a Williams design (every row follows every other row equally often over a full cycle of rounds) and
            // every row starts after a pause that lets the previous one's background work finish.
            var orders = WilliamsOrders(rows.Count);
            for (var round = 0; round < settings.Rounds; round++)
            {
                foreach (var index in orders[round % orders.Count])
                {
                    await Task.Delay(settings.Pause, ct);
                    results[index].Add(await CreatePodsAsync(rows[index].Clients, $"r{round}-{index}", settings.Pods, ct));
                }
            }
            if (settings.Rounds % orders.Count != 0)
            {
                output.WriteLine($"note: {settings.Rounds} rounds is not a multiple of {orders.Count}, so the order is not fully balanced");
            }

            var table = results.Select(r => (PerSecond: r.Sum(x => x.Latencies.Length) / r.Sum(x => x.Seconds), Latency: new Stats(r.SelectMany(x => x.Latencies)))).ToArray();
            // Each round's own ratio (a row against the baseline of the same round), so slow and fast stretches of a shared
            // machine cancel out; the median of those is the figure to read, the spread says how far to trust it.
            var ratios = results.Select(r => new Stats(r.Select((x, round) => Rate(x) / Rate(results[0][round])))).ToArray();
            output.WriteLine();
            output.WriteLine("| pod create over gRPC | creates/s | p50 ms | p99 ms | vs. baseline (throughput, all rounds) | median of round ratios | round ratios min–max | vs. baseline (p99) |");
            output.WriteLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            for (var i = 0; i < table.Length; i++)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {rows[i].Name} | {table[i].PerSecond:F0} | {table[i].Latency.Median:F2} | {table[i].Latency.P99:F2} | {table[i].PerSecond / table[0].PerSecond:F2}× | **{ratios[i].Median:F2}×** | {ratios[i].Percentile(0):F2}–{ratios[i].Max:F2} | {table[i].Latency.P99 / table[0].Latency.P99:F2}× |"));
            }
            output.WriteLine();
            output.WriteLine("load average (1, 5, 15 min) at the end: " + LoadAverage());
        }
        finally
        {
            foreach (var client in rows.SelectMany(r => r.Clients))
            {
                client.Dispose();
            }
            foreach (var process in processes)
            {
                await process.DisposeAsync();
            }
            Directory.Delete(directory, recursive: true);
        }
    }

    private sealed record Files(IReadOnlyList<string> SecureArguments);

    private static async Task<Files> WriteFilesAsync(CertificateAuthority ca, string directory, CancellationToken ct)
    {
        string At(string name) => Path.Combine(directory, name);
        await File.WriteAllTextAsync(At("ca.crt"), ca.Certificate.ExportCertificatePem() + "\n", ct);
        using (var serving = ca.IssueServing("minikube-apiserver", ["localhost"], [IPAddress.Loopback]))
        {
            PemFiles.Write(serving, At("apiserver.crt"), At("apiserver.key"));
        }
        await File.WriteAllTextAsync(At("tokens.csv"), $"{Token},{User},1001,\"bench-group\"\n", ct);
        return new Files([
            "--tls-cert-file", At("apiserver.crt"), "--tls-private-key-file", At("apiserver.key"), "--client-ca-file", At("ca.crt"),
            "--token-auth-file", At("tokens.csv"), "--authorization-mode", "RBAC",
        ]);
    }

    /// <summary>The namespace, and (on an RBAC server) a Role that may create pods in it bound to the benchmark user.</summary>
    private static async Task PrepareAsync(MiniKubeClient admin, CancellationToken ct)
    {
        using (admin)
        {
            await admin.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = Namespace } }, ct);
            await admin.CreateAsync(new Role
            {
                Metadata = new ObjectMeta { Name = "pod-creator", Namespace = Namespace },
                Rules = [new PolicyRule { Verbs = ["create"], ApiGroups = [""], Resources = ["pods"] }],
            }, ct);
            await admin.CreateAsync(new RoleBinding
            {
                Metadata = new ObjectMeta { Name = "bench-user-creates-pods", Namespace = Namespace },
                RoleRef = new RoleRef { ApiGroup = RbacGroup.Name, Kind = "Role", Name = "pod-creator" },
                Subjects = [new Subject { Kind = "User", ApiGroup = RbacGroup.Name, Name = User }],
            }, ct);
        }
    }

    /// <summary>Until the server's RBAC watch has the binding, the user's creates are Forbidden.</summary>
    private static async Task WaitBoundAsync(MiniKubeClient client, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await client.CreateAsync(TestObjects.Pod($"bound-probe-{Guid.NewGuid():N}"[..24], Namespace), ct);
                return;
            }
            catch (ApiException ex) when (ex.Status.Code == 403 && deadline.Elapsed < TimeSpan.FromSeconds(30))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), ct);
            }
        }
    }

    private static double Rate((double Seconds, double[] Latencies) run) => run.Latencies.Length / run.Seconds;

    /// <summary>
    /// Orders of <paramref name="n"/> rows in which each row follows every other row equally often: Williams' Latin square
    /// (0, 1, n-1, 2, n-2, … shifted by one per round), with the mirrored orders as well when n is odd.
    /// </summary>
    internal static IReadOnlyList<int[]> WilliamsOrders(int n)
    {
        var first = new int[n];
        for (int i = 0, low = 1, high = n - 1; i < n; i++)
        {
            first[i] = i == 0 ? 0 : i % 2 == 1 ? low++ : high--;
        }
        var orders = Enumerable.Range(0, n).Select(shift => first.Select(x => (x + shift) % n).ToArray()).ToList();
        if (n % 2 == 1)
        {
            orders.AddRange(orders.Select(o => o.Reverse().ToArray()).ToList());
        }
        return orders;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(", ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    /// <summary>A ServiceAccount in the benchmark namespace, bound to the pod creator Role, and a token TokenRequest signs for it.</summary>
    private static async Task<string> AccountTokenAsync(string address, X509Certificate2 admin, X509Certificate2Collection roots, CancellationToken ct)
    {
        using var client = new MiniKubeClient(address, new ClientCredentials { ClientCertificate = admin, CertificateAuthorities = roots });
        await client.CreateAsync(new ServiceAccount { Metadata = new ObjectMeta { Name = Account, Namespace = Namespace } }, ct);
        await client.CreateAsync(new RoleBinding
        {
            Metadata = new ObjectMeta { Name = "bench-sa-creates-pods", Namespace = Namespace },
            RoleRef = new RoleRef { ApiGroup = RbacGroup.Name, Kind = "Role", Name = "pod-creator" },
            Subjects = [new Subject { Kind = RbacGroup.ServiceAccountKind, Name = Account, Namespace = Namespace }],
        }, ct);
        var answer = await client.CreateTokenAsync(Namespace, Account, new TokenRequest { Spec = new TokenRequestSpec { ExpirationSeconds = TokenRequest.DefaultExpirationSeconds } }, ct);
        return answer.Status?.Token ?? throw new InvalidOperationException("TokenRequest answered without status.token");
    }

    private static async Task<(double Seconds, double[] Latencies)> CreatePodsAsync(MiniKubeClient[] clients, string prefix, int count, CancellationToken ct)
    {
        var next = -1;
        var latencies = new double[count];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(client => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var pod = TestObjects.Pod($"{prefix}-{i:D6}", Namespace);
                var started = Stopwatch.GetTimestamp();
                await client.CreateAsync(pod, ct);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }, ct)));
        return (clock.Elapsed.TotalSeconds, latencies);
    }
}
