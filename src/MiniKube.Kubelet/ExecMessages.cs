using System.Text.Json.Serialization;

namespace MiniKube.Kubelet;

/// <summary>The body of <c>POST /exec/{ns}/{pod}/{container}</c>.</summary>
public sealed record ExecRequest
{
    [JsonPropertyName("command")]
    public IReadOnlyList<string> Command { get; init; } = [];

    [JsonPropertyName("timeoutSeconds")]
    public int? TimeoutSeconds { get; init; }
}

/// <summary>The answer of <c>POST /exec/…</c>.</summary>
public sealed record ExecResponse
{
    [JsonPropertyName("stdout")]
    public string Stdout { get; init; } = "";

    [JsonPropertyName("stderr")]
    public string Stderr { get; init; } = "";

    [JsonPropertyName("exitCode")]
    public int ExitCode { get; init; }
}
