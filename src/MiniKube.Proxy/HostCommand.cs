using System.Diagnostics;

namespace MiniKube.Proxy;

/// <summary>The outcome of one host command (iptables, ip).</summary>
public sealed record HostCommandResult(string Command, int ExitCode, string StandardOutput, string StandardError)
{
    public bool Succeeded => ExitCode == 0;

    public HostCommandResult EnsureSuccess() => Succeeded
        ? this
        : throw new HostCommandException($"{Command} exited with {ExitCode}: {StandardError.Trim()}");
}

public sealed class HostCommandException(string message) : Exception(message);

/// <summary>Runs the host's network tools (argument vectors, no shell), optionally feeding standard input.</summary>
public static class HostCommand
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    public static async Task<HostCommandResult> RunAsync(string file, IReadOnlyList<string> arguments, string? input = null, CancellationToken cancellationToken = default)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardInput = input is not null,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        var name = file + " " + string.Join(' ', arguments);
        using var process = new Process { StartInfo = start };
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new HostCommandException($"cannot run {file}: {ex.Message} (is it installed and on PATH?)");
        }
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Timeout);
        var stdout = process.StandardOutput.ReadToEndAsync(deadline.Token);
        var stderr = process.StandardError.ReadToEndAsync(deadline.Token);
        try
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), deadline.Token).ConfigureAwait(false);
                process.StandardInput.Close();
            }
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
            return new HostCommandResult(name, process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            cancellationToken.ThrowIfCancellationRequested();
            throw new HostCommandException($"{name} did not finish within {Timeout.TotalSeconds:0} s");
        }
    }
}
