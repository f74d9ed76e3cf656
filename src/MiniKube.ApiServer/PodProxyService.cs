using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Net.WebSockets;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Google.Protobuf;
using Grpc.Core;
using MiniKube.Api;
using MiniKube.Protocol.V1;

namespace MiniKube.ApiServer;

/// <summary>
/// The gRPC face of pod logs and exec (non-interactive, or streamed with stdin); <see cref="KubeletProxy"/> relays them to the kubelet of the pod's node.
/// </summary>
internal sealed class PodProxyService(KubeletProxy kubelets) : PodProxy.PodProxyBase
{
    public override async Task Logs(PodLogsRequest request, IServerStreamWriter<LogChunk> responseStream, ServerCallContext context)
    {
        var ct = context.CancellationToken;
        var options = new PodLogQuery(request.Container, request.Follow, request.Timestamps, request.Previous,
            request.HasTailLines ? request.TailLines : null, request.HasSinceSeconds ? request.SinceSeconds : null, PodLogQuery.ParseSinceTime(request.SinceTime));
        using var response = await kubelets.LogsAsync(request.Namespace, request.Pod, options, ct).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        var buffer = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(buffer, ct).ConfigureAwait(false)) > 0)
        {
            await responseStream.WriteAsync(new LogChunk { Data = ByteString.CopyFrom(buffer, 0, read) }, ct).ConfigureAwait(false);
        }
    }

    public override async Task<PodExecReply> Exec(PodExecRequest request, ServerCallContext context)
    {
        var reply = await kubelets.ExecAsync(request.Namespace, request.Pod, request.Container, [.. request.Command],
            request.TimeoutSeconds > 0 ? request.TimeoutSeconds : null, context.CancellationToken).ConfigureAwait(false);
        return new PodExecReply { Stdout = reply.Stdout ?? "", Stderr = reply.Stderr ?? "", ExitCode = reply.ExitCode };
    }

    public override Task ExecStream(IAsyncStreamReader<ExecStreamInput> requestStream, IServerStreamWriter<ExecStreamOutput> responseStream, ServerCallContext context) =>
        ExecStreamRelay.RunAsync(kubelets, requestStream, responseStream, context.CancellationToken);
}

/// <summary>
/// Relays pod logs, exec and attach to the kubelet of the pod's node (its InternalIP address and
/// <c>status.daemonEndpoints.kubeletEndpoint.Port</c>), as the Kubernetes API server's pods/log and pods/exec do; both wires use it.
/// </summary>
internal sealed class KubeletProxy(ObjectApi api, KubeletClient client)
{

    /// <summary>The kubelet's log response (a stream, endless with <paramref name="follow"/>); the caller disposes it.</summary>
    public async Task<HttpResponseMessage> LogsAsync(string ns, string pod, PodLogQuery options, CancellationToken ct)
    {
        options = options.Validated();
        var (node, baseUrl) = await KubeletOfAsync(ns, pod, ct).ConfigureAwait(false);
        var url = $"{baseUrl}/containerLogs/{Escape(ns)}/{Escape(pod)}/{Escape(ContainerOrDefault(options.Container))}{options.KubeletQuery()}";
        return await SendAsync(new HttpRequestMessage(HttpMethod.Get, url), node, ct).ConfigureAwait(false);
    }

