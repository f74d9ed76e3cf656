using System.Diagnostics;

namespace MiniKube.Testing;

/// <summary>What a program run to completion printed, and how it exited.</summary>
public sealed record ProgramOutput(int ExitCode, string StandardOutput, string StandardError);

/// <summary>
/// Runs a command-line program (docker, kubectl, …) to completion with a deadline: its output read while it runs, its
/// standard input written and closed, and the whole process tree killed when the deadline passes.
/// </summary>
public static class ProgramRunner
{
    /// <summary>
    /// Runs <paramref name="start"/> (whose output and input this redirects); a <see cref="TimeoutException"/> naming
    /// <paramref name="what"/> when it outlives <paramref name="timeout"/>, an <see cref="OperationCanceledException"/> when
    /// the caller cancels.
    /// </summary>
    public static async Task<ProgramOutput> RunAsync(ProcessStartInfo start, string what, TimeSpan timeout, string? stdin = null,
        CancellationToken cancellationToken = default)
    {
        start.UseShellExecute = false;
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.RedirectStandardInput = true;
        using var process = Process.Start(start) ?? throw new InvalidOperationException(what + " did not start");
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            if (stdin is not null)
            {
                await process.StandardInput.WriteAsync(stdin.AsMemory(), deadline.Token).ConfigureAwait(false);
            }
            process.StandardInput.Close();
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            return new ProgramOutput(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new TimeoutException($"{what} did not finish within {timeout.TotalSeconds:0.###} s");
        }
    }
}
