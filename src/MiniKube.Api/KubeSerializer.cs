namespace MiniKube.Api;

/// <summary>JSON and YAML codecs. CONTRACT STUB: filled in by the API-types work.</summary>
public static class KubeSerializer
{
    /// <summary>Kubernetes JSON (camelCase, nulls omitted) of any API object, list or Status.</summary>
    public static byte[] ToJsonBytes(object value) => throw new NotImplementedException();

    public static string ToJson(object value, bool indented = false) => throw new NotImplementedException();

    public static string ToYaml(object value) => throw new NotImplementedException();

    /// <summary>Strictly decodes JSON into <paramref name="type"/>; throws <see cref="DecodeException"/> with field paths.</summary>
    public static object FromJson(ReadOnlySpan<byte> json, Type type) => throw new NotImplementedException();

    public static T FromJson<T>(ReadOnlySpan<byte> json) => (T)FromJson(json, typeof(T));

    /// <summary>Decodes an API object whose type is given by its own apiVersion/kind.</summary>
    public static KubeObject DecodeObject(ReadOnlySpan<byte> json) => throw new NotImplementedException();

    /// <summary>Decodes every document of a (multi-document) YAML or JSON manifest, strictly.</summary>
    public static IReadOnlyList<KubeObject> DecodeManifests(string text) => throw new NotImplementedException();
}
