using System.Globalization;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Testing;
using static MiniKube.Testing.TestObjects;

namespace MiniKube.ApiServer.Tests;

/// <summary>Optimistic concurrency under contention: many writers of one object, no update lost, every loser told Conflict.</summary>
public sealed class ConflictingUpdateTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private MiniKubeClient Client => fixture.Server.Client;

    [Fact]
    public async Task A_thousand_concurrent_read_modify_writes_lose_nothing_and_every_loser_gets_Conflict()
    {
        var ns = await fixture.NewNamespaceAsync();
        await Client.CreateAsync(ConfigMap("counter", ns, "0"));
        var conflicts = 0;
        var otherErrors = new List<string>();

        // 1,000 increments, 64 writers at a time, each a get + update on the read resourceVersion, retried on Conflict.
        await Parallel.ForEachAsync(Enumerable.Range(0, 1000), new ParallelOptions { MaxDegreeOfParallelism = 64 }, async (_, ct) =>
        {
            while (true)
            {
                var current = await Client.GetAsync<ConfigMap>("counter", ns, ct);
                var next = int.Parse(current.Data!["key"], CultureInfo.InvariantCulture) + 1;
                try
                {
                    await Client.UpdateAsync(current with { Data = new Dictionary<string, string> { ["key"] = next.ToString(CultureInfo.InvariantCulture) } }, ct);
                    return;
                }
                catch (ApiException ex) when (ex.IsConflict)
                {
                    Interlocked.Increment(ref conflicts);
                }
                catch (ApiException ex)
                {
                    lock (otherErrors)
                    {
                        otherErrors.Add($"{ex.Status.Code} {ex.Status.Reason}: {ex.Message}");
                    }
                    return;
                }
            }
        });

        Assert.Empty(otherErrors);
        Assert.Equal("1000", (await Client.GetAsync<ConfigMap>("counter", ns)).Data!["key"]);
        Assert.True(conflicts > 0, "64 concurrent writers of one object never conflicted: the test did not contend");
    }

    [Fact]
    public async Task Concurrent_merge_patches_of_one_object_all_land()
    {
        // A patch carries no resourceVersion: the server retries its own read-modify-write, so none is lost or refused.
        var ns = await fixture.NewNamespaceAsync();
        await Client.CreateAsync(ConfigMap("shared", ns));

        await Parallel.ForEachAsync(Enumerable.Range(0, 200), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, ct) =>
            await Client.PatchAsync<ConfigMap>("shared", ns, $$$"""{"data":{"k{{{i}}}":"v{{{i}}}"}}""", cancellationToken: ct));

        var data = (await Client.GetAsync<ConfigMap>("shared", ns)).Data!;
        Assert.Equal(201, data.Count);
        Assert.All(Enumerable.Range(0, 200), i => Assert.Equal("v" + i, data["k" + i]));
    }
}
