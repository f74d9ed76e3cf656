using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using MiniKube.Api;
using MiniKube.Bench.Common;
using MiniKube.Client;
using MiniKube.Testing;

namespace MiniKube.Bench.Encryption;

internal sealed record BenchSettings(int Clients, int Secrets, int Rounds, int DataBytes, string? Etcd);

/// <summary>
/// One etcd, one API server process per configuration (none, identity, aesgcm, aescbc, none again as a control), each
/// under its own key prefix.
/// Every round creates the same number of Secrets through each server in turn (the order rotating per round); the table sums the rounds, so a noisy
/// neighbour on a shared machine costs every configuration alike. The baseline is the server without a configuration.
/// </summary>
internal static class EncryptionBenchmark
{
    private sealed record Configuration(string Name, string? Providers);

    private static readonly Configuration[] Configurations =
    [
        new("no --encryption-provider-config (baseline)", null),
        new("identity", "- identity: {}"),
        new("aesgcm (32-byte key)", $"- aesgcm: {{keys: [{{name: key1, secret: \"{Key()}\"}}]}}"),
        new("aescbc (32-byte key)", $"- aescbc: {{keys: [{{name: key1, secret: \"{Key()}\"}}]}}"),
        // The same as the baseline in another process: how far two identical servers differ in this run (the noise floor).
        new("no --encryption-provider-config, second process (control)", null),
    ];

    private static string Key() => Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    public static async Task RunAsync(BenchSettings settings, TextWriter output, CancellationToken ct)
    {
        EtcdServer? ownEtcd = null;
        var endpoint = settings.Etcd;
        if (endpoint is null)
        {
            ownEtcd = await EtcdServer.StartAsync(ct);
            endpoint = ownEtcd.ClientUrl;
        }
        var directory = Directory.CreateTempSubdirectory("bench-encryption-").FullName;
        var servers = new List<(Configuration Config, ComponentProcess Process, MiniKubeClient[] Clients)>();
        try
        {
            foreach (var config in Configurations)
            {
                var args = new List<string> { "--etcd-prefix", $"/bench-enc-{servers.Count}-{Guid.NewGuid():N}" };
                if (config.Providers is { } providers)
                {
                    var path = Path.Combine(directory, $"config-{servers.Count}.yaml");
                    await File.WriteAllTextAsync(path, $"""
                        apiVersion: apiserver.config.k8s.io/v1
                        kind: EncryptionConfiguration
                        resources:
                          - resources: [secrets]
                            providers:
                              {providers}
                        """, ct);
                    args.AddRange(["--encryption-provider-config", path]);
                }
                var (process, address) = await ComponentProcess.StartApiServerAsync(endpoint, ct, args);
                servers.Add((config, process, [.. Enumerable.Range(0, settings.Clients).Select(_ => new MiniKubeClient(address))]));
            }
            output.WriteLine($"etcd {endpoint}, {servers.Count} minikube-apiserver processes, {Environment.ProcessorCount} cores, " +
                $"{settings.Clients} clients, {settings.Rounds} rounds × {settings.Secrets} Secrets of {settings.DataBytes} bytes per configuration");

            var data = RandomNumberGenerator.GetBytes(settings.DataBytes);
            // Warm-up: JIT, connections, the first writes of each prefix.
            foreach (var server in servers)
            {
                await CreateSecretsAsync(server.Clients, "warmup", Math.Min(1_000, settings.Secrets), data, ct);
            }
            var results = servers.Select(_ => new List<(double Seconds, double[] Latencies)>()).ToArray();
            for (var round = 0; round < settings.Rounds; round++)
            {
                for (var s = 0; s < servers.Count; s++)
                {
                    // Rotate the order per round: over as many rounds as configurations, each runs once in every position.
                    var index = (s + round) % servers.Count;
                    results[index].Add(await CreateSecretsAsync(servers[index].Clients, $"round-{round}", settings.Secrets, data, ct));
                }
            }

            var rows = results.Select(r => (PerSecond: r.Sum(x => x.Latencies.Length) / r.Sum(x => x.Seconds), Latency: new Stats(r.SelectMany(x => x.Latencies)))).ToArray();
            output.WriteLine();
            output.WriteLine("| Secret create over gRPC | creates/s | p50 ms | p99 ms | vs. baseline (throughput) | vs. baseline (p99) |");
            output.WriteLine("|---|---:|---:|---:|---:|---:|");
            for (var i = 0; i < rows.Length; i++)
            {
                output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {servers[i].Config.Name} | {rows[i].PerSecond:F0} | {rows[i].Latency.Median:F2} | {rows[i].Latency.P99:F2} | {rows[i].PerSecond / rows[0].PerSecond:F2}× | {rows[i].Latency.P99 / rows[0].Latency.P99:F2}× |"));
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                foreach (var client in server.Clients)
                {
                    client.Dispose();
                }
                await server.Process.DisposeAsync();
            }
            Directory.Delete(directory, recursive: true);
            if (ownEtcd is not null)
            {
                await ownEtcd.DisposeAsync();
            }
        }
    }

    private static async Task<(double Seconds, double[] Latencies)> CreateSecretsAsync(MiniKubeClient[] clients, string prefix, int count, byte[] data,
        CancellationToken ct)
    {
        var next = -1;
        var latencies = new double[count];
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(clients.Select(client => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < count)
            {
                var secret = new Secret
                {
                    Metadata = new ObjectMeta { Name = $"{prefix}-{i:D6}", Namespace = "default" },
                    Data = new Dictionary<string, byte[]> { ["payload"] = data },
                };
                var started = Stopwatch.GetTimestamp();
                await client.CreateAsync(secret, ct);
                latencies[i] = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            }
        }, ct)));
        return (clock.Elapsed.TotalSeconds, latencies);
    }
}
