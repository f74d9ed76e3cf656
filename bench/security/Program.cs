using System.CommandLine;
using MiniKube.Bench.Security;

var clients = new Option<int>("--clients") { Description = "Concurrent clients creating pods, per row", DefaultValueFactory = _ => 32 };
var pods = new Option<int>("--pods") { Description = "Pods each row creates per round", DefaultValueFactory = _ => 2_000 };
var rounds = new Option<int>("--rounds") { Description = "Rounds; the rows take turns in a balanced order (each row follows every other equally often over 6 rounds), so drift on a shared machine hits all alike", DefaultValueFactory = _ => 6 };
var pause = new Option<double>("--pause") { Description = "Seconds between two rows, for etcd and the previous server to finish the last row's background work", DefaultValueFactory = _ => 2 };
var root = new RootCommand("bench/security: pod creates/s and latency over gRPC with TLS + x509, static token or ServiceAccount token authentication + RBAC beside plaintext without authentication")
{
    clients, pods, rounds, pause,
};
root.SetAction(async (parse, ct) =>
{
    await SecurityBenchmark.RunAsync(new BenchSettings(parse.GetValue(clients), parse.GetValue(pods), parse.GetValue(rounds), TimeSpan.FromSeconds(parse.GetValue(pause))), Console.Out, ct);
    return 0;
});
return await root.Parse(args).InvokeAsync();
