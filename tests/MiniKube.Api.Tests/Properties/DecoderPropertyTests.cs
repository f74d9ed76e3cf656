using System.Text;
using System.Text.Json.Nodes;
using CsCheck;
using MiniKube.Testing;

namespace MiniKube.Api.Tests.Properties;

/// <summary>
/// Whatever the damage, decoding and validation either accept the object or answer with path-qualified field
/// errors; nothing else escapes (no JsonException, no stack overflow, no InvalidCastException).
/// </summary>
public sealed class DecoderPropertyTests
{
    /// <summary>The documented manifests, one object each, as JSON.</summary>
    private static readonly IReadOnlyList<string> Seeds =
    [
        .. new[] { Manifests.Pod, Manifests.Deployment, Manifests.Services, Manifests.ConfigMap, Manifests.Secret, Manifests.Job, Manifests.Hpa, Manifests.DaemonSet }
            .SelectMany(KubeSerializer.DecodeManifests)
            .Select(o => KubeSerializer.ToJson(o))
            .Select(WithoutTolerations),
    ];

    private static readonly Gen<byte[]> Damaged = ManifestMutations.Of(Seeds).Select(d => d.Bytes);

    [Fact]
    public void Every_damaged_manifest_is_accepted_or_refused_with_field_errors()
    {
        Damaged.Sample(bytes =>
        {
            var errors = DecodeAndValidate(bytes);
            Assert.All(errors, e => Assert.False(string.IsNullOrWhiteSpace(e.ToString()), "an error without text"));
        }, iter: 3000, threads: 1);
    }

    [Fact]
    public void Damage_is_seen_the_seeds_alone_are_valid()
    {
        // The property above would pass vacuously if the mutations never broke anything.
        Assert.All(Seeds, s => Assert.Empty(DecodeAndValidate(Encoding.UTF8.GetBytes(s))));
        var refused = 0;
        Damaged.Sample(bytes => refused += DecodeAndValidate(bytes).Count > 0 ? 1 : 0, iter: 500, threads: 1);
        Assert.True(refused > 250, $"only {refused} of 500 damaged manifests were refused");
    }

    [Fact]
    public void Error_values_are_quoted_as_a_bounded_prefix()
    {
        Damaged.Sample(bytes =>
        {
            foreach (var error in DecodeAndValidate(bytes))
            {
                var text = error.ToString();
                if (text.Length >= 2_000)
                {
                    Assert.Fail($"an error message of {text.Length} characters: {text[..300]}");
                }
            }
        }, iter: 1000, threads: 1);
    }

    private static IReadOnlyList<FieldError> DecodeAndValidate(byte[] bytes)
    {
        try
        {
            var obj = KubeSerializer.DecodeObject(bytes);
            return Validator.Validate(obj);
        }
        catch (DecodeException ex)
        {
            Assert.NotEmpty(ex.Errors);
            return ex.Errors;
        }
    }

    // The documented sample pod tolerates a NoSchedule taint for a time, which Kubernetes refuses; seeds must be valid.
    private static string WithoutTolerations(string json)
    {
        var node = JsonNode.Parse(json)!;
        (node["spec"] as JsonObject)?.Remove("tolerations");
        return node.ToJsonString();
    }
}
