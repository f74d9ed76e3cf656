using System.Security.Cryptography;
using System.Text;
using MiniKube.Api;
using MiniKube.Testing;
using static MiniKube.Testing.TestObjects;

namespace MiniKube.ApiServer.Tests;

/// <summary>
/// Secrets through a real API server with <c>--encryption-provider-config</c>, and etcd read with <c>etcdctl</c> as an
/// attacker with a copy of etcd would: ciphertext with Kubernetes' prefix, never the secret's data.
/// </summary>
public sealed class EncryptionAtRestTests : IDisposable
{
    private static readonly string OldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string NewKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly string _directory = Directory.CreateTempSubdirectory("minikube-encryption-").FullName;

    public void Dispose() => Directory.Delete(_directory, recursive: true);

    private string WriteConfig(string name, params string[] providers)
    {
        var path = Path.Combine(_directory, name + ".yaml");
        File.WriteAllText(path, $"""
            apiVersion: apiserver.config.k8s.io/v1
            kind: EncryptionConfiguration
            resources:
              - resources: [secrets]
                providers:
            {string.Concat(providers.Select(p => "      - " + p + "\n"))}
            """);
        return path;
    }

    private static string Aes(string type, params (string Name, string Secret)[] keys) =>
        type + ": {keys: [" + string.Join(", ", keys.Select(k => $"{{name: {k.Name}, secret: \"{k.Secret}\"}}")) + "]}";

    private static Task<TestApiServer> StartAsync(string config, string? prefix = null) =>
        TestApiServer.StartAsync(prefix: prefix, configure: o => o.EncryptionProviderConfig = config);

    private static Secret NewSecret(string name, string password) => new()
    {
        Metadata = new ObjectMeta { Name = name, Namespace = "default" },
        StringData = new Dictionary<string, string> { ["password"] = password },
    };

    private static Task<string> RawAsync(TestApiServer server, string key) => Etcdctl.GetValueAsync(server.EtcdEndpoint, $"{server.EtcdPrefix}/{key}");

    private static string Password(Secret secret) => Encoding.UTF8.GetString(secret.Data!["password"]);

    [Theory]
    [InlineData("aesgcm")]
    [InlineData("aescbc")]
    public async Task A_secret_is_ciphertext_in_etcd_and_plaintext_through_get_list_and_watch(string type)
    {
        await using var server = await StartAsync(WriteConfig("config", Aes(type, ("key1", OldKey))));
        var password = "hunter2-" + Guid.NewGuid().ToString("N");
        using var watchStop = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var watched = server.Client.WatchAsync<Secret>("default", fieldSelector: "metadata.name=db", cancellationToken: watchStop.Token)
            .FirstAsync(e => e.Type == "ADDED", watchStop.Token);

        await server.Client.CreateAsync(NewSecret("db", password));
        await server.Client.CreateAsync(ConfigMap("plain", "default"));

        var raw = await RawAsync(server, "secrets/default/db");
        Assert.StartsWith($"k8s:enc:{type}:v1:key1:", raw, StringComparison.Ordinal);
        Assert.DoesNotContain(password, raw, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes(password))[..16], raw, StringComparison.Ordinal);
        Assert.DoesNotContain("\"kind\"", raw, StringComparison.Ordinal);
        // Only the listed resources: a ConfigMap stays JSON.
        Assert.StartsWith("{", await RawAsync(server, "configmaps/default/plain"), StringComparison.Ordinal);

        Assert.Equal(password, Password(await server.Client.GetAsync<Secret>("db", "default")));
        Assert.Equal(password, Password(Assert.Single((await server.Client.ListAsync<Secret>("default", fieldSelector: "metadata.name=db")).Items)));
        Assert.Equal(password, Password((await watched).Object));

        // An update is encrypted too, and a restarted server (cold watch cache, listing from etcd) reads it.
        var current = await server.Client.GetAsync<Secret>("db", "default");
        await server.Client.UpdateAsync(current with { Data = new Dictionary<string, byte[]> { ["password"] = "changed"u8.ToArray() } });
        Assert.StartsWith($"k8s:enc:{type}:v1:key1:", await RawAsync(server, "secrets/default/db"), StringComparison.Ordinal);
        await using var second = await StartAsync(WriteConfig("config", Aes(type, ("key1", OldKey))), server.EtcdPrefix);
        Assert.Equal("changed", Password(await second.Client.GetAsync<Secret>("db", "default")));
    }

    [Fact]
    public async Task Key_rotation_reads_old_data_with_the_old_key_and_writes_with_the_first_provider()
    {
        string prefix;
        await using (var first = await StartAsync(WriteConfig("old", Aes("aesgcm", ("old", OldKey)))))
        {
            prefix = first.EtcdPrefix;
            await first.Client.CreateAsync(NewSecret("by-old", "p-old"));
        }

        // The new key first, the old one still listed: old data reads, new writes use the new key.
        await using (var rotated = await StartAsync(WriteConfig("rotated", Aes("aesgcm", ("new", NewKey), ("old", OldKey))), prefix))
        {
            Assert.Equal("p-old", Password(await rotated.Client.GetAsync<Secret>("by-old", "default")));
            await rotated.Client.CreateAsync(NewSecret("by-new", "p-new"));
            Assert.StartsWith("k8s:enc:aesgcm:v1:new:", await RawAsync(rotated, "secrets/default/by-new"), StringComparison.Ordinal);
            Assert.StartsWith("k8s:enc:aesgcm:v1:old:", await RawAsync(rotated, "secrets/default/by-old"), StringComparison.Ordinal);
        }

        // Decrypting: identity first writes plaintext, and still reads what either key encrypted while the keys are listed.
        await using var decrypting = await StartAsync(WriteConfig("decrypting", "identity: {}", Aes("aesgcm", ("new", NewKey), ("old", OldKey))), prefix);
        Assert.Equal("p-old", Password(await decrypting.Client.GetAsync<Secret>("by-old", "default")));
        Assert.Equal("p-new", Password(await decrypting.Client.GetAsync<Secret>("by-new", "default")));
        await decrypting.Client.CreateAsync(NewSecret("plain", "p-plain"));
        Assert.Contains("\"kind\":\"Secret\"", await RawAsync(decrypting, "secrets/default/plain"), StringComparison.Ordinal);
        Assert.Equal(["by-new", "by-old", "plain"], (await decrypting.Client.ListAsync<Secret>("default")).Items.Select(s => s.Metadata.Name).Order());
    }

    [Fact]
    public void A_bad_configuration_file_stops_the_server_with_the_file_and_field_named()
    {
        var path = WriteConfig("bad", Aes("aesgcm", ("k", Convert.ToBase64String(new byte[10]))));
        var parse = ApiServerCommandLine.CreateRootCommand().Parse(["--encryption-provider-config", path]);
        var (options, problems) = ApiServerCommandLine.ToOptions(parse);
        Assert.Null(options);
        Assert.Equal(
            $"--encryption-provider-config: error while parsing encryption provider configuration file \"{path}\": error while parsing file: " +
            "resources[0].providers[0].aesgcm.keys[0].secret: Invalid value: \"REDACTED\": secret is not of the expected length, got 10, expected one of [16 24 32]",
            Assert.Single(problems));

        var missing = Path.Combine(_directory, "missing.yaml");
        Assert.Contains($"\"{missing}\"", Assert.Single(ApiServerCommandLine.ToOptions(ApiServerCommandLine.CreateRootCommand().Parse(["--encryption-provider-config", missing])).Problems),
            StringComparison.Ordinal);
    }
}
