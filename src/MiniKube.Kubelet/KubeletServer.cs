using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MiniKube.Api;

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

/// <summary>
/// The kubelet's own HTTP/1.1 server (Kestrel): container logs, non-interactive exec and the stats summary, which the
/// API server proxies to clients.
/// </summary>
internal sealed class KubeletServer : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly WebApplication _app;
    private readonly IReadOnlyList<NodeAgent> _agents;

    public KubeletServer(KubeletOptions options, IReadOnlyList<NodeAgent> agents, ILoggerFactory loggers)
    {
        _agents = agents;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(loggers);
        // The web host's default console lifetime would take SIGTERM/SIGINT for itself (swallowing them and stopping only
        // this server); the kubelet process handles the signals and stops everything (Program.cs).
        builder.Services.AddSingleton<IHostLifetime, ProcessOwnedLifetime>();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Parse(options.BindAddress), options.Port,
            listen => listen.Protocols = HttpProtocols.Http1));
        _app = builder.Build();
        _app.MapGet("/healthz", () => Results.Text("ok"));
        _app.MapGet("/containerLogs/{ns}/{pod}/{container}", LogsAsync);
        _app.MapPost("/exec/{ns}/{pod}/{container}", ExecAsync);
        _app.MapGet("/stats/summary", () => Results.Json(Summary(), Json));
        _app.MapGet("/pods", () => Results.Text(KubeSerializer.ToJson(new KubeList<Pod>
        {
            ApiVersion = "v1",
            Kind = "PodList",
            Items = [.. _agents.SelectMany(a => a.Pods.Pods)],
        }), "application/json"));
    }

    /// <summary>The port actually bound (after start).</summary>
    public int Port
    {
        get
        {
            var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault();
            return address is null ? 0 : new Uri(address).Port;
        }
    }

    public Task StartAsync(CancellationToken ct) => _app.StartAsync(ct);

    public async ValueTask DisposeAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        try
        {
            await _app.StopAsync(cts.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>A host lifetime that registers no signal handlers: whoever hosts the kubelet decides when it stops.</summary>
    private sealed class ProcessOwnedLifetime : IHostLifetime
    {
        public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    private NodeStats Summary()
    {
        var summaries = _agents.Select(a => a.Stats.Summary()).ToList();
        return summaries.Count == 1 ? summaries[0] : summaries[0] with { Pods = [.. summaries.SelectMany(s => s.Pods)] };
    }

    private async Task LogsAsync(HttpContext context, string ns, string pod, string container)
    {
        var found = await FindAsync(ns, pod, container, Flag(context.Request.Query["previous"]), context.RequestAborted).ConfigureAwait(false);
        if (found.Error is { } error)
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            await context.Response.WriteAsync(error, context.RequestAborted).ConfigureAwait(false);
            return;
        }
        var query = context.Request.Query;
        int? tail = int.TryParse(query["tailLines"], NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n : null;
        var options = new LogOptions(Flag(query["follow"]), tail, Flag(query["timestamps"]));
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        try
        {
            await found.Runtime!.WriteLogsAsync(found.Id!, options, context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
    }

    private async Task<IResult> ExecAsync(HttpContext context, string ns, string pod, string container)
    {
        ExecRequest? request;
        try
        {
            request = await JsonSerializer.DeserializeAsync<ExecRequest>(context.Request.Body, Json, context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            return Results.Text("the body must be JSON like {\"command\":[\"ls\",\"/\"]}: " + ex.Message, statusCode: 400);
        }
        if (request is null || request.Command.Count == 0)
        {
            return Results.Text("the body must name a command: {\"command\":[\"ls\",\"/\"]}", statusCode: 400);
        }
        var found = await FindAsync(ns, pod, container, previous: false, context.RequestAborted).ConfigureAwait(false);
        if (found.Error is { } error)
        {
            return Results.Text(error, statusCode: 404);
        }
        try
        {
            var timeout = TimeSpan.FromSeconds(request.TimeoutSeconds is { } t && t > 0 ? t : 60);
            var result = await found.Runtime!.ExecAsync(found.Id!, request.Command, timeout, context.RequestAborted).ConfigureAwait(false);
            if (result.TimedOut)
            {
                return Results.Text($"command did not finish within {timeout.TotalSeconds:0} s", statusCode: 504);
            }
            return Results.Json(new ExecResponse { Stdout = result.Stdout, Stderr = result.Stderr, ExitCode = result.ExitCode }, Json);
        }
        catch (ContainerRuntimeException ex)
        {
            return Results.Text(ex.Message, statusCode: 409);
        }
    }

    private async Task<(IContainerRuntime? Runtime, string? Id, string? Error)> FindAsync(string ns, string podName, string container, bool previous,
        CancellationToken ct)
    {
        foreach (var agent in _agents)
        {
            var pod = agent.Pods.FindPod(ns, podName);
            if (pod is null)
            {
                continue;
            }
            var names = pod.Spec?.Containers.Select(c => c.Name).ToList() ?? [];
            if (string.IsNullOrEmpty(container) || container == "-")
            {
                if (names.Count != 1)
                {
                    return (null, null, $"a container name must be specified for pod {podName}, choose one of: [{string.Join(' ', names)}]");
                }
                container = names[0];
            }
            if (!names.Contains(container))
            {
                return (null, null, $"container {container} is not valid for pod {podName}");
            }
            var instances = (await agent.Pods.Runtime.ListContainersAsync(pod.Metadata.Uid, ct).ConfigureAwait(false))
                .Where(c => !c.IsSandbox && c.ContainerName == container)
                .OrderByDescending(c => c.RestartCount).ThenByDescending(c => c.CreatedAt).ToList();
            if (previous)
            {
                return instances.Count < 2
                    ? (null, null, $"previous terminated container \"{container}\" in pod \"{podName}\" not found")
                    : (agent.Pods.Runtime, instances[1].Id, null);
            }
            var instance = instances.FirstOrDefault();
            return instance is null
                ? (null, null, $"container \"{container}\" in pod \"{podName}\" is waiting to start: ContainerCreating")
                : (agent.Pods.Runtime, instance.Id, null);
        }
        return (null, null, $"pod {ns}/{podName} is not running on this node");
    }

    private static bool Flag(string? value) => value is not null && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));
}
