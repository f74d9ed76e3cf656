using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using MiniKube.Api;
using MiniKube.Proxy;
using MiniKube.Testing;
using Serilog;
using MiniKube.Bench.Common;

// bench/services: run as root (iptables, a bridge, a route). Arguments: [services=1000] [endpoints-per-service=10] [changes=40] [requests=500] [dns-seconds=10]
var args2 = args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray();
int Arg(int i, int fallback) => args2.Length > i ? args2[i] : fallback;
var services = Arg(0, 1000);
var perService = Arg(1, 10);
var changes = Arg(2, 40);
var requests = Arg(3, 500);
var dnsSeconds = Arg(4, 10);

var id = Convert.ToHexString(Guid.NewGuid().ToByteArray().AsSpan(0, 3));
var gateway = ProxyHost.BridgeAddress("docker0") ?? throw new InvalidOperationException("docker0 has no IPv4 address");
var options = new ProxyOptions
{
    NodeName = "bench",
    ServiceClusterIPRange = ServiceCidr.Parse("10.96.160.0/20"),
    ClusterDnsIP = IPAddress.Parse("10.96.160.10"),
    DnsBindAddress = IPAddress.Loopback,
    DnsPort = FreePort.Get(),
    ChainPrefix = "MKB" + id,
    BridgeName = "mkb" + id.ToLowerInvariant(),
};
await using var api = await TestApiServer.StartAsync();
options = options with { Server = api.GrpcAddress };
var container = "mkb-" + id.ToLowerInvariant();
ProxyHost? proxy = null;
string? dnsmasqHosts = null;
Process? dnsmasq = null;
// One iptables-restore --noflush of a single empty chain of ours: what any partial sync pays at least, at this rule count.
async Task<double> ProbeRestoreAsync()
{
    var samples = new List<double>();
    for (var p = 0; p < 10; p++)
    {
        var one = Stopwatch.StartNew();
        await new Iptables().RestoreAsync($"*nat\n:{options.ChainPrefix}-PROBE - [0:0]\nCOMMIT\n");
        samples.Add(one.Elapsed.TotalMilliseconds);
    }
    return new Stats(samples).Median;
}
string LoadAverage() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
try
{
    var probeEmpty = await ProbeRestoreAsync();
    Console.WriteLine($"creating {services} Services with {perService} endpoints each (hollow: API objects only) …");
    string ServiceIP(int i) => $"10.96.{161 + i / 250}.{1 + i % 250}";
    EndpointSlice Slice(int i, int generation) => new()
    {
        Metadata = new ObjectMeta { Name = $"s{i}-x", Namespace = "default", Labels = new Dictionary<string, string> { [WellKnownLabels.ServiceName] = $"s{i}" } },
        AddressType = AddressTypes.IPv4,
        Endpoints = [.. Enumerable.Range(0, perService).Select(e => new Endpoint
        {
            Addresses = [$"10.244.{(i * perService + e + generation) / 250 % 250}.{1 + (i * perService + e + generation) % 250}"],
            Conditions = new EndpointConditions { Ready = true },
        })],
        Ports = [new EndpointSlicePort { Name = "http", Port = 8080, Protocol = "TCP" }],
    };
    var create = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, services), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
    {
        await api.Client.CreateAsync(new Service
        {
            Metadata = new ObjectMeta { Name = $"s{i}", Namespace = "default" },
            Spec = new ServiceSpec { ClusterIP = ServiceIP(i), Ports = [new ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = IntOrString.FromInt(8080) }] },
        }, ct);
        await api.Client.CreateAsync(Slice(i, 0), ct);
    });
    Console.WriteLine($"  created in {create.Elapsed.TotalSeconds:0.0} s");

    SyncResult? firstFull = null;
    var partials = new List<SyncResult>();
    var checks = new List<SyncResult>();
    Microsoft.Extensions.Logging.ILoggerFactory loggers = Environment.GetEnvironmentVariable("MINIKUBE_BENCH_VERBOSE") is { Length: > 0 }
        ? new Serilog.Extensions.Logging.SerilogLoggerFactory(new Serilog.LoggerConfiguration().MinimumLevel.Debug().WriteTo.Console(outputTemplate: "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext} {Message:lj}{NewLine}{Exception}").CreateLogger())
        : NullLoggerFactory.Instance;
    proxy = ProxyHost.Create(options, loggers);
    proxy.Proxier.Synced += r =>
    {
        firstFull ??= r.Full && r.Ports.Count >= services ? r : null;
        lock (partials)
        {
            if (!r.Full && r.ChainsWritten + r.ChainsDeleted > 0)
            {
                partials.Add(r);
            }
            if (r.Repaired is not null)
            {
                checks.Add(r);
            }
        }
    };
    var fullLoad = LoadAverage();
    await proxy.StartAsync(CancellationToken.None);
    await Eventually.WaitAsync(() => Task.FromResult(firstFull is not null), TimeSpan.FromSeconds(300), "a full sync of every service");
    var probeFull = await ProbeRestoreAsync();
    var changeLoad = LoadAverage();
    lock (partials)
    {
        partials.Clear();
    }

    // Programming latency: one slice changes (an endpoint replaced); time until a sync containing it has been restored.
    var latencies = new List<double>();
    for (var c = 0; c < changes; c++)
    {
        var i = Random.Shared.Next(services);
        var existing = await api.Client.GetAsync<EndpointSlice>($"s{i}-x", "default");
        var changed = Slice(i, 100_000 + c);
        var wanted = changed.Endpoints![0].Addresses[0];
        var done = new TaskCompletionSource<DateTime>(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnSynced(SyncResult r)
        {
            if (r.Ports.Any(p => p.Name == $"s{i}" && p.Endpoints.Any(e => e.Ip == wanted)))
            {
                done.TrySetResult(DateTime.UtcNow);
            }
        }
        proxy.Proxier.Synced += OnSynced;
        var start = DateTime.UtcNow;
        await api.Client.UpdateAsync(changed with { Metadata = changed.Metadata with { ResourceVersion = existing.Metadata.ResourceVersion } });
        var end = await done.Task.WaitAsync(TimeSpan.FromSeconds(300));
        proxy.Proxier.Synced -= OnSynced;
        latencies.Add((end - start).TotalMilliseconds);
        if ((end - start).TotalMilliseconds > 300)
        {
            // With MINIKUBE_BENCH_VERBOSE=1 the proxy's timestamped log shows where such a change spent its time.
            Console.WriteLine($"  slow change s{i}: updated at {start:HH:mm:ss.fff}, programmed at {end:HH:mm:ss.fff}");
        }
        // Changes arrive one at a time, each after the min sync interval (1 s), as kube-proxy's latency SLI is measured.
        await Task.Delay(options.MinSyncPeriod + TimeSpan.FromMilliseconds(Random.Shared.Next(50, 250)));
    }
    var changeLoadEnd = LoadAverage();
    var natRules = (await HostCommand.RunAsync("iptables-save", ["-t", "nat"])).EnsureSuccess().StandardOutput.Split('\n').Count(l => l.Contains(options.ChainPrefix + "-", StringComparison.Ordinal));

    // ClusterIP vs pod IP: one busybox httpd, the same number of sequential requests (each a new connection) both ways.
    (await DockerCli.RunAsync("run", "-d", "--name", container, "minikube/busybox:1.0", "sh", "-c", "mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www")).EnsureSuccess();
    var podIP = (await DockerCli.InspectAsync(container)).GetProperty("NetworkSettings").GetProperty("IPAddress").GetString()!;
    await api.Client.CreateAsync(new Service
    {
        Metadata = new ObjectMeta { Name = "real", Namespace = "default" },
        Spec = new ServiceSpec { ClusterIP = "10.96.160.20", Ports = [new ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = IntOrString.FromInt(8080) }] },
    });
    await api.Client.CreateAsync(new EndpointSlice
    {
        Metadata = new ObjectMeta { Name = "real-x", Namespace = "default", Labels = new Dictionary<string, string> { [WellKnownLabels.ServiceName] = "real" } },
        AddressType = AddressTypes.IPv4,
        Endpoints = [new Endpoint { Addresses = [podIP], Conditions = new EndpointConditions { Ready = true } }],
        Ports = [new EndpointSlicePort { Name = "http", Port = 8080, Protocol = "TCP" }],
    });
    using var http = new HttpClient(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.Zero }) { Timeout = TimeSpan.FromSeconds(5) };
    async Task<string?> Get(string url)
    {
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url);
            request.Headers.ConnectionClose = true;
            using var response = await http.SendAsync(request);
            return (await response.Content.ReadAsStringAsync()).Trim();
        }
        catch (HttpRequestException)
        {
            return null;
        }
    }
    await Eventually.WaitAsync(async () => await Get("http://10.96.160.20/") == "ok" && await Get($"http://{podIP}:8080/") == "ok", TimeSpan.FromSeconds(30), "httpd via pod IP and ClusterIP");
    // Pod IP and ClusterIP requests interleaved (which goes first alternates), so load that comes and goes during the run
    // falls on both paths alike; req/s of a path is its requests over the time spent in them (sequential, one at a time).
    async Task<((double Rps, Stats Latency) Direct, (double Rps, Stats Latency) Service)> Interleaved(string direct, string service)
    {
        for (var w = 0; w < 50; w++)
        {
            await Get(direct);
            await Get(service);
        }
        var samples = new[] { new List<double>(), new List<double>() };
        var urls = new[] { direct, service };
        for (var r = 0; r < requests; r++)
        {
            for (var k = 0; k < 2; k++)
            {
                var which = (r + k) % 2;
                var one = Stopwatch.StartNew();
                if (await Get(urls[which]) != "ok")
                {
                    throw new InvalidOperationException($"{urls[which]} failed");
                }
                samples[which].Add(one.Elapsed.TotalMilliseconds);
            }
        }
        (double, Stats) Of(List<double> s) => (s.Count / (s.Sum() / 1000), new Stats(s));
        return (Of(samples[0]), Of(samples[1]));
    }
    var (direct, viaService) = await Interleaved($"http://{podIP}:8080/", "http://10.96.160.20/");
    var (direct2, viaService2) = await Interleaved($"http://{podIP}:8080/", "http://10.96.160.20/");

    // DNS: the cluster DNS (bound on 127.0.0.1) and dnsmasq answering the same A record from a hosts file.
    const string Name = "s1.default.svc.cluster.local";
    dnsmasqHosts = Path.GetTempFileName();
    await File.WriteAllTextAsync(dnsmasqHosts, $"{ServiceIP(1)} {Name}\n");
    var dnsmasqPort = FreePort.Get();
    dnsmasq = Process.Start(new ProcessStartInfo("dnsmasq", ["--keep-in-foreground", "--no-resolv", "--no-hosts", $"--addn-hosts={dnsmasqHosts}",
        $"--port={dnsmasqPort}", "--listen-address=127.0.0.1", "--bind-interfaces", "--cache-size=1000", "--user=root"]) { RedirectStandardError = true })!;
    var dnsLoad = LoadAverage();
    var ours = await DnsLoad(options.DnsPort);
    var theirs = await DnsLoad(dnsmasqPort);
    var ours2 = await DnsLoad(options.DnsPort);
    var theirs2 = await DnsLoad(dnsmasqPort);
    var dnsLoadEnd = LoadAverage();

    Console.WriteLine();
    Console.WriteLine($"| measurement ({services} Services, {services * perService} endpoints, {natRules} nat rules) | median | p99 | other |");
    Console.WriteLine("| --- | --- | --- | --- |");
    var l = new Stats(latencies);
    Console.WriteLine($"| endpoint change → rules restored ({changes} changes, load {changeLoad} → {changeLoadEnd}) | {l.Median:0} ms | {l.P99:0} ms | max {l.Max:0} ms |");
    List<SyncResult> partialList, checkList;
    lock (partials)
    {
        partialList = [.. partials];
        checkList = [.. checks];
    }
    var partialTimes = new Stats([.. partialList.Select(r => r.Duration.TotalMilliseconds)]);
    var partialCpu = new Stats([.. partialList.Select(r => r.Cpu.TotalMilliseconds)]);
    Console.WriteLine($"| one partial sync ({partialList.Count} syncs that wrote) | {partialTimes.Median:0} ms | {partialTimes.P99:0} ms | CPU median {partialCpu.Median:0} ms |");
    Console.WriteLine($"| one full sync (load {fullLoad}) | {firstFull!.Duration.TotalMilliseconds:0} ms wall | | {firstFull.Cpu.TotalMilliseconds:0} ms CPU of the proxy process; {firstFull.ChainsWritten} chains |");
    Console.WriteLine($"| periodic drift check ({checkList.Count} applied, in the background) | {(checkList.Count == 0 ? double.NaN : new Stats([.. checkList.Select(r => r.CheckDuration!.Value.TotalMilliseconds)]).Median):0} ms dump | | chains repaired: {string.Join(",", checkList.Select(r => r.Repaired))} |");
    Console.WriteLine($"| iptables-restore of one empty chain | {probeEmpty:0.0} ms with no rules of ours | | {probeFull:0.0} ms with {natRules} nat rules |");
    foreach (var (label, d, s) in new[] { ("run 1", direct, viaService), ("run 2", direct2, viaService2) })
    {
        Console.WriteLine($"| HTTP pod IP ({label}, {requests} requests interleaved with the ClusterIP ones, new connection each) | {d.Latency.Median:0.00} ms | {d.Latency.P99:0.00} ms | {d.Rps:0} req/s |");
        Console.WriteLine($"| HTTP ClusterIP ({label}) | {s.Latency.Median:0.00} ms | {s.Latency.P99:0.00} ms | {s.Rps:0} req/s = {s.Rps / d.Rps:0.00}× pod IP |");
    }
    foreach (var (label, o, t) in new[] { ("run 1", ours, theirs), ("run 2", ours2, theirs2) })
    {
        Console.WriteLine($"| DNS cluster DNS ({label}, dnsperf {dnsSeconds} s, load {dnsLoad} → {dnsLoadEnd}) | {o.Seq.Median:0.000} ms | {o.Seq.P99:0.000} ms | {o.Qps:0} qps, avg {o.AvgMs:0.000} ms (sequential p50/p99 from a raw UDP client) |");
        Console.WriteLine($"| DNS dnsmasq ({label}, same record) | {t.Seq.Median:0.000} ms | {t.Seq.P99:0.000} ms | {t.Qps:0} qps, avg {t.AvgMs:0.000} ms |");
        Console.WriteLine($"| DNS ratio ({label}) | | | {o.Qps / t.Qps:0.00}× dnsmasq qps |");
    }
    return 0;

    async Task<(double Qps, double AvgMs, Stats Seq)> DnsLoad(int port)
    {
        // Sequential latency with a small raw UDP client, then dnsperf for throughput.
        var query = Query(Name);
        using var udp = new UdpClient();
        udp.Connect(IPAddress.Loopback, port);
        var samples = new List<double>();
        for (var q = 0; q < 2000; q++)
        {
            var one = Stopwatch.StartNew();
            await udp.SendAsync(query);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            var reply = await udp.ReceiveAsync(cts.Token);
            if ((reply.Buffer[3] & 0x0F) != 0 || reply.Buffer[7] == 0)
            {
                throw new InvalidOperationException($"DNS on port {port} did not answer {Name}");
            }
            if (q >= 200)
            {
                samples.Add(one.Elapsed.TotalMilliseconds);
            }
        }
        var input = Path.GetTempFileName();
        await File.WriteAllTextAsync(input, Name + " A\n");
        var perf = await HostCommand.RunAsync("dnsperf", ["-s", "127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "-d", input, "-l", dnsSeconds.ToString(CultureInfo.InvariantCulture), "-c", "4", "-Q", "100000"]);
        File.Delete(input);
        perf.EnsureSuccess();
        double Field(string label)
        {
            var line = perf.StandardOutput.Split('\n').First(x => x.Contains(label, StringComparison.Ordinal));
            var number = line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Trim().Split(' ')[0];
            return double.Parse(number, CultureInfo.InvariantCulture);
        }
        return (Field("Queries per second"), Field("Average Latency") * 1000, new Stats(samples));
    }
}
finally
{
    if (proxy is not null)
    {
        await proxy.DisposeAsync();
    }
    await ProxyHost.CleanupAsync(options);
    await DockerCli.RunAsync("rm", "--force", container);
    if (dnsmasq is { HasExited: false })
    {
        dnsmasq.Kill();
    }
    if (dnsmasqHosts is not null)
    {
        File.Delete(dnsmasqHosts);
    }
}

static byte[] Query(string name)
{
    var packet = new List<byte> { 0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0 };
    foreach (var label in name.Split('.'))
    {
        packet.Add((byte)label.Length);
        packet.AddRange(Encoding.ASCII.GetBytes(label));
    }
    packet.AddRange([0, 0, 1, 0, 1]);
    return [.. packet];
}
