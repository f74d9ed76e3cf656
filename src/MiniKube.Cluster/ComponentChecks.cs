using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Cluster;

/// <summary>The outcome of one probe: ready/healthy or not, and a short line that says why or what was seen.</summary>
public readonly record struct CheckResult(bool Ok, string Detail)
{
    public static CheckResult Pass(string detail) => new(true, detail);

    public static CheckResult Wait(string detail) => new(false, detail);
}

/// <summary>What a probe looks at: the component, when this process started and where its log began.</summary>
public sealed record CheckTarget(ComponentSpec Component, ProbeContext Context, long LogOffset, DateTimeOffset? StartedAt);

/// <summary>A readiness or health probe of a component (the process being alive is checked apart from it).</summary>
public interface IComponentCheck
{
    Task<CheckResult> CheckAsync(CheckTarget target, CancellationToken cancellationToken);
}

/// <summary>
/// Shared clients for probes: HTTP(S), and the API server's gRPC client; both trust the cluster CA and present the admin's
/// certificate (<paramref name="credentials"/>) to whatever asks for one.
/// </summary>
public sealed class ProbeContext(string server, ClientCredentials? credentials = null) : IDisposable
{
    private readonly ClientCredentials _credentials = credentials ?? ClientCredentials.None;
    private MiniKubeClient? _api;

    public HttpClient Http { get; } = new(HttpHandler(credentials ?? ClientCredentials.None)) { Timeout = TimeSpan.FromSeconds(2) };

    public MiniKubeClient Api => _api ??= new MiniKubeClient(server, _credentials);

    private static SocketsHttpHandler HttpHandler(ClientCredentials credentials)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(1) };
        credentials.ApplyTls(handler);
        return handler;
    }

    public void Dispose()
    {
        Http.Dispose();
        _api?.Dispose();
    }
}

/// <summary>Healthy while the process runs (components without a health endpoint).</summary>
public sealed class RunningCheck : IComponentCheck
{
    public static readonly RunningCheck Instance = new();

    public Task<CheckResult> CheckAsync(CheckTarget target, CancellationToken cancellationToken) => Task.FromResult(CheckResult.Pass("running"));
}

/// <summary>An HTTP GET that must answer 200 (etcd's <c>/health</c>, the API server's <c>/readyz</c>).</summary>
public sealed class HttpCheck(string url) : IComponentCheck
{
    public string Url { get; } = url;

    public async Task<CheckResult> CheckAsync(CheckTarget target, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await target.Context.Http.GetAsync(Url, cancellationToken).ConfigureAwait(false);
            var body = (await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)).Trim();
            if (body.Length > 80)
            {
                body = body[..80] + "…";
            }
            return response.IsSuccessStatusCode
                ? CheckResult.Pass($"{Url} ok")
                : CheckResult.Wait($"{Url} answered {(int)response.StatusCode} {body}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return CheckResult.Wait($"{Url}: {Shorten(ex)}");
        }
    }

    private static string Shorten(Exception ex) => ex is TaskCanceledException ? "no answer within 2 s" : ex.Message.Split(" (", 2)[0];
}

/// <summary>A line of the component's log, written since this process started, matches (for components that only say so in their log).</summary>
public sealed class LogLineCheck(Regex pattern, string waitingFor) : IComponentCheck
{
    public Regex Pattern { get; } = pattern;

    public Task<CheckResult> CheckAsync(CheckTarget target, CancellationToken cancellationToken)
    {
        var text = LogTail.ReadFrom(target.Component.LogFile, target.LogOffset);
        foreach (var line in text.Split('\n'))
        {
            if (Pattern.IsMatch(line))
            {
                return Task.FromResult(CheckResult.Pass(waitingFor));
            }
        }
        return Task.FromResult(CheckResult.Wait("waiting until " + waitingFor));
    }
}

/// <summary>
/// The node is Ready in the API; after a (re)start the Ready condition must also have been reported by this process
/// (heartbeat after its start), not be a leftover of the previous one.
/// </summary>
public sealed class NodeReadyCheck(string node) : IComponentCheck
{
    private static readonly TimeSpan ClockSlack = TimeSpan.FromSeconds(1);

    public async Task<CheckResult> CheckAsync(CheckTarget target, CancellationToken cancellationToken)
    {
        Node found;
        try
        {
            found = await target.Context.Api.GetAsync<Node>(node, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return CheckResult.Wait(ex.IsNotFound ? $"node {node} not registered yet"
                : CallFailures.IsConnectionFailure(ex) ? $"node {node}: the API server does not answer" : $"node {node}: {ex.Message}");
        }
        var ready = found.Status?.Conditions?.FirstOrDefault(c => c.Type == NodeConditionType.Ready);
        var port = found.Status?.DaemonEndpoints?.KubeletEndpoint?.Port ?? 0;
        var where = port > 0 ? string.Create(CultureInfo.InvariantCulture, $", kubelet port {port}") : "";
        if (ready is null)
        {
            return CheckResult.Wait($"node {node} has no Ready condition yet");
        }
        if (ready.Status != "True")
        {
            return CheckResult.Wait($"node {node} Ready={ready.Status}{(ready.Reason is { } r ? " (" + r + ")" : "")}");
        }
        if (target.StartedAt is { } started && ready.LastHeartbeatTime is { } beat && beat < started - ClockSlack)
        {
            return CheckResult.Wait($"node {node}: waiting for this kubelet's first heartbeat");
        }
        return CheckResult.Pass($"node {node} Ready{where}");
    }
}

/// <summary>Reads the end of component logs for probes and error messages.</summary>
public static class LogTail
{
    public static long Length(string path) => File.Exists(path) ? new FileInfo(path).Length : 0;

    public static string ReadFrom(string path, long offset)
    {
        try
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (offset > stream.Length)
            {
                offset = 0;
            }
            stream.Seek(offset, SeekOrigin.Begin);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return reader.ReadToEnd();
        }
        catch (FileNotFoundException)
        {
            return "";
        }
        catch (DirectoryNotFoundException)
        {
            return "";
        }
    }

    /// <summary>
    /// Up to <paramref name="lines"/> lines written since <paramref name="offset"/>, indented for an error message: from the last
    /// "Unhandled exception" when there is one (a crash's first line says more than the end of its stack trace), else the last ones.
    /// </summary>
    public static string LastLines(string path, long offset, int lines)
    {
        var text = ReadFrom(path, offset).TrimEnd();
        if (text.Length == 0)
        {
            return "    (the log is empty)";
        }
        var all = text.Split('\n');
        var crash = Array.FindLastIndex(all, l => l.StartsWith("Unhandled exception", StringComparison.Ordinal));
        var first = crash >= 0 ? crash : Math.Max(0, all.Length - lines);
        return string.Join('\n', all.Skip(first).Take(lines).Select(l => "    " + l.TrimEnd('\r')));
    }
}
