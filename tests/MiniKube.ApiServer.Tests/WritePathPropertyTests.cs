using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using CsCheck;
using MiniKube.Api;
using MiniKube.Testing;
using static MiniKube.Testing.TestObjects;

namespace MiniKube.ApiServer.Tests;

/// <summary>
/// Damaged objects sent to a real API server over REST as creates, updates and patches: every answer is a success or a
/// 4xx Status (never a 5xx or a dropped connection), exactly the accepted creates are stored, and a refused update or
/// patch leaves the object as it was.
/// </summary>
public sealed class WritePathPropertyTests(ApiServerFixture fixture) : IClassFixture<ApiServerFixture>
{
    private static readonly KubeObject[] SeedObjects =
    [
        Pod("p"),
        ConfigMap("c", value: "v"),
        new Service
        {
            Metadata = new ObjectMeta { Name = "s" },
            Spec = new ServiceSpec { Selector = new Dictionary<string, string> { ["app"] = "web" }, Ports = [new ServicePort { Port = 80 }] },
        },
    ];

    [Fact]
    public async Task Damaged_creates_get_a_status_never_a_server_error_and_only_accepted_ones_are_stored()
    {
        var ns = await fixture.NewNamespaceAsync();
        var seeds = SeedObjects.Select(o => KubeSerializer.ToJson(o)).ToList();
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };
        var accepted = new int[seeds.Count];
        var answers = new Dictionary<int, int>();

        await ManifestMutations.Of(seeds).SampleAsync(async damaged =>
        {
            var resource = ResourceRegistry.ByType(SeedObjects[damaged.Seed].GetType());
            using var request = new HttpRequestMessage(HttpMethod.Post, CollectionPath(resource, ns)) { Content = new ByteArrayContent(damaged.Bytes) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            request.Headers.ExpectContinue = true;
            using var response = await http.SendAsync(request);
            var code = (int)response.StatusCode;
            lock (answers)
            {
                answers[code] = answers.GetValueOrDefault(code) + 1;
            }
            Assert.True(code is 201 or (>= 400 and < 500), $"HTTP {code}: {await response.Content.ReadAsStringAsync()}");
            if (code == 201)
            {
                Interlocked.Increment(ref accepted[damaged.Seed]);
                return;
            }
            var status = KubeSerializer.FromJson<Status>(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(("Failure", code), (status.Outcome, status.Code));
            Assert.False(string.IsNullOrEmpty(status.Message), "a refusal without a message");
        }, iter: 300, threads: 1);

        Assert.True(answers.Where(a => a.Key >= 400).Sum(a => a.Value) > 100, "too few damaged requests were refused: " + string.Join(", ", answers));
        for (var i = 0; i < SeedObjects.Length; i++)
        {
            var resource = ResourceRegistry.ByType(SeedObjects[i].GetType());
            var (items, _) = await fixture.Client.ListAsync(resource, ns, null, null, CancellationToken.None);
            Assert.True(accepted[i] == items.Count, $"{resource.Plural}: {accepted[i]} creates accepted, {items.Count} stored");
        }
    }

    [Theory]
    [InlineData("PUT", "application/json")]
    [InlineData("PATCH", "application/merge-patch+json")]
    [InlineData("PATCH", "application/strategic-merge-patch+json")]
    public async Task Damaged_updates_and_patches_get_a_status_never_a_server_error_and_a_refused_one_changes_nothing(string method, string contentType)
    {
        var ns = await fixture.NewNamespaceAsync();
        var seeds = SeedObjects.Select(o => KubeSerializer.ToJson(o)).ToList();
        foreach (var seed in SeedObjects)
        {
            await fixture.Client.CreateAsync(seed with { Metadata = seed.Metadata with { Namespace = ns } }, dryRun: false);
        }
        using var http = new HttpClient { BaseAddress = new Uri(fixture.Server.HttpAddress) };
        var answers = new Dictionary<int, int>();

        await ManifestMutations.Of(seeds).SampleAsync(async damaged =>
        {
            var seed = SeedObjects[damaged.Seed];
            var resource = ResourceRegistry.ByType(seed.GetType());
            var before = await fixture.Client.GetAsync(resource, seed.Metadata.Name!, ns, CancellationToken.None);
            using var request = new HttpRequestMessage(new HttpMethod(method), CollectionPath(resource, ns) + "/" + seed.Metadata.Name)
            {
                Content = new ByteArrayContent(damaged.Bytes),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            using var response = await http.SendAsync(request);
            var code = (int)response.StatusCode;
            answers[code] = answers.GetValueOrDefault(code) + 1;
            Assert.True(code is 200 or (>= 400 and < 500), $"{method} {contentType}: HTTP {code}: {await response.Content.ReadAsStringAsync()}");
            var after = await fixture.Client.GetAsync(resource, seed.Metadata.Name!, ns, CancellationToken.None);
            if (code == 200)
            {
                var answered = (KubeObject)KubeSerializer.FromJson(await response.Content.ReadAsByteArrayAsync(), resource.Type);
                Assert.Equal(after.Metadata.ResourceVersion, answered.Metadata.ResourceVersion);
                return;
            }
            var status = KubeSerializer.FromJson<Status>(await response.Content.ReadAsByteArrayAsync());
            Assert.Equal(("Failure", code), (status.Outcome, status.Code));
            Assert.False(string.IsNullOrEmpty(status.Message), "a refusal without a message");
            Assert.True(before.Metadata.ResourceVersion == after.Metadata.ResourceVersion,
                $"a refused {method} ({code} {status.Message}) changed {resource.Plural}/{seed.Metadata.Name}");
        }, iter: 200, threads: 1);

        Assert.True(answers.Where(a => a.Key >= 400).Sum(a => a.Value) > 50, "too few damaged requests were refused: " + string.Join(", ", answers));
    }

    private static string CollectionPath(ResourceInfo resource, string ns) =>
        (resource.Group.Length == 0 ? "/api/" + resource.Version : $"/apis/{resource.Group}/{resource.Version}") + $"/namespaces/{ns}/{resource.Plural}";
}
