using System.Security.Cryptography;
using System.Text;
using MiniKube.Storage;

namespace MiniKube.Storage.Tests;

public sealed class EncryptionConfigurationTests
{
    private static readonly string Key16 = Convert.ToBase64String(new byte[16]);
    private static readonly string Key32 = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly byte[] EtcdKey = "/registry/secrets/default/db"u8.ToArray();

    private static string Config(string providers, string resources = "[secrets]") => $"""
        apiVersion: apiserver.config.k8s.io/v1
        kind: EncryptionConfiguration
        resources:
          - resources: {resources}
            providers:
        {providers}
        """;

    private static string Aes(string type, params (string Name, string Secret)[] keys) =>
        $"      - {type}:\n          keys:\n" + string.Concat(keys.Select(k => $"            - name: {k.Name}\n              secret: {k.Secret}\n"));

    private static string Error(string text) => Assert.Throws<EncryptionConfigurationException>(() => EncryptionConfiguration.Parse(text)).Message;

    [Fact]
    public void A_valid_file_maps_its_resources_to_their_providers_in_order()
    {
        var config = EncryptionConfiguration.Parse(Config(Aes("aesgcm", ("new", Key32), ("old", Key16)) + "      - identity: {}\n", "[secrets, deployments.apps]"));
        var chain = config.For("secrets")!;
        Assert.Equal(["k8s:enc:aesgcm:v1:new:", "k8s:enc:aesgcm:v1:old:", ""], chain.Transformers.Select(t => Encoding.UTF8.GetString(t.Prefix.Span)));
        Assert.Same(chain, config.For("deployments"));
        Assert.Null(config.For("configmaps"));
    }

    [Fact]
    public void Star_dot_star_covers_every_resource_after_the_named_ones()
    {
        var config = EncryptionConfiguration.Parse("""
            apiVersion: apiserver.config.k8s.io/v1
            kind: EncryptionConfiguration
            resources:
              - resources: [configmaps]
                providers: [{identity: {}}]
              - resources: ["*.*"]
                providers: [{aescbc: {keys: [{name: k, secret: KEY}]}}]
            """.Replace("KEY", Key32, StringComparison.Ordinal));
        Assert.IsType<IdentityTransformer>(Assert.Single(config.For("configmaps")!.Transformers));
        Assert.IsType<AesCbcTransformer>(Assert.Single(config.For("pods")!.Transformers));
    }

