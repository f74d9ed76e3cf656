using System.CommandLine;
using System.Globalization;
using System.Net;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Dashboard;

/// <summary>The dashboard's flags and their translation into <see cref="DashboardOptions"/>; problems come back as one line each.</summary>
public static class DashboardCommandLine
{
    private static readonly Option<string?> Server = new("--server")
    {
        Description = $"API server gRPC URL (else ${ClientConfig.ServerEnvironmentVariable}, else {ClientConfig.DefaultServer})",
    };

    private static readonly ClientCredentialFlags Credentials = new();

    private static readonly Option<string> Listen = new("--listen")
    {
        Description = "Address and port of the web UI, host:port (port 0 picks a free one)",
        DefaultValueFactory = _ => "127.0.0.1:" + DashboardOptions.DefaultPort.ToString(CultureInfo.InvariantCulture),
    };

    private static readonly Option<string> LogLevel = new("--log-level")
    {
        Description = "Verbose, Debug, Information, Warning or Error",
        DefaultValueFactory = _ => "Information",
    };

    private static readonly Option<string> MetricsPeriod = new("--metrics-period")
    {
        Description = "How often the CPU/memory charts poll the API server's metrics lists (a duration such as 15s or 2s)",
        DefaultValueFactory = _ => GoDuration.Format(DashboardOptions.DefaultMetricsPeriod),
    };

    public static RootCommand CreateRootCommand()
    {
        var root = new RootCommand("minikube-dashboard: the MiniKube web UI (live through list+watch on the API server)") { Server, Listen, LogLevel, MetricsPeriod };
        foreach (var option in Credentials.All)
        {
            root.Options.Add(option);
        }
        return root;
    }

    /// <summary>Options from a parse; the problems (each one line, saying what to set) when the flags do not make sense.</summary>
    public static (DashboardOptions? Options, IReadOnlyList<string> Problems) ToOptions(ParseResult parse, Func<string, string?>? environment = null)
    {
        var problems = new List<string>();
        var server = ClientConfig.ResolveServer(parse.GetValue(Server), environment ?? Environment.GetEnvironmentVariable);
        if (ClientConfig.ServerProblem(server) is not null)
        {
            problems.Add($"--server \"{server}\" is not a URL such as {ClientConfig.DefaultServer}");
        }
        var credentials = Credentials.Bind(parse, problems, environment);
        var listen = parse.GetValue(Listen) ?? "";
        if (!TryParseListen(listen, out var address, out var port))
        {
            problems.Add($"--listen \"{listen}\" is not host:port with an IP address and a port 0-65535, such as 127.0.0.1:{DashboardOptions.DefaultPort}");
        }
        var level = parse.GetValue(LogLevel) ?? "Information";
        if (level is not ("Verbose" or "Debug" or "Information" or "Warning" or "Error"))
        {
            problems.Add($"--log-level \"{level}\" is not one of Verbose, Debug, Information, Warning, Error");
        }
        var periodText = parse.GetValue(MetricsPeriod);
        var period = GoDuration.ParseFlag("--metrics-period", periodText, problems);
        if (GoDuration.TryParse(periodText, out _) && (period < TimeSpan.FromMilliseconds(100) || period > TimeSpan.FromMinutes(5)))
        {
            problems.Add($"--metrics-period \"{periodText}\" is out of range: use 100ms to 5m, such as 15s");
        }
        if (problems.Count > 0)
        {
            return (null, problems);
        }
        return (new DashboardOptions { Server = server, Credentials = credentials, ListenAddress = address!, ListenPort = port, LogLevel = level, MetricsPeriod = period }, problems);
    }

    /// <summary><c>127.0.0.1:8443</c>, <c>[::1]:8443</c>, or <c>localhost:8443</c> (loopback).</summary>
    public static bool TryParseListen(string text, out IPAddress? address, out int port)
    {
        address = null;
        port = 0;
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || colon == text.Length - 1)
        {
            return false;
        }
        var host = text[..colon].Trim('[', ']');
        if (!int.TryParse(text[(colon + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out port) || port > 65535)
        {
            return false;
        }
        if (string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase))
        {
            address = IPAddress.Loopback;
            return true;
        }
        return IPAddress.TryParse(host, out address);
    }
}
