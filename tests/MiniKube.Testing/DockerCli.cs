using System.Diagnostics;
using System.Text.Json;

namespace MiniKube.Testing;

/// <summary>The outcome of one <c>docker</c> command.</summary>
public sealed record DockerResult(IReadOnlyList<string> Arguments, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    public DockerResult EnsureSuccess() => Succeeded
        ? this
        : throw new InvalidOperationException(
            $"docker {string.Join(' ', Arguments)} exited with {ExitCode}: {StandardError.Trim()} {StandardOutput.Trim()}".TrimEnd());
}

/// <summary>
/// Runs the docker CLI so end-to-end tests can look at (and clean up) the containers the system made,
/// independently of the Docker client library the kubelet itself uses.
/// </summary>
public static class DockerCli
{
    /// <summary>Set by ./test.sh, where Docker is guaranteed: Docker tests then fail instead of skipping.</summary>
    public const string RequireDockerVariable = "MINIKUBE_TEST_REQUIRE_DOCKER";

    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(60);

    private static readonly Lazy<string?> Unavailable = new(ProbeDaemon, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Null when the daemon answers; otherwise why Docker tests cannot run here.</summary>
    public static string? UnavailableReason => Unavailable.Value;

    public static bool IsAvailable => UnavailableReason is null;

    public static Task<DockerResult> RunAsync(params string[] arguments) => RunAsync(arguments, DefaultTimeout);

    public static async Task<DockerResult> RunAsync(
        IReadOnlyList<string> arguments, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var output = await ProgramRunner.RunAsync(CreateStartInfo(arguments), $"docker {string.Join(' ', arguments)}", timeout, cancellationToken: cancellationToken)
            .ConfigureAwait(false);
        return new DockerResult(arguments, output.ExitCode, output.StandardOutput, output.StandardError);
    }

    /// <summary>IDs of containers (running or not) carrying <paramref name="label"/> (<c>key</c> or <c>key=value</c>).</summary>
    public static async Task<IReadOnlyList<string>> ListContainersAsync(string label, CancellationToken cancellationToken = default) =>
        await ListContainersAsync(label, runningOnly: false, cancellationToken).ConfigureAwait(false);

    /// <summary>IDs of containers carrying <paramref name="label"/>; with <paramref name="runningOnly"/>, only the running ones.</summary>
    public static async Task<IReadOnlyList<string>> ListContainersAsync(string label, bool runningOnly, CancellationToken cancellationToken = default)
    {
        string[] status = runningOnly ? ["--filter", "status=running"] : ["--all"];
        var result = (await RunAsync(["ps", .. status, "--quiet", "--no-trunc", "--filter", $"label={label}"], DefaultTimeout, cancellationToken)
            .ConfigureAwait(false)).EnsureSuccess();
        return result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
    }

    /// <summary>The <c>docker inspect</c> document of one container or image.</summary>
    public static async Task<JsonElement> InspectAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        var result = (await RunAsync(["inspect", nameOrId], DefaultTimeout, cancellationToken).ConfigureAwait(false)).EnsureSuccess();
        using var document = JsonDocument.Parse(result.StandardOutput);
        return document.RootElement[0].Clone();
    }

    public static async Task<bool> ImageExistsAsync(string image, CancellationToken cancellationToken = default) =>
        (await RunAsync(["image", "inspect", image], DefaultTimeout, cancellationToken).ConfigureAwait(false)).Succeeded;

    public static async Task KillAsync(string nameOrId, string signal = "KILL", CancellationToken cancellationToken = default) =>
        (await RunAsync(["kill", "--signal", signal, nameOrId], DefaultTimeout, cancellationToken).ConfigureAwait(false)).EnsureSuccess();

    public static async Task RemoveAsync(string nameOrId, CancellationToken cancellationToken = default) =>
        (await RunAsync(["rm", "--force", "--volumes", nameOrId], DefaultTimeout, cancellationToken).ConfigureAwait(false)).EnsureSuccess();

    /// <summary>Force-removes every container carrying <paramref name="label"/> and waits until none is left; returns how many there were.</summary>
    public static async Task<int> RemoveContainersWithLabelAsync(string label, CancellationToken cancellationToken = default)
    {
        var ids = await ListContainersAsync(label, cancellationToken).ConfigureAwait(false);
        var left = ids;
        var deadline = DateTime.UtcNow + DefaultTimeout;
        while (left.Count > 0)
        {
            var result = await RunAsync(["rm", "--force", "--volumes", .. left], DefaultTimeout, cancellationToken).ConfigureAwait(false);
            // A container that vanished meanwhile (--rm), or that its kubelet is removing right now, is going anyway:
            // what counts is that none is left, checked below (CI once failed on "removal … is already in progress").
            if (!result.Succeeded && !result.StandardError.Contains("No such container", StringComparison.OrdinalIgnoreCase)
                && !result.StandardError.Contains("is already in progress", StringComparison.OrdinalIgnoreCase))
            {
                result.EnsureSuccess();
            }
            left = await ListContainersAsync(label, cancellationToken).ConfigureAwait(false);
            if (left.Count > 0 && DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"containers labelled {label} still exist after {DefaultTimeout.TotalSeconds:0} s: {string.Join(", ", left)} ({result.StandardError.Trim()})");
            }
            if (left.Count > 0)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(100), cancellationToken).ConfigureAwait(false);
            }
        }

        return ids.Count;
    }

    private static ProcessStartInfo CreateStartInfo(IReadOnlyList<string> arguments)
    {
        var startInfo = new ProcessStartInfo("docker");
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return startInfo;
    }

    private static string? ProbeDaemon()
    {
        try
        {
            // Runs during test discovery (from an attribute constructor), where only blocking calls fit.
            var result = RunAsync(["info", "--format", "{{.ServerVersion}}"], TimeSpan.FromSeconds(15)).GetAwaiter().GetResult();
            return result.Succeeded
                ? null
                : $"docker daemon not reachable (`docker info` exited {result.ExitCode}: {result.StandardError.Trim()}); run ./test.sh, which starts dockerd";
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or TimeoutException)
        {
            return $"docker not usable ({ex.Message}); install docker.io or run ./test.sh";
        }
    }
}