    [Theory]
    [InlineData(8, "resources[0].providers[0].aesgcm.keys[0].secret: Invalid value: \"REDACTED\": secret is not of the expected length, got 8, expected one of [16 24 32]")]
    [InlineData(33, "got 33, expected one of [16 24 32]")]
    public void A_secret_of_the_wrong_length_is_named_by_its_path(int length, string expected)
    {
        var message = Error(Config(Aes("aesgcm", ("k", Convert.ToBase64String(new byte[length])))));
        Assert.Contains(expected, message, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(new byte[length]), message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("      - aescbc:\n          keys:\n            - name: k\n              secret: '%%%'\n",
        "resources[0].providers[0].aescbc.keys[0].secret: Invalid value: \"REDACTED\": secret is not a valid base64 string")]
    [InlineData("      - aesgcm:\n          keys:\n            - secret: KEY\n", "resources[0].providers[0].aesgcm.keys[0].name: Required value: key name is required")]
    [InlineData("      - aesgcm:\n          keys:\n            - name: k\n", "resources[0].providers[0].aesgcm.keys[0].secret: Required value: secret is required")]
    [InlineData("      - aesgcm:\n          keys:\n            - name: 'a:b'\n              secret: KEY\n", "resources[0].providers[0].aesgcm.keys[0].name: Invalid value: \"a:b\": key name must not contain \":\"")]
    [InlineData("      - aesgcm:\n          keys:\n            - {name: k, secret: KEY}\n            - {name: k, secret: KEY}\n", "resources[0].providers[0].aesgcm.keys[1].name: Duplicate value: \"k\"")]
    [InlineData("      - aesgcm:\n          keys: []\n", "resources[0].providers[0].aesgcm.keys: Required value: at least one resources[0].providers[0].aesgcm.keys is required")]
    [InlineData("      - aesgcm: {keys: [{name: k, secret: KEY}]}\n        identity: {}\n", "resources[0].providers[0]: Invalid value: more than one provider specified in a single element")]
    [InlineData("      - kms: {name: x}\n", "resources[0].providers[0].kms: Unsupported value: \"kms\"")]
    [InlineData("      - aesgmc: {keys: [{name: k, secret: KEY}]}\n", "resources[0].providers[0].aesgmc: Invalid value: provider does not contain any of the expected providers")]
    [InlineData("      - aesgcm: {keys: [{name: k, secret: KEY, sekret: x}]}\n", "resources[0].providers[0].aesgcm.keys[0].sekret: Invalid value: unknown field \"sekret\"")]
    public void Each_mistake_is_reported_with_its_field_path(string providers, string expected)
    {
        Assert.Contains(expected, Error(Config(providers.Replace("KEY", Key32, StringComparison.Ordinal))), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("apiVersion: v1\nkind: EncryptionConfiguration\nresources: []\n", "apiVersion: Unsupported value: \"v1\": supported values: \"apiserver.config.k8s.io/v1\"")]
    [InlineData("apiVersion: apiserver.config.k8s.io/v1\nkind: Config\n", "kind: Unsupported value: \"Config\"")]
    [InlineData("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n", "resources: Required value: at least one resources is required")]
    [InlineData("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - providers: [{identity: {}}]\n",
        "resources[0].resources: Required value: at least one resources[0].resources is required")]
    [InlineData("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets]\n",
        "resources[0].providers: Required value: at least one resources[0].providers is required")]
    [InlineData("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [secrets, Secrets, secrets]\n    providers: [{identity: {}}]\n",
        "[resources[0].resources[1]: Invalid value: \"Secrets\": resource name must be lower case, resources[0].resources[2]: Duplicate value: \"secrets\"]")]
    [InlineData("apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n  - resources: [\"*.apps\"]\n    providers: [{identity: {}}]\n",
        "resources[0].resources[0]: Invalid value: \"*.apps\": only \"*.*\" and named resources")]
    [InlineData("resources: [\n", "error while parsing file: line")]
    public void The_document_s_own_mistakes_are_reported(string text, string expected)
    {
        Assert.Contains(expected, Error(text), StringComparison.Ordinal);
    }

    [Fact]
    public void Load_names_the_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"enc-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, Config(Aes("aesgcm", ("k", "c2hvcnQ="))));
        try
        {
            var message = Assert.Throws<EncryptionConfigurationException>(() => EncryptionConfiguration.Load(path)).Message;
            Assert.StartsWith($"error while parsing encryption provider configuration file \"{path}\": error while parsing file: resources[0].providers[0].aesgcm.keys[0].secret", message,
                StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
        Assert.Contains("\"" + path + "\"", Assert.Throws<EncryptionConfigurationException>(() => EncryptionConfiguration.Load(path)).Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("aesgcm", 16)]
    [InlineData("aesgcm", 24)]
    [InlineData("aesgcm", 32)]
    [InlineData("aescbc", 32)]
    [InlineData("aescbc", 16)]
    public void Values_round_trip_and_have_Kubernetes_layout(string type, int keyLength)
    {
        var chain = EncryptionConfiguration.Parse(Config(Aes(type, ("k1", Convert.ToBase64String(RandomNumberGenerator.GetBytes(keyLength)))))).For("secrets")!;
        var plain = "{\"kind\":\"Secret\",\"data\":{\"password\":\"aHVudGVyMg==\"}}"u8.ToArray();
        var stored = chain.ToStorage(plain, EtcdKey);
        var prefix = Encoding.UTF8.GetBytes($"k8s:enc:{type}:v1:k1:");
        Assert.True(stored.AsSpan().StartsWith(prefix));
        // GCM: 12-byte nonce + ciphertext + 16-byte tag. CBC: 16-byte IV + PKCS#7-padded blocks.
        var expectedLength = type == "aesgcm" ? 12 + plain.Length + 16 : 16 + (plain.Length / 16 + 1) * 16;
        Assert.Equal(prefix.Length + expectedLength, stored.Length);
        Assert.Equal(-1, stored.AsSpan().IndexOf("hunter2"u8));
        Assert.Equal(-1, stored.AsSpan().IndexOf("aHVudGVy"u8));
        Assert.Equal(plain, chain.FromStorage(stored, EtcdKey, "secrets/default/db"));
        // A fresh nonce/IV each time.
        Assert.NotEqual(stored, chain.ToStorage(plain, EtcdKey));
    }

    [Fact]
    public void An_aesgcm_value_moved_to_another_key_does_not_decrypt()
    {
        var chain = EncryptionConfiguration.Parse(Config(Aes("aesgcm", ("k1", Key32)))).For("secrets")!;
        var stored = chain.ToStorage("{}"u8, EtcdKey);
        var error = Assert.Throws<StorageException>(() => chain.FromStorage(stored, "/registry/secrets/default/other"u8, "secrets/default/other"));
        Assert.Equal(StorageErrorCode.Failed, error.Code);
        Assert.Contains("did not decrypt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Rotation_reads_with_every_listed_key_and_identity_first_still_reads_encrypted_data()
    {
        var old = EncryptionConfiguration.Parse(Config(Aes("aesgcm", ("old", Key32)))).For("secrets")!;
        var byOld = old.ToStorage("{\"v\":1}"u8, EtcdKey);

        var rotated = EncryptionConfiguration.Parse(Config(Aes("aesgcm", ("new", Key16), ("old", Key32)))).For("secrets")!;
        Assert.Equal("{\"v\":1}"u8.ToArray(), rotated.FromStorage(byOld, EtcdKey, "k"));
        Assert.True(rotated.ToStorage("{}"u8, EtcdKey).AsSpan().StartsWith("k8s:enc:aesgcm:v1:new:"u8));

        var decrypting = EncryptionConfiguration.Parse(Config("      - identity: {}\n" + Aes("aesgcm", ("old", Key32)))).For("secrets")!;
        Assert.Equal("{\"v\":1}"u8.ToArray(), decrypting.FromStorage(byOld, EtcdKey, "k"));
        Assert.Equal("{\"v\":2}"u8.ToArray(), decrypting.ToStorage("{\"v\":2}"u8, EtcdKey));
        Assert.Equal("{\"plain\":1}"u8.ToArray(), decrypting.FromStorage("{\"plain\":1}"u8, EtcdKey, "k"));

        var identityOnly = EncryptionConfiguration.Parse(Config("      - identity: {}\n")).For("secrets")!;
        Assert.Contains("no provider", Assert.Throws<StorageException>(() => identityOnly.FromStorage(byOld, EtcdKey, "k")).Message, StringComparison.Ordinal);
        var keyOnly = EncryptionConfiguration.Parse(Config(Aes("aescbc", ("other", Key32)))).For("secrets")!;
        Assert.Contains("plaintext, and identity is not listed",
            Assert.Throws<StorageException>(() => keyOnly.FromStorage("{}"u8, EtcdKey, "k")).Message, StringComparison.Ordinal);
    }
}
