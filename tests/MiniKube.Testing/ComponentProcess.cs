using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.RegularExpressions;

namespace MiniKube.Testing;

/// <summary>
/// A MiniKube component (minikube-apiserver, minikube-scheduler, …) run as its own process from the build output,
/// as it runs in a cluster. Ready when a line of its stderr matches a pattern; its recent output is kept for
/// failure messages. Disposing kills it.
/// </summary>
public sealed class ComponentProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ProcessOutputBuffer _output;

    private ComponentProcess(Process process, ProcessOutputBuffer output, Match ready)
    {
        _process = process;
        _output = output;
        Ready = ready;
    }

    /// <summary>The stderr line that signalled readiness, matched.</summary>
    public Match Ready { get; }

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    public string RecentOutput => _output.Snapshot();

    /// <summary>Starts <c>dotnet &lt;assembly&gt;.dll args…</c> from the caller's build output and waits for <paramref name="readyLine"/>.</summary>
    /// <param name="environment">Variables set for the process on top of the caller's environment.</param>
    /// <param name="directory">Where the component's assembly is (e.g. a precompiled publish); default: the caller's build output.</param>
    public static async Task<ComponentProcess> StartAsync(string assembly, IEnumerable<string> args, Regex readyLine, TimeSpan timeout,
        CancellationToken cancellationToken = default, IReadOnlyDictionary<string, string>? environment = null, string? directory = null)
    {
        var start = StartInfo(assembly, args, directory);
        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[name] = value;
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {assembly}");
        var output = new ProcessOutputBuffer();
        var ready = new TaskCompletionSource<Match>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not { } line)
            {
                return;
            }
            output.Add(line);
            if (readyLine.Match(line) is { Success: true } m)
            {
                ready.TrySetResult(m);
            }
        };
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line)
            {
                output.Add(line);
            }
        };
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"{assembly} exited with {process.ExitCode}:\n{output.Snapshot()}"));
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        try
        {
            var match = await ready.Task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
            return new ComponentProcess(process, output, match);
        }
        catch
        {
            Kill(process);
            process.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Runs <c>dotnet &lt;assembly&gt;.dll args…</c> from the caller's build output to its end (a process that is expected to
    /// stop by itself, e.g. on bad flags); its exit code and everything it wrote to stderr. Killed if it outlives <paramref name="timeout"/>.
    /// </summary>
    public static async Task<(int ExitCode, string StandardError)> RunToExitAsync(string assembly, IEnumerable<string> args, TimeSpan timeout)
    {
        var start = StartInfo(assembly, args);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {assembly}");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            throw new TimeoutException($"{assembly} {string.Join(' ', args)} did not exit within {timeout}");
        }
        await stdout.ConfigureAwait(false);
        return (process.ExitCode, await stderr.ConfigureAwait(false));
    }

    /// <summary>
    /// Starts minikube-apiserver on free ports over <paramref name="etcd"/> (without the ServiceAccount admission plugin unless
    /// <paramref name="extraArgs"/> say otherwise with <c>--disable-admission-plugins</c>); returns it with its gRPC address.
    /// </summary>
    public static async Task<(ComponentProcess Process, string GrpcAddress)> StartApiServerAsync(string etcd, CancellationToken cancellationToken = default,
        IEnumerable<string>? extraArgs = null, string? directory = null)
    {
        var args = extraArgs?.ToList() ?? [];
        if (!args.Contains("--disable-admission-plugins"))
        {
            // As TestApiServer: a bare API server has no controller-manager to make the default ServiceAccount pods wait for.
            args.AddRange(["--disable-admission-plugins", "ServiceAccount"]);
        }
        var process = await StartAsync("minikube-apiserver", ["--etcd-servers", etcd, "--port", "0", "--grpc-port", "0", .. args],
            new Regex(@"serving gRPC on (https?://\S+),"), TimeSpan.FromSeconds(60), cancellationToken, directory: directory).ConfigureAwait(false);
        return (process, process.Ready.Groups[1].Value);
    }

    /// <summary>Kills the process with SIGKILL (kill -9: no shutdown code runs) and waits until it is gone.</summary>
    public async Task KillAsync()
    {
        Kill(_process);
        await _process.WaitForExitAsync().ConfigureAwait(false);
    }

    /// <summary>Sends SIGTERM, as <c>minictl cluster down</c> and process supervisors do to stop a component.</summary>
    public void Terminate() => Signal(SigTerm);

    /// <summary>Sends SIGINT, as Ctrl-C in a terminal does.</summary>
    public void Interrupt() => Signal(SigInt);

    /// <summary>Waits until the process exits and returns its exit code; on timeout the message carries its recent output.</summary>
    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        try
        {
            await _process.WaitForExitAsync().WaitAsync(timeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"process {_process.Id} did not exit within {timeout.TotalSeconds:0.#} s; its recent output:\n{_output.Snapshot()}");
        }
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        Kill(_process);
        await _process.WaitForExitAsync().ConfigureAwait(false);
        _process.Dispose();
    }

    private const int SigInt = 2;
    private const int SigTerm = 15;

    private void Signal(int signal)
    {
        if (SendSignal(_process.Id, signal) != 0)
        {
            throw new InvalidOperationException($"kill({_process.Id}, {signal}) failed with errno {Marshal.GetLastPInvokeError()}");
        }
    }

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary><c>dotnet &lt;assembly&gt;.dll args…</c> from the caller's build output (or <paramref name="directory"/>), with both outputs redirected.</summary>
    private static ProcessStartInfo StartInfo(string assembly, IEnumerable<string> args, string? directory = null)
    {
        directory ??= AppContext.BaseDirectory;
        var dll = Path.Combine(directory, assembly + ".dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{assembly}.dll is not in {directory}; reference its project and build first", dll);
        }
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(dll);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        return start;
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }
}
