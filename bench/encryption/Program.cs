using System.CommandLine;
using MiniKube.Bench.Encryption;

var clients = new Option<int>("--clients") { Description = "Concurrent clients creating Secrets", DefaultValueFactory = _ => 32 };
var secrets = new Option<int>("--secrets") { Description = "Secrets each configuration creates per round", DefaultValueFactory = _ => 3_000 };
var rounds = new Option<int>("--rounds") { Description = "Rounds; the configurations take turns, each in every position once per 4 rounds, so drift on a shared machine hits all alike", DefaultValueFactory = _ => 4 };
var size = new Option<int>("--data-bytes") { Description = "Bytes of data in each Secret", DefaultValueFactory = _ => 1024 };
var etcd = new Option<string?>("--etcd") { Description = "Use this etcd instead of starting a private one" };
var root = new RootCommand("bench/encryption: Secret creates/s and latency with encryption at rest (aesgcm, aescbc) beside identity and no configuration")
{
    clients, secrets, rounds, size, etcd,
};
root.SetAction(async (parse, ct) =>
{
    var settings = new BenchSettings(parse.GetValue(clients), parse.GetValue(secrets), parse.GetValue(rounds), parse.GetValue(size), parse.GetValue(etcd));
    await EncryptionBenchmark.RunAsync(settings, Console.Out, ct);
    return 0;
});
return await root.Parse(args).InvokeAsync();
