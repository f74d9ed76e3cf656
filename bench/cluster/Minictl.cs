using System.Diagnostics;
using System.Text;

namespace MiniKube.Bench.Cluster;

/// <summary>
/// minictl as users run it: its own process, in a given MINIKUBE_HOME — <c>dotnet minictl.dll</c> from this benchmark's
/// output, or the minictl of a publish directory (<c>--bin-dir</c>: its apphost when it has one), whose components
/// <c>cluster up</c> then starts.
/// </summary>
public sealed class Minictl(string home, IReadOnlyDictionary<string, string> environment, string? binDirectory = null)
{
    private readonly string _directory = binDirectory ?? AppContext.BaseDirectory;

    public async Task<(int ExitCode, string Output, TimeSpan Elapsed)> RunAsync(string[] args, CancellationToken cancellationToken)
    {
        var apphost = Path.Combine(_directory, "minictl");
        var direct = binDirectory is not null && File.Exists(apphost);
        var start = new ProcessStartInfo(direct ? apphost : DotnetHost()) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (!direct)
        {
            start.ArgumentList.Add(Path.Combine(_directory, "minictl.dll"));
        }
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment["MINIKUBE_HOME"] = home;
        start.Environment["KUBECONFIG"] = Path.Combine(home, "kubeconfig");
        start.Environment.Remove("MINIKUBE_SERVER");
        start.Environment.Remove("MINIKUBE_CONFIG");
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }
        var clock = Stopwatch.StartNew();
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start minictl");
        var output = new StringBuilder();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        var elapsed = clock.Elapsed;
        output.Append(await stdout).Append(await stderr);
        return (process.ExitCode, output.ToString(), elapsed);
    }

    private static string DotnetHost()
    {
        var runtime = System.Runtime.InteropServices.RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtime)));
        var host = root is null ? null : Path.Combine(root, "dotnet");
        return host is not null && File.Exists(host) ? host : "dotnet";
    }
}
