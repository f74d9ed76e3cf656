using System.Globalization;
using System.Text.Json;
using MiniKube.Api;
using MiniKube.Testing;

namespace MiniKube.Cli.Tests;

/// <summary>
/// Optimistic concurrency through minictl: 1,000 read-modify-writes of one object by concurrent minictl runs, each a
/// <c>get -o json</c> and a merge patch pinned to the version it read, retried when minictl reports the Conflict.
/// </summary>
public sealed class ConflictingWriteTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    [Fact]
    public async Task A_thousand_concurrent_minictl_read_modify_writes_lose_nothing_and_every_loser_is_told_Conflict()
    {
        var ns = await fixture.NewNamespaceAsync();
        await fixture.Client.CreateAsync(TestObjects.ConfigMap("counter", ns, "0"));
        var conflicts = 0;
        var otherFailures = new List<string>();

        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (_, ct) =>
        {
            while (true)
            {
                var read = await fixture.Cli().RunAsync(["get", "configmap", "counter", "-n", ns, "-o", "json"], input: null, ct);
                Assert.True(read.ExitCode == 0, read.ToString());
                using var current = JsonDocument.Parse(read.Out);
                var version = current.RootElement.GetProperty("metadata").GetProperty("resourceVersion").GetString();
                var next = int.Parse(current.RootElement.GetProperty("data").GetProperty("key").GetString()!, CultureInfo.InvariantCulture) + 1;
                var patch = $$$"""{"metadata":{"resourceVersion":"{{{version}}}"},"data":{"key":"{{{next.ToString(CultureInfo.InvariantCulture)}}}"}}""";
                var write = await fixture.Cli().RunAsync(["patch", "configmap", "counter", "-n", ns, "--type", "merge", "-p", patch], input: null, ct);
                if (write.ExitCode == 0)
                {
                    return;
                }
                if (write.ExitCode == 1 && write.Err.Contains("the object has been modified; please apply your changes to the latest version and try again", StringComparison.Ordinal))
                {
                    Interlocked.Increment(ref conflicts);
                    continue;
                }
                lock (otherFailures)
                {
                    otherFailures.Add(write.ToString());
                }
                return;
            }
        });

        Assert.Empty(otherFailures);
        Assert.Equal("1000", (await fixture.Client.GetAsync<ConfigMap>("counter", ns)).Data!["key"]);
        Assert.True(conflicts > 0, "8 concurrent minictl writers of one object never conflicted: the test did not contend");
    }
}
