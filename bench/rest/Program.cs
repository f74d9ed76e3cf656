using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using MiniKube.Api;
using MiniKube.Bench.Common;
using MiniKube.Testing;

// bench/rest: REST beside gRPC against one in-process API server over a real etcd, in the same run.
//   dotnet run -c Release --project bench/rest [-- PODS LIST_RUNS CREATES CLIENTS WATCHERS PROCESS_RUNS]
// The process rounds run /usr/bin/kubectl and minictl (build it first: dotnet build -c Release src/MiniKube.Cli).
var pods = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1000;
var listRuns = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;
var creates = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 1000;
var clients = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 16;
var watchers = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 1000;
var processRuns = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 10;
// ROUNDS > 1 (with WATCHERS and PROCESS_RUNS 0) repeats only the three create rounds, rotating their order each round.
var createRounds = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 1;

await using var server = await TestApiServer.StartAsync();
using var http = new HttpClient { BaseAddress = new Uri(server.HttpAddress) };
var client = server.Client;
const string ListNs = "bench-list";
await client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = ListNs } });
await Parallel.ForEachAsync(Enumerable.Range(0, pods), new ParallelOptions { MaxDegreeOfParallelism = clients },
    async (i, ct) => await client.CreateAsync(PodNamed("p-" + i.ToString(CultureInfo.InvariantCulture), ListNs), ct));

async Task<double> TimeAsync(Func<Task> action)
{
    var watch = Stopwatch.StartNew();
    await action();
    return watch.Elapsed.TotalMilliseconds;
}

async Task<List<double>> RepeatAsync(int runs, Func<Task> action)
{
    if (runs == 0)
    {
        return [];
    }
    for (var i = 0; i < 3; i++)
    {
        await action(); // warm-up
    }
    var samples = new List<double>();
    for (var i = 0; i < runs; i++)
    {
        samples.Add(await TimeAsync(action));
    }
    return samples;
}

var grpcList = await RepeatAsync(listRuns, async () =>
{
    var list = await client.ListAsync<Pod>(ListNs);
    if (list.Items.Count != pods) throw new InvalidOperationException("gRPC list is short");
});
var restList = await RepeatAsync(listRuns, async () =>
{
    var bytes = await http.GetByteArrayAsync($"/api/v1/namespaces/{ListNs}/pods");
    // Decoded as strictly as the gRPC client decodes (KubeSerializer), item by item.
    using var doc = System.Text.Json.JsonDocument.Parse(bytes);
    var items = doc.RootElement.GetProperty("items").EnumerateArray()
        .Select(e => KubeSerializer.FromJson<Pod>(System.Text.Encoding.UTF8.GetBytes(e.GetRawText()))).ToList();
    if (items.Count != pods) throw new InvalidOperationException("REST list is short");
});
var restTable = await RepeatAsync(listRuns, async () =>
{
    using var request = new HttpRequestMessage(HttpMethod.Get, $"/api/v1/namespaces/{ListNs}/pods?limit=500");
    request.Headers.Accept.Add(MediaTypeWithQualityHeaderValue.Parse("application/json;as=Table;v=v1;g=meta.k8s.io"));
    using var response = await http.SendAsync(request);
    await response.Content.ReadAsByteArrayAsync();
});

async Task<(double PerSecond, List<double> Latencies)> CreatesAsync(string ns, Func<Pod, Task> create)
{
    await client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = ns } });
    var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
    var cpu = CpuTime.Now();
    var (allocated, gen0, gen1, gen2) = (GC.GetTotalAllocatedBytes(), GC.CollectionCount(0), GC.CollectionCount(1), GC.CollectionCount(2));
    var total = Stopwatch.StartNew();
    await Parallel.ForEachAsync(Enumerable.Range(0, creates), new ParallelOptions { MaxDegreeOfParallelism = clients },
        async (i, _) => latencies.Add(await TimeAsync(() => create(PodNamed("c-" + i.ToString(CultureInfo.InvariantCulture), ns)))));
    var perSecond = creates / total.Elapsed.TotalSeconds;
    var after = CpuTime.Now();
    if (createRounds > 1)
    {
        Console.Write($"CPU per create: bench process (client + API server) {((after.Self - cpu.Self).TotalMicroseconds / creates).ToString("0", CultureInfo.InvariantCulture)} µs, "
            + $"etcd {((after.Etcd - cpu.Etcd).TotalMicroseconds / creates).ToString("0", CultureInfo.InvariantCulture)} µs, "
            + $"allocated {((GC.GetTotalAllocatedBytes() - allocated) / creates / 1024.0).ToString("0", CultureInfo.InvariantCulture)} KiB, "
            + $"GCs {GC.CollectionCount(0) - gen0}/{GC.CollectionCount(1) - gen1}/{GC.CollectionCount(2) - gen2}; ");
    }
    return (perSecond, latencies.ToList());
}

