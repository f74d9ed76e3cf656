using System.Globalization;
using System.Net.Sockets;
using MiniKube.Api;

namespace MiniKube.Kubelet;

public sealed record ProbeResult(bool Success, string Output);

/// <summary>Runs one probe once: exec (exit code 0), httpGet (status 200–399) or tcpSocket (connects), bounded by timeoutSeconds.</summary>
internal sealed class Prober(IContainerRuntime runtime) : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        PooledConnectionLifetime = TimeSpan.Zero,
        ConnectTimeout = TimeSpan.FromSeconds(30),
    })
    {
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public async Task<ProbeResult> RunAsync(Probe probe, Container container, string containerId, string podIp, CancellationToken ct)
    {
        var timeout = TimeSpan.FromSeconds(Math.Max(1, probe.TimeoutSeconds ?? 1));
        if (probe.Exec is { } exec)
        {
            var command = exec.Command ?? [];
            try
            {
                var result = await runtime.ExecAsync(containerId, command, timeout, ct).ConfigureAwait(false);
                if (result.TimedOut)
                {
                    return new ProbeResult(false, $"command \"{string.Join(' ', command)}\" timed out");
                }
                var output = (result.Stdout + result.Stderr).Trim();
                return new ProbeResult(result.ExitCode == 0, output);
            }
            catch (ContainerRuntimeException ex)
            {
                return new ProbeResult(false, ex.Message);
            }
        }
        if (probe.HttpGet is { } http)
        {
            var host = string.IsNullOrEmpty(http.Host) ? podIp : http.Host;
            var port = ResolvePort(http.Port, container);
            var path = string.IsNullOrEmpty(http.Path) ? "/" : http.Path.StartsWith('/') ? http.Path : "/" + http.Path;
            var scheme = string.Equals(http.Scheme, "HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
            var url = string.Create(CultureInfo.InvariantCulture, $"{scheme}://{host}:{port}{path}");
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(timeout);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.UserAgent.ParseAdd("kube-probe/1.32");
                foreach (var header in http.HttpHeaders ?? [])
                {
                    request.Headers.TryAddWithoutValidation(header.Name, header.Value);
                }
                using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token).ConfigureAwait(false);
                var code = (int)response.StatusCode;
                return code is >= 200 and < 400
                    ? new ProbeResult(true, "")
                    : new ProbeResult(false, string.Create(CultureInfo.InvariantCulture, $"HTTP probe failed with statuscode: {code}"));
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new ProbeResult(false, $"Get \"{url}\": context deadline exceeded (Client.Timeout exceeded while awaiting headers)");
            }
            catch (HttpRequestException ex)
            {
                return new ProbeResult(false, $"Get \"{url}\": {ex.InnerException?.Message ?? ex.Message}");
            }
        }
        if (probe.TcpSocket is { } tcp)
        {
            var host = string.IsNullOrEmpty(tcp.Host) ? podIp : tcp.Host;
            var port = ResolvePort(tcp.Port, container);
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
            deadline.CancelAfter(timeout);
            using var client = new TcpClient();
            try
            {
                await client.ConnectAsync(host, port, deadline.Token).ConfigureAwait(false);
                return new ProbeResult(true, "");
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                return new ProbeResult(false, string.Create(CultureInfo.InvariantCulture, $"dial tcp {host}:{port}: i/o timeout"));
            }
            catch (SocketException ex)
            {
                return new ProbeResult(false, string.Create(CultureInfo.InvariantCulture, $"dial tcp {host}:{port}: connect: {ex.Message.ToLowerInvariant()}"));
            }
        }
        return new ProbeResult(false, "probe has no exec, httpGet or tcpSocket handler (grpc probes are not supported)");
    }

    public void Dispose() => _http.Dispose();

    private static int ResolvePort(IntOrString port, Container container)
    {
        if (port.IsInt)
        {
            return port.IntValue;
        }
        var named = container.Ports?.FirstOrDefault(p => p.Name == port.StringValue);
        if (named is not null)
        {
            return named.ContainerPort;
        }
        return int.TryParse(port.StringValue, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
    }
}
