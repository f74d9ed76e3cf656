using System.CommandLine;
using MiniKube.Bench.Dashboard;

var writes = new Option<int>("--writes") { Description = "Writes whose arrival on the open page is timed", DefaultValueFactory = _ => 100 };
var pods = new Option<int>("--pods") { Description = "Pods for the page-load measurement", DefaultValueFactory = _ => 1000 };
var loads = new Option<int>("--loads") { Description = "Page loads to time", DefaultValueFactory = _ => 10 };
var root = new RootCommand("bench/dashboard: write → page latency, page load with many pods, idle memory of minikube-dashboard") { writes, pods, loads };
root.SetAction(async (parse, ct) =>
{
    await DashboardBenchmark.RunAsync(parse.GetValue(writes), parse.GetValue(pods), parse.GetValue(loads), Console.Out, ct);
    return 0;
});
return await root.Parse(args).InvokeAsync();