// Three wires: gRPC, REST without a manager, and REST as kubectl create sends it (fieldManager=kubectl-create: the server
// records the manager's managedFields entry). With several rounds the order rotates, so no wire always runs first.
var createWires = new (string Name, Func<Pod, Task> Create)[]
{
    ("grpc", p => client.CreateAsync(p)),
    ("rest", p => PostAsync(p)),
    ("rest-managed", p => PostAsync(p, "kubectl-create")),
};
if (args.Length > 7)
{
    // Profiling aid: only the named wires (e.g. rest-managed), the first is still the ratios' base.
    createWires = createWires.Where(w => args[7].Split(',').Contains(w.Name)).ToArray();
}
foreach (var (name, create) in createWires)
{
    await CreatesAsync($"bench-warm-{name}", create);
}
var createResults = createWires.ToDictionary(w => w.Name, _ => new List<(double PerSecond, List<double> Latencies)>());
for (var r = 0; r < createRounds; r++)
{
    for (var w = 0; w < createWires.Length; w++)
    {
        var (name, create) = createWires[(w + r) % createWires.Length];
        var result = await CreatesAsync($"bench-{name}-{r}", create);
        createResults[name].Add(result);
        if (createRounds > 1)
        {
            Console.WriteLine($"round {r} {name}: {result.PerSecond.ToString("0", CultureInfo.InvariantCulture)} creates/s");
        }
    }
}
(double PerSecond, List<double> Latencies) Pooled(string name) =>
    (Median(createResults[name].Select(x => x.PerSecond).ToList()), createResults[name].SelectMany(x => x.Latencies).ToList());
if (createWires.Length < 3)
{
    return;
}
var (grpcCreates, restCreates, managedCreates) = (Pooled("grpc"), Pooled("rest"), Pooled("rest-managed"));
if (createRounds > 1)
{
    foreach (var name in createResults.Keys)
    {
        var perRound = createResults[name].Select((x, i) => x.PerSecond / createResults[createWires[0].Name][i].PerSecond);
        Console.WriteLine($"{name}: ratio to {createWires[0].Name} per round {string.Join(" ", perRound.Select(x => x.ToString("0.00", CultureInfo.InvariantCulture)))}");
    }
}

async Task PostAsync(Pod pod, string? fieldManager = null)
{
    using var content = new ByteArrayContent(KubeSerializer.ToJsonBytes(pod));
    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
    using var response = await http.PostAsync($"/api/v1/namespaces/{pod.Metadata.Namespace}/pods" + (fieldManager is null ? "" : "?fieldManager=" + fieldManager), content);
    if ((int)response.StatusCode != 201) throw new InvalidOperationException("REST create answered " + response.StatusCode);
    await response.Content.ReadAsByteArrayAsync();
}

