using System.CommandLine;
using MiniKube.Bench.ApiServer;

var clients = new Option<int>("--clients") { Description = "Concurrent clients creating pods", DefaultValueFactory = _ => 64 };
var pods = new Option<int>("--pods") { Description = "Pods to create in the measured run", DefaultValueFactory = _ => 10_000 };
var watchers = new Option<int>("--watchers") { Description = "Watchers for the fan-out measurement", DefaultValueFactory = _ => 1_000 };
var events = new Option<int>("--watch-events") { Description = "Writes observed by every watcher", DefaultValueFactory = _ => 50 };
var etcd = new Option<string?>("--etcd") { Description = "Use this etcd instead of starting a private one" };
var root = new RootCommand("bench/apiserver: pod creates/s and watch fan-out latency against a real API server and etcd")
{
    clients, pods, watchers, events, etcd,
};
root.SetAction(async (parse, ct) =>
{
    var settings = new BenchSettings(parse.GetValue(clients), parse.GetValue(pods), parse.GetValue(watchers), parse.GetValue(events), parse.GetValue(etcd));
    await ApiServerBenchmark.RunAsync(settings, Console.Out, ct);
    return 0;
});
return await root.Parse(args).InvokeAsync();