    /// <summary>Runs a command in a container to completion (non-interactive) and returns its output and exit code.</summary>
    public async Task<KubeletExecReply> ExecAsync(string ns, string pod, string? container, IReadOnlyList<string> command, int? timeoutSeconds, CancellationToken ct)
    {
        if (command.Count == 0)
        {
            throw ApiException.BadRequest("exec needs a command");
        }
        var (node, baseUrl) = await KubeletOfAsync(ns, pod, ct).ConfigureAwait(false);
        var url = $"{baseUrl}/exec/{Escape(ns)}/{Escape(pod)}/{Escape(ContainerOrDefault(container))}";
        var message = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = JsonContent.Create(new KubeletExecRequest(command, timeoutSeconds)),
        };
        using var response = await SendAsync(message, node, ct).ConfigureAwait(false);
        return await response.Content.ReadFromJsonAsync<KubeletExecReply>(ct).ConfigureAwait(false)
            ?? throw ApiException.Internal($"the kubelet of node {node} sent an empty exec reply");
    }

    /// <summary>
    /// Opens the kubelet's exec or attach stream for a pod's container: a WebSocket in Kubernetes' channel protocol
    /// (<c>v5.channel.k8s.io</c>), upgraded from an HTTP request so that the kubelet's refusals (no such container, not
    /// running) come back as errors before anything is streamed.
    /// </summary>
    public async Task<WebSocket> OpenStreamAsync(string ns, string pod, string? container, string subresource, IReadOnlyList<string> command,
        bool stdin, bool stdout, bool stderr, bool tty, CancellationToken ct)
    {
        var (node, baseUrl) = await KubeletOfAsync(ns, pod, ct).ConfigureAwait(false);
        var query = new StringBuilder("?");
        foreach (var part in command)
        {
            query.Append("command=").Append(Escape(part)).Append('&');
        }
        query.Append("stdin=").Append(Flag(stdin)).Append("&stdout=").Append(Flag(stdout)).Append("&stderr=").Append(Flag(stderr)).Append("&tty=").Append(Flag(tty));
        var url = $"{baseUrl}/{subresource}/{Escape(ns)}/{Escape(pod)}/{Escape(ContainerOrDefault(container))}{query}";
        var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Connection.Add("Upgrade");
        request.Headers.Upgrade.Add(new System.Net.Http.Headers.ProductHeaderValue("websocket"));
        request.Headers.Add("Sec-WebSocket-Version", "13");
        request.Headers.Add("Sec-WebSocket-Key", Convert.ToBase64String(RandomNumberGenerator.GetBytes(16)));
        request.Headers.Add("Sec-WebSocket-Protocol", StreamProtocol);
        var response = await SendAsync(request, node, ct, upgrade: true).ConfigureAwait(false);
        var connection = await response.Content.ReadAsStreamAsync(ct).ConfigureAwait(false);
        return WebSocket.CreateFromStream(connection, new WebSocketCreationOptions
        {
            IsServer = false,
            SubProtocol = StreamProtocol,
            KeepAliveInterval = TimeSpan.FromSeconds(30),
        });
    }

    /// <summary>
    /// The container an exec or attach names (the only one when none is named), checked against the pod's spec before anything
    /// is streamed, with Kubernetes' messages — so that both kubectl's WebSocket request and its SPDY retry get them.
    /// </summary>
    public async Task<Container> ContainerOfAsync(string ns, string podName, string? container, CancellationToken ct)
    {
        var pod = (Pod)(await api.GetAsync(ResourceRegistry.For<Pod>(), string.IsNullOrEmpty(ns) ? "default" : ns, podName, ct).ConfigureAwait(false)).Object;
        var containers = pod.Spec?.Containers ?? [];
        if (string.IsNullOrEmpty(container))
        {
            return containers.Count == 1
                ? containers[0]
                : throw ApiException.BadRequest($"a container name must be specified for pod {podName}, choose one of: [{string.Join(' ', containers.Select(c => c.Name))}]");
        }
        return containers.FirstOrDefault(c => c.Name == container) ?? throw ApiException.BadRequest($"container {container} is not valid for pod {podName}");
    }

    /// <summary>The protocol spoken with the kubelet's streams (the newest; a v4 client's messages are a subset).</summary>
    public const string StreamProtocol = "v5.channel.k8s.io";

    private static string Flag(bool value) => value ? "true" : "false";

    private async Task<(string Node, string BaseUrl)> KubeletOfAsync(string ns, string podName, CancellationToken ct)
    {
        if (string.IsNullOrEmpty(podName))
        {
            throw ApiException.BadRequest("a pod name is required");
        }
        var pod = (Pod)(await api.GetAsync(ResourceRegistry.For<Pod>(), string.IsNullOrEmpty(ns) ? "default" : ns, podName, ct).ConfigureAwait(false)).Object;
        var nodeName = pod.Spec?.NodeName;
        if (string.IsNullOrEmpty(nodeName))
        {
            throw ApiException.BadRequest($"pod {podName} is not scheduled to a node yet: no logs or exec until it is");
        }
        Node node;
        try
        {
            node = (Node)(await api.GetAsync(ResourceRegistry.For<Node>(), null, nodeName, ct).ConfigureAwait(false)).Object;
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            throw ApiException.Unavailable($"pod {podName} is on node {nodeName}, which is not registered (is its kubelet running?)");
        }
        var baseUrl = client.BaseUrl(node)
            ?? throw ApiException.Unavailable($"node {nodeName} has not published its kubelet address and port (status.addresses InternalIP, status.daemonEndpoints)");
        return (nodeName, baseUrl);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string node, CancellationToken ct, bool upgrade = false)
    {
        HttpResponseMessage response;
        try
        {
            response = await client.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw ApiException.Unavailable($"cannot reach the kubelet of node {node} at {request.RequestUri?.GetLeftPart(UriPartial.Authority)}: {ex.Message}");
        }
        finally
        {
            request.Dispose();
        }
        if (upgrade ? response.StatusCode == HttpStatusCode.SwitchingProtocols : response.IsSuccessStatusCode)
        {
            return response;
        }
        using (response)
        {
            var text = (await response.Content.ReadAsStringAsync(ct).ConfigureAwait(false)).Trim();
            throw response.StatusCode switch
            {
                HttpStatusCode.NotFound or HttpStatusCode.BadRequest or HttpStatusCode.Conflict => ApiException.BadRequest(text),
                HttpStatusCode.GatewayTimeout => ApiException.Timeout(text),
                _ => ApiException.Internal($"the kubelet of node {node} answered {(int)response.StatusCode}: {text}"),
            };
        }
    }

    private static string ContainerOrDefault(string? container) => string.IsNullOrEmpty(container) ? "-" : container;

    private static string Escape(string segment) => Uri.EscapeDataString(segment);

    private sealed record KubeletExecRequest(
        [property: JsonPropertyName("command")] IReadOnlyList<string> Command,
        [property: JsonPropertyName("timeoutSeconds"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? TimeoutSeconds);

    internal sealed record KubeletExecReply(
        [property: JsonPropertyName("stdout")] string? Stdout,
        [property: JsonPropertyName("stderr")] string? Stderr,
        [property: JsonPropertyName("exitCode")] int ExitCode);
}
