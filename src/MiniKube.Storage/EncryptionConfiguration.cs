using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace MiniKube.Storage;

/// <summary>A file given to <c>--encryption-provider-config</c> that cannot be used; the message names the file and the field.</summary>
public sealed class EncryptionConfigurationException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// kube-apiserver's EncryptionConfiguration (<c>apiserver.config.k8s.io/v1</c>): for each listed resource, the providers in
/// order (<c>aesgcm</c>, <c>aescbc</c>, <c>identity</c>). The first provider's first key encrypts every write; reads try each.
/// </summary>
public sealed class EncryptionConfiguration
{
    public const string ApiVersion = "apiserver.config.k8s.io/v1";
    public const string Kind = "EncryptionConfiguration";
    private const string AllResources = "*.*";

    private readonly Dictionary<string, TransformerChain> _byResource;
    private readonly TransformerChain? _everything;

    private EncryptionConfiguration(Dictionary<string, TransformerChain> byResource, TransformerChain? everything)
    {
        _byResource = byResource;
        _everything = everything;
    }

    /// <summary>The resources named in the file (their plurals; <c>*.*</c> when it names every resource).</summary>
    public IReadOnlyCollection<string> Resources => _everything is null ? _byResource.Keys : [.. _byResource.Keys, AllResources];

    /// <summary>The chain for the resource stored under <paramref name="resourcePlural"/>, or null when it is stored as it is.</summary>
    public TransformerChain? For(string resourcePlural) => _byResource.GetValueOrDefault(resourcePlural) ?? _everything;

