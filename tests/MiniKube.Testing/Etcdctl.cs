using System.Diagnostics;

namespace MiniKube.Testing;

/// <summary><c>etcdctl</c> (Debian's etcd-client, installed by ./test.sh), to look at etcd as an operator would, around the API server.</summary>
public static class Etcdctl
{
    /// <summary>Runs etcdctl against <paramref name="endpoint"/>; its output, or an exception with its stderr on a non-zero exit.</summary>
    public static async Task<string> RunAsync(string endpoint, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("etcdctl")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        startInfo.Environment["ETCDCTL_API"] = "3";
        foreach (var argument in new[] { "--endpoints", endpoint, "--command-timeout", "30s" }.Concat(arguments))
        {
            startInfo.ArgumentList.Add(argument);
        }
        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("etcdctl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        return process.ExitCode == 0
            ? await stdout.ConfigureAwait(false)
            : throw new InvalidOperationException($"etcdctl {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr.ConfigureAwait(false)}");
    }

    /// <summary>The raw value stored at <paramref name="key"/> (a full etcd key, prefix included); empty when absent.</summary>
    public static Task<string> GetValueAsync(string endpoint, string key) => RunAsync(endpoint, "get", key, "--print-value-only");
}
