using System.Diagnostics;

namespace MiniKube.Cluster;

/// <summary>
/// The images pods need (no registry is reachable): the sandbox and the busybox workloads, built by
/// <c>deploy/images/build.sh</c> (shipped next to minictl as <c>images/build.sh</c>) when any is missing.
/// </summary>
public static class LocalImages
{
    public const string Sandbox = "minikube/pause:latest";

    public static readonly IReadOnlyList<string> Required = [Sandbox, "minikube/busybox:latest", "minikube/busybox:1.0", "minikube/busybox:2.0"];

    private static readonly TimeSpan BuildTimeout = TimeSpan.FromMinutes(3);

    /// <summary>Builds the missing images; returns what it built (empty when all were there).</summary>
    public static async Task<IReadOnlyList<string>> EnsureAsync(DockerEngine docker, string binDirectory, CancellationToken cancellationToken)
    {
        var missing = await docker.MissingImagesAsync(Required, cancellationToken).ConfigureAwait(false);
        if (missing.Count == 0)
        {
            return missing;
        }
        var script = FindBuildScript(binDirectory)
            ?? throw new ClusterException($"images {string.Join(", ", missing)} are missing and deploy/images/build.sh was not found next to minictl; run it from the MiniKube repository");
        await RunAsync(script, cancellationToken).ConfigureAwait(false);
        var still = await docker.MissingImagesAsync(Required, cancellationToken).ConfigureAwait(false);
        if (still.Count > 0)
        {
            throw new ClusterException($"{script} ran but images {string.Join(", ", still)} are still missing");
        }
        return missing;
    }

    public static string? FindBuildScript(string binDirectory)
    {
        var beside = Path.Combine(binDirectory, "images", "build.sh");
        if (File.Exists(beside))
        {
            return beside;
        }
        for (var dir = new DirectoryInfo(binDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "deploy", "images", "build.sh");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static async Task RunAsync(string script, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo("/bin/bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(script);
        using var process = Process.Start(start) ?? throw new ClusterException("could not run " + script);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(BuildTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }
            throw new ClusterException($"{script} did not finish within {BuildTimeout.TotalMinutes:0} minutes");
        }
        if (process.ExitCode != 0)
        {
            var output = ((await stdout.ConfigureAwait(false)) + (await stderr.ConfigureAwait(false))).Trim();
            throw new ClusterException($"building the local images failed ({script} exited with {process.ExitCode}):\n{output}");
        }
    }
}