// kubectl and minictl as processes, as users run them: get of the 1,000 pods, and create -f of a file of 100 objects.
var tools = processRuns == 0 ? null! : CommandLineTools.Find();
await using var kube = processRuns == 0 ? null : await tools.KubeconfigAsync(server.HttpAddress);
var kubectlGet = await RepeatAsync(processRuns, () => tools.KubectlAsync(kube!, "get", "pods", "-n", ListNs));
var minictlGet = await RepeatAsync(processRuns, () => tools.MinictlAsync(server.GrpcAddress, "get", "pods", "-n", ListNs));
var round = 0;
async Task CreateFileAsync(Func<string, Task> run)
{
    var ns = "bench-file-" + (round++).ToString(CultureInfo.InvariantCulture);
    await client.CreateAsync(new Namespace { Metadata = new ObjectMeta { Name = ns } });
    var file = Path.Combine(Path.GetTempPath(), ns + ".yaml");
    await File.WriteAllTextAsync(file, string.Join("---\n", Enumerable.Range(0, 100).Select(i =>
        $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-{i}\n  namespace: {ns}\ndata:\n  key: value-{i}\n")));
    try
    {
        await run(file);
    }
    finally
    {
        File.Delete(file);
    }
}
var kubectlCreate = await RepeatAsync(processRuns, () => CreateFileAsync(f => tools.KubectlAsync(kube!, "create", "-f", f)));
var minictlCreate = await RepeatAsync(processRuns, () => CreateFileAsync(f => tools.MinictlAsync(server.GrpcAddress, "create", "-f", f)));

// Watch fan-out: WATCHERS watches of one namespace on each wire; each write's delivery latency to every watcher.
var (grpcFanOut, restFanOut) = watchers == 0 ? ([], []) : (await WatchFanOut.RunAsync(server, watchers, writes: 20, wire: WatchFanOut.Wire.Grpc),
    await WatchFanOut.RunAsync(server, watchers, writes: 20, wire: WatchFanOut.Wire.Rest));

static double Median(List<double> s) => new Stats(s).Median;
static double Percentile(List<double> s, double p) => new Stats(s).Percentile(p);
static string F(double v) => v.ToString("0.0", CultureInfo.InvariantCulture);

Console.WriteLine($"bench/rest: {pods} pods listed {listRuns}x; {creates} creates with {clients} concurrent clients");
Console.WriteLine("| measurement | median ms | p99 ms | ratio to gRPC (median) |");
Console.WriteLine("|---|---|---|---|");
Console.WriteLine($"| gRPC list {pods} pods (minictl client, strictly decoded) | {F(Median(grpcList))} | {F(Percentile(grpcList, 0.99))} | 1.00 |");
Console.WriteLine($"| REST list {pods} pods (JSON, strictly decoded) | {F(Median(restList))} | {F(Percentile(restList, 0.99))} | {(Median(restList) / Median(grpcList)).ToString("0.00", CultureInfo.InvariantCulture)} |");
Console.WriteLine($"| REST Table of {pods} pods (kubectl get, limit=500 first chunk) | {F(Median(restTable))} | {F(Percentile(restTable, 0.99))} | {(Median(restTable) / Median(grpcList)).ToString("0.00", CultureInfo.InvariantCulture)} |");
Console.WriteLine($"| gRPC create latency | {F(Median(grpcCreates.Latencies))} | {F(Percentile(grpcCreates.Latencies, 0.99))} | 1.00 |");
Console.WriteLine($"| REST create latency | {F(Median(restCreates.Latencies))} | {F(Percentile(restCreates.Latencies, 0.99))} | {(Median(restCreates.Latencies) / Median(grpcCreates.Latencies)).ToString("0.00", CultureInfo.InvariantCulture)} |");
Console.WriteLine($"| REST create latency with fieldManager (managedFields recorded) | {F(Median(managedCreates.Latencies))} | {F(Percentile(managedCreates.Latencies, 0.99))} | {(Median(managedCreates.Latencies) / Median(grpcCreates.Latencies)).ToString("0.00", CultureInfo.InvariantCulture)} |");
Console.WriteLine($"creates/s: gRPC {F(grpcCreates.PerSecond)}, REST {F(restCreates.PerSecond)} (ratio {(restCreates.PerSecond / grpcCreates.PerSecond).ToString("0.00", CultureInfo.InvariantCulture)}), "
    + $"REST with fieldManager {F(managedCreates.PerSecond)} (ratio {(managedCreates.PerSecond / grpcCreates.PerSecond).ToString("0.00", CultureInfo.InvariantCulture)})");
if (processRuns == 0 || watchers == 0)
{
    return;
}
Console.WriteLine($"| kubectl get pods ({pods} pods, process, warm discovery cache) | {F(Median(kubectlGet))} | {F(Percentile(kubectlGet, 0.99))} | {(Median(kubectlGet) / Median(minictlGet)).ToString("0.00", CultureInfo.InvariantCulture)} × minictl |");
Console.WriteLine($"| minictl get pods ({pods} pods, process) | {F(Median(minictlGet))} | {F(Percentile(minictlGet, 0.99))} | 1.00 |");
Console.WriteLine($"| kubectl create -f (100 ConfigMaps, process) | {F(Median(kubectlCreate))} | {F(Percentile(kubectlCreate, 0.99))} | {(Median(kubectlCreate) / Median(minictlCreate)).ToString("0.00", CultureInfo.InvariantCulture)} × minictl |");
Console.WriteLine($"| minictl create -f (100 ConfigMaps, process) | {F(Median(minictlCreate))} | {F(Percentile(minictlCreate, 0.99))} | 1.00 |");
Console.WriteLine($"| gRPC watch fan-out to {watchers} watchers, write → event (20 writes) | {F(Median(grpcFanOut))} | {F(Percentile(grpcFanOut, 0.99))} | 1.00 |");
Console.WriteLine($"| REST watch fan-out to {watchers} watchers, write → event (20 writes) | {F(Median(restFanOut))} | {F(Percentile(restFanOut, 0.99))} | {(Median(restFanOut) / Median(grpcFanOut)).ToString("0.00", CultureInfo.InvariantCulture)} |");

static Pod PodNamed(string name, string ns) => new()
{
    Metadata = new ObjectMeta { Name = name, Namespace = ns, Labels = new Dictionary<string, string> { ["app"] = "bench" } },
    Spec = new PodSpec { Containers = [new Container { Name = "main", Image = "minikube/busybox:1.0" }] },
};
