using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Extensions.Logging;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using MiniKube.Api;
using MiniKube.Client;
using MiniKube.Security;

namespace MiniKube.Kubelet;

/// <summary>
/// The kubelet's own HTTP/1.1 API: container logs, exec (non-interactive, or streamed over a WebSocket), attach and the
/// stats summary, which the API server proxies to clients, plus <c>/pods</c> and <c>/healthz</c> (served by <see cref="SocketHttpServer"/>).
/// </summary>
internal sealed class KubeletApi : IAsyncDisposable
{
    private const string JsonType = "application/json";
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull };
    private readonly SocketHttpServer _http;
    private readonly IReadOnlyList<NodeAgent> _agents;
    private readonly TimeProvider _time;
    private readonly KubeletAuth _auth;

    public KubeletApi(KubeletOptions options, IReadOnlyList<NodeAgent> agents, ILoggerFactory loggers, TimeProvider time, MiniKubeClient client)
    {
        _agents = agents;
        _time = time;
        _auth = new KubeletAuth(options, client, time, loggers.CreateLogger<KubeletAuth>());
        _http = new SocketHttpServer(IPAddress.Parse(options.BindAddress), options.Port, HandleAsync, loggers.CreateLogger<SocketHttpServer>(), Tls(options, _auth));
    }

    /// <summary>https with the serving certificate; a client certificate is asked for (not required, tokens still work) when there is a client CA.</summary>
    private static SslServerAuthenticationOptions? Tls(KubeletOptions options, KubeletAuth auth)
    {
        if (options.TlsCertFile is not { } certFile || options.TlsPrivateKeyFile is not { } keyFile)
        {
            return null;
        }
        var verifier = auth.ClientCertificates;
        return new SslServerAuthenticationOptions
        {
            ServerCertificate = PemFiles.ReadCertificateWithKey(certFile, keyFile),
            ClientCertificateRequired = verifier is not null,
            // A certificate is optional; one that does not chain to the client CA ends the handshake.
            RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is null || (verifier is not null && verifier.Verify(certificate as X509Certificate2 ?? new X509Certificate2(certificate)) is null),
            ApplicationProtocols = [SslApplicationProtocol.Http11],
        };
    }

    /// <summary>The port actually bound (after start).</summary>
    public int Port => _http.Port;

    /// <summary>Binds and serves; throws <see cref="IOException"/> when the address cannot be bound.</summary>
    public Task StartAsync(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        _http.Start();
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => _http.DisposeAsync();

    private async Task HandleAsync(HttpExchange exchange)
    {
        // /healthz stays open, like the kubelet's separate healthz port: health checks carry no credentials.
        var s = exchange.Segments;
        if (_auth.Enabled && !(s.Count == 1 && s[0] == "healthz"))
        {
            var node = exchange.Query.GetValueOrDefault("node") is { Length: > 0 } asked && _agents.Any(a => a.NodeName == asked) ? asked : _agents[0].NodeName;
            if (await _auth.CheckAsync(exchange, node, exchange.ClientCertificate).ConfigureAwait(false) is { } refusal)
            {
                await exchange.RespondTextAsync(refusal.Status, refusal.Message).ConfigureAwait(false);
                return;
            }
        }
        await RouteAsync(exchange).ConfigureAwait(false);
    }

    private Task RouteAsync(HttpExchange exchange)
    {
        var s = exchange.Segments;
        return (exchange.Method, s.Count > 0 ? s[0] : "") switch
        {
            ("GET", "healthz") when s.Count == 1 => exchange.RespondTextAsync(200, "ok"),
            ("GET", "containerLogs") when s.Count == 4 => LogsAsync(exchange, s[1], s[2], s[3]),
            ("POST", "exec") when s.Count == 4 => ExecAsync(exchange, s[1], s[2], s[3]),
            ("GET", "exec" or "attach") when s.Count == 4 => StreamAsync(exchange, s[0] == "attach", s[1], s[2], s[3]),
            ("GET", "stats") when s.Count == 2 && s[1] == "summary" => exchange.RespondAsync(200, JsonType, JsonSerializer.SerializeToUtf8Bytes(Summary(exchange.Query.GetValueOrDefault("node")), Json)),
            ("GET", "pods") when s.Count == 1 => exchange.RespondAsync(200, JsonType, KubeSerializer.ToJsonBytes(new KubeList<Pod>
            {
                ApiVersion = "v1",
                Kind = "PodList",
                Items = [.. _agents.SelectMany(a => a.Pods.Pods)],
            })),
            (_, "healthz" or "containerLogs" or "exec" or "attach" or "stats" or "pods") => exchange.RespondTextAsync(405, "method not allowed"),
            _ => exchange.RespondTextAsync(404, "404 page not found"),
        };
    }

    /// <summary>
    /// The summary of every node this process runs; with <c>?node=NAME</c> only that node's (hollow kubelets run many nodes
    /// behind one port, and the API server's metrics pipeline asks for each node's own).
    /// </summary>
    private StatsSummary Summary(string? node)
    {
        if (node is { Length: > 0 } && _agents.FirstOrDefault(a => a.NodeName == node) is { } agent)
        {
            return agent.Stats.Summary();
        }
        var summaries = _agents.Select(a => a.Stats.Summary()).ToList();
        return summaries.Count == 1 ? summaries[0] : summaries[0] with { Pods = [.. summaries.SelectMany(s => s.Pods)] };
    }

    private async Task LogsAsync(HttpExchange exchange, string ns, string pod, string container)
    {
        var query = exchange.Query;
        var found = await FindAsync(ns, pod, container, Flag(query.GetValueOrDefault("previous")), exchange.Aborted).ConfigureAwait(false);
        if (found.Error is { } error)
        {
            await exchange.RespondTextAsync(404, error).ConfigureAwait(false);
            return;
        }
        int? tail = int.TryParse(query.GetValueOrDefault("tailLines"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= 0 ? n : null;
        var options = new LogOptions(Flag(query.GetValueOrDefault("follow")), tail, Flag(query.GetValueOrDefault("timestamps")), Since(query));
        await using var body = await exchange.StartStreamingAsync("text/plain; charset=utf-8").ConfigureAwait(false);
        try
        {
            await found.Runtime!.WriteLogsAsync(found.Id!, options, body, exchange.Aborted).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (exchange.Aborted.IsCancellationRequested)
        {
        }
    }

    private async Task ExecAsync(HttpExchange exchange, string ns, string pod, string container)
    {
        ExecRequest? request;
        try
        {
            request = JsonSerializer.Deserialize<ExecRequest>(exchange.Body, Json);
        }
        catch (JsonException ex)
        {
            await exchange.RespondTextAsync(400, "the body must be JSON like {\"command\":[\"ls\",\"/\"]}: " + ex.Message).ConfigureAwait(false);
            return;
        }
        if (request is null || request.Command.Count == 0)
        {
            await exchange.RespondTextAsync(400, "the body must name a command: {\"command\":[\"ls\",\"/\"]}").ConfigureAwait(false);
            return;
        }
        var found = await FindAsync(ns, pod, container, previous: false, exchange.Aborted).ConfigureAwait(false);
        if (found.Error is { } error)
        {
            await exchange.RespondTextAsync(404, error).ConfigureAwait(false);
            return;
        }
        var timeout = TimeSpan.FromSeconds(request.TimeoutSeconds is { } t && t > 0 ? t : 60);
        ExecResult result;
        try
        {
            result = await found.Runtime!.ExecAsync(found.Id!, request.Command, timeout, exchange.Aborted).ConfigureAwait(false);
        }
        catch (ContainerRuntimeException ex)
        {
            await exchange.RespondTextAsync(409, ex.Message).ConfigureAwait(false);
            return;
        }
        if (result.TimedOut)
        {
            await exchange.RespondTextAsync(504, $"command did not finish within {timeout.TotalSeconds:0} s").ConfigureAwait(false);
            return;
        }
        await exchange.RespondAsync(200, JsonType,
            JsonSerializer.SerializeToUtf8Bytes(new ExecResponse { Stdout = result.Stdout, Stderr = result.Stderr, ExitCode = result.ExitCode }, Json)).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>GET /exec/{ns}/{pod}/{container}?command=…&amp;stdin=…&amp;stdout=…&amp;stderr=…&amp;tty=…</c> and <c>GET /attach/…</c>
    /// upgraded to a WebSocket in <see cref="ChannelProtocol"/> (the kubelet API the Kubernetes API server proxies
    /// pods/exec and pods/attach to). Errors before the upgrade are plain HTTP answers.
    /// </summary>
    private async Task StreamAsync(HttpExchange exchange, bool attach, string ns, string pod, string container)
    {
        if (!exchange.IsWebSocketRequest)
        {
            await exchange.RespondTextAsync(400, $"{(attach ? "attach" : "exec")} needs a WebSocket upgrade with subprotocol {ChannelProtocol.V5}").ConfigureAwait(false);
            return;
        }
        var protocol = new[] { ChannelProtocol.V5, ChannelProtocol.V4 }.FirstOrDefault(exchange.WebSocketProtocols.Contains);
        if (protocol is null)
        {
            await exchange.RespondTextAsync(400, $"none of the offered subprotocols is supported: use {ChannelProtocol.V5} or {ChannelProtocol.V4}").ConfigureAwait(false);
            return;
        }
        var command = exchange.QueryValues("command");
        if (!attach && command.Count == 0)
        {
            await exchange.RespondTextAsync(400, "you must specify at least one command for the container").ConfigureAwait(false);
            return;
        }
        var query = exchange.Query;
        var options = new StreamOptions(Flag(query.GetValueOrDefault("stdin")), !query.TryGetValue("stdout", out var stdout) || Flag(stdout),
            !query.TryGetValue("stderr", out var stderr) || Flag(stderr), Flag(query.GetValueOrDefault("tty")));
        var found = await FindAsync(ns, pod, container, previous: false, exchange.Aborted).ConfigureAwait(false);
        if (found.Error is { } error)
        {
            await exchange.RespondTextAsync(404, error).ConfigureAwait(false);
            return;
        }
        if (attach && options.Stdin && found.Container?.Stdin != true)
        {
            await exchange.RespondTextAsync(400, $"stdin is not enabled for container {found.Container?.Name} (set stdin: true in its spec to attach to it)")
                .ConfigureAwait(false);
            return;
        }
        IContainerStream stream;
        try
        {
            stream = attach
                ? await found.Runtime!.AttachAsync(found.Id!, options, exchange.Aborted).ConfigureAwait(false)
                : await found.Runtime!.StartExecStreamAsync(found.Id!, command, options, exchange.Aborted).ConfigureAwait(false);
        }
        catch (ContainerRuntimeException ex)
        {
            await exchange.RespondTextAsync(409, ex.Message).ConfigureAwait(false);
            return;
        }
        await using (stream.ConfigureAwait(false))
        {
            using var socket = await exchange.AcceptWebSocketAsync(protocol).ConfigureAwait(false);
            await ContainerStreamRelay.RunAsync(socket, stream, command, exchange.Aborted).ConfigureAwait(false);
        }
    }

    private async Task<(IContainerRuntime? Runtime, string? Id, string? Error, Container? Container)> FindAsync(string ns, string podName, string container, bool previous,
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
                    return (null, null, $"a container name must be specified for pod {podName}, choose one of: [{string.Join(' ', names)}]", null);
                }
                container = names[0];
            }
            if (!names.Contains(container))
            {
                return (null, null, $"container {container} is not valid for pod {podName}", null);
            }
            var spec = pod.Spec!.Containers.First(c => c.Name == container);
            var instances = (await agent.Pods.Runtime.ListContainersAsync(pod.Metadata.Uid, ct).ConfigureAwait(false))
                .Where(c => !c.IsSandbox && c.ContainerName == container)
                .OrderByDescending(c => c.RestartCount).ThenByDescending(c => c.CreatedAt).ToList();
            if (previous)
            {
                return instances.Count < 2
                    ? (null, null, $"previous terminated container \"{container}\" in pod \"{podName}\" not found", spec)
                    : (agent.Pods.Runtime, instances[1].Id, null, spec);
            }
            var instance = instances.FirstOrDefault();
            return instance is null
                ? (null, null, $"container \"{container}\" in pod \"{podName}\" is waiting to start: ContainerCreating", spec)
                : (agent.Pods.Runtime, instance.Id, null, spec);
        }
        return (null, null, $"pod {ns}/{podName} is not running on this node", null);
    }

    /// <summary>sinceSeconds counts back from the kubelet's own clock, as Kubernetes' kubelet does; sinceTime is RFC 3339.</summary>
    private DateTimeOffset? Since(IReadOnlyDictionary<string, string> query)
    {
        if (long.TryParse(query.GetValueOrDefault("sinceSeconds"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            return _time.GetUtcNow().AddSeconds(-seconds);
        }
        return Timestamps.TryParse(query.GetValueOrDefault("sinceTime"), out var time) ? time : null;
    }

    private static bool Flag(string? value) => value is not null && (value == "1" || value.Equals("true", StringComparison.OrdinalIgnoreCase));
}