    /// <summary>Reads and checks <paramref name="path"/>; every problem in one <see cref="EncryptionConfigurationException"/>.</summary>
    public static EncryptionConfiguration Load(string path)
    {
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new EncryptionConfigurationException($"error while parsing encryption provider configuration file \"{path}\": {ex.Message}", ex);
        }
        try
        {
            return Parse(text);
        }
        catch (EncryptionConfigurationException ex)
        {
            throw new EncryptionConfigurationException($"error while parsing encryption provider configuration file \"{path}\": {ex.Message}", ex);
        }
    }

    /// <summary>Checks a configuration's text (YAML or JSON); the message says every problem, each with its field path.</summary>
    public static EncryptionConfiguration Parse(string text)
    {
        YamlNode root;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(text));
            root = stream.Documents.Count == 0 ? new YamlMappingNode() : stream.Documents[0].RootNode;
        }
        catch (YamlException ex)
        {
            throw new EncryptionConfigurationException($"error while parsing file: line {ex.Start.Line}: {ex.Message}", ex);
        }
        var parser = new Parser();
        var config = parser.Read(root);
        if (parser.Errors.Count > 0)
        {
            var all = parser.Errors.Count == 1 ? parser.Errors[0] : "[" + string.Join(", ", parser.Errors) + "]";
            throw new EncryptionConfigurationException("error while parsing file: " + all);
        }
        return config;
    }

    /// <summary>Walks the document, collecting errors in Kubernetes' field-error words.</summary>
    private sealed class Parser
    {
        private static readonly int[] SecretLengths = [16, 24, 32];

        private readonly HashSet<string> _malformed = new(StringComparer.Ordinal);

        public List<string> Errors { get; } = [];

        /// <summary>A missing list is reported unless the field was there but malformed (reported already).</summary>
        private void Required(string path, string message)
        {
            if (!_malformed.Contains(path))
            {
                Errors.Add($"{path}: Required value: {message}");
            }
        }

        public EncryptionConfiguration Read(YamlNode root)
        {
            var byResource = new Dictionary<string, TransformerChain>(StringComparer.Ordinal);
            TransformerChain? everything = null;
            if (root is not YamlMappingNode document)
            {
                Errors.Add("Invalid value: expected an EncryptionConfiguration object");
                return new EncryptionConfiguration(byResource, null);
            }
            var apiVersion = Scalar(document, "apiVersion");
            if (apiVersion != ApiVersion)
            {
                Errors.Add(apiVersion is null ? "apiVersion: Required value" : $"apiVersion: Unsupported value: \"{apiVersion}\": supported values: \"{ApiVersion}\"");
            }
            var kind = Scalar(document, "kind");
            if (kind != Kind)
            {
                Errors.Add(kind is null ? "kind: Required value" : $"kind: Unsupported value: \"{kind}\": supported values: \"{Kind}\"");
            }
            Unknown(document, "", "apiVersion", "kind", "resources");
            var resources = Sequence(document, "resources", "resources");
            if (resources is null || resources.Children.Count == 0)
            {
                Required("resources", "at least one resources is required");
                return new EncryptionConfiguration(byResource, null);
            }
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < resources.Children.Count; i++)
            {
                var path = $"resources[{i}]";
                if (resources.Children[i] is not YamlMappingNode entry)
                {
                    Errors.Add($"{path}: Invalid value: expected an object with resources and providers");
                    continue;
                }
                Unknown(entry, path + ".", "resources", "providers");
                var names = ResourceNames(entry, path, seen);
                var chain = Providers(entry, path);
                if (chain is null)
                {
                    continue;
                }
                foreach (var name in names)
                {
                    if (name == AllResources)
                    {
                        everything ??= chain;
                    }
                    else
                    {
                        byResource.TryAdd(name, chain);
                    }
                }
            }
            return new EncryptionConfiguration(byResource, everything);
        }

        private List<string> ResourceNames(YamlMappingNode entry, string path, HashSet<string> seen)
        {
            var names = new List<string>();
            var list = Sequence(entry, "resources", path + ".resources");
            if (list is null || list.Children.Count == 0)
            {
                Required($"{path}.resources", $"at least one {path}.resources is required");
                return names;
            }
            for (var j = 0; j < list.Children.Count; j++)
            {
                var at = $"{path}.resources[{j}]";
                var name = (list.Children[j] as YamlScalarNode)?.Value;
                if (string.IsNullOrEmpty(name))
                {
                    Errors.Add($"{at}: Required value: resource name is required");
                    continue;
                }
                if (name.Any(char.IsUpper))
                {
                    Errors.Add($"{at}: Invalid value: \"{name}\": resource name must be lower case");
                    continue;
                }
                if (!seen.Add(name))
                {
                    Errors.Add($"{at}: Duplicate value: \"{name}\"");
                    continue;
                }
                if (name == AllResources)
                {
                    names.Add(name);
                    continue;
                }
                // Keys carry the resource's plural but not its group (secrets/<ns>/<name>): deployments.apps is stored under deployments.
                var dot = name.IndexOf('.', StringComparison.Ordinal);
                var plural = dot < 0 ? name : name[..dot];
                if (plural is "*" or "")
                {
                    Errors.Add($"{at}: Invalid value: \"{name}\": only \"*.*\" and named resources (e.g. secrets, deployments.apps) are supported");
                    continue;
                }
                names.Add(plural);
            }
            return names;
        }

        private TransformerChain? Providers(YamlMappingNode entry, string path)
        {
            var list = Sequence(entry, "providers", path + ".providers");
            if (list is null || list.Children.Count == 0)
            {
                Required($"{path}.providers", $"at least one {path}.providers is required");
                return null;
            }
            var transformers = new List<IValueTransformer>();
            var errorsBefore = Errors.Count;
            for (var k = 0; k < list.Children.Count; k++)
            {
                var at = $"{path}.providers[{k}]";
                if (list.Children[k] is not YamlMappingNode provider || provider.Children.Count == 0)
                {
                    Errors.Add($"{at}: Invalid value: provider does not contain any of the expected providers: aesgcm, aescbc, identity");
                    continue;
                }
                if (provider.Children.Count > 1)
                {
                    Errors.Add($"{at}: Invalid value: more than one provider specified in a single element, should split into different list elements");
                    continue;
                }
                var (typeNode, body) = provider.Children.First();
                var type = ((YamlScalarNode)typeNode).Value ?? "";
                switch (type)
                {
                    case "identity":
                        transformers.Add(IdentityTransformer.Instance);
                        break;
                    case "aesgcm":
                        transformers.AddRange(Keys(body, $"{at}.aesgcm", (name, secret) => new AesGcmTransformer(name, secret)));
                        break;
                    case "aescbc":
                        transformers.AddRange(Keys(body, $"{at}.aescbc", (name, secret) => new AesCbcTransformer(name, secret)));
                        break;
                    case "kms" or "secretbox":
                        Errors.Add($"{at}.{type}: Unsupported value: \"{type}\": supported values: \"aesgcm\", \"aescbc\", \"identity\"");
                        break;
                    default:
                        Errors.Add($"{at}.{type}: Invalid value: provider does not contain any of the expected providers: aesgcm, aescbc, identity");
                        break;
                }
            }
            return Errors.Count == errorsBefore ? new TransformerChain(transformers) : null;
        }

        private List<IValueTransformer> Keys(YamlNode body, string path, Func<string, byte[], IValueTransformer> make)
        {
            var result = new List<IValueTransformer>();
            var keys = body is YamlMappingNode mapping ? Sequence(mapping, "keys", path + ".keys") : null;
            if (body is YamlMappingNode m)
            {
                Unknown(m, path + ".", "keys");
            }
            if (keys is null || keys.Children.Count == 0)
            {
                Required($"{path}.keys", $"at least one {path}.keys is required");
                return result;
            }
            var names = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < keys.Children.Count; i++)
            {
                var at = $"{path}.keys[{i}]";
                if (keys.Children[i] is not YamlMappingNode key)
                {
                    Errors.Add($"{at}: Invalid value: expected an object with name and secret");
                    continue;
                }
                Unknown(key, at + ".", "name", "secret");
                var name = Scalar(key, "name");
                var secretText = Scalar(key, "secret");
                var ok = true;
                if (string.IsNullOrEmpty(name))
                {
                    Errors.Add($"{at}.name: Required value: key name is required");
                    ok = false;
                }
                else if (name.Contains(':', StringComparison.Ordinal))
                {
                    // The name ends the stored prefix at the next colon.
                    Errors.Add($"{at}.name: Invalid value: \"{name}\": key name must not contain \":\"");
                    ok = false;
                }
                else if (!names.Add(name))
                {
                    Errors.Add($"{at}.name: Duplicate value: \"{name}\"");
                    ok = false;
                }
                byte[]? secret = null;
                if (string.IsNullOrEmpty(secretText))
                {
                    Errors.Add($"{at}.secret: Required value: secret is required");
                    ok = false;
                }
                else
                {
                    try
                    {
                        secret = Convert.FromBase64String(secretText);
                    }
                    catch (FormatException)
                    {
                        Errors.Add($"{at}.secret: Invalid value: \"REDACTED\": secret is not a valid base64 string");
                        ok = false;
                    }
                    if (secret is not null && !SecretLengths.Contains(secret.Length))
                    {
                        Errors.Add($"{at}.secret: Invalid value: \"REDACTED\": secret is not of the expected length, got {secret.Length}, expected one of [16 24 32]");
                        ok = false;
                    }
                }
                if (ok)
                {
                    result.Add(make(name!, secret!));
                }
            }
            return result;
        }

        private string? Scalar(YamlMappingNode node, string field) =>
            node.Children.TryGetValue(new YamlScalarNode(field), out var value) ? (value as YamlScalarNode)?.Value : null;

        private YamlSequenceNode? Sequence(YamlMappingNode node, string field, string path)
        {
            if (!node.Children.TryGetValue(new YamlScalarNode(field), out var value))
            {
                return null;
            }
            if (value is YamlSequenceNode sequence)
            {
                return sequence;
            }
            if (value is YamlScalarNode { Value: null or "" or "null" or "~" })
            {
                return null;
            }
            Errors.Add($"{path}: Invalid value: expected a list");
            _malformed.Add(path);
            return null;
        }

        /// <summary>Kubernetes decodes this file strictly: an unknown (e.g. misspelt) field is an error, not ignored.</summary>
        private void Unknown(YamlMappingNode node, string pathPrefix, params string[] known)
        {
            foreach (var field in node.Children.Keys.OfType<YamlScalarNode>().Select(k => k.Value ?? "").Where(f => !known.Contains(f)))
            {
                Errors.Add($"{pathPrefix}{field}: Invalid value: unknown field \"{field}\"");
            }
        }
    }
}
