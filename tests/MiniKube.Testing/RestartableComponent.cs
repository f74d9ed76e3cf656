using System.Text.RegularExpressions;

namespace MiniKube.Testing;

/// <summary>
/// A MiniKube component process that a fault test can kill with SIGKILL and start again with the same command line
/// (same ports, same data), as a supervisor would after a crash.
/// </summary>
public sealed class RestartableComponent : IAsyncDisposable
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    private readonly string _assembly;
    private readonly IReadOnlyList<string> _arguments;
    private readonly Regex _readyLine;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ComponentProcess? _process;
    private string _lastOutput = "(not started)";

    private RestartableComponent(string name, string assembly, IReadOnlyList<string> arguments, Regex readyLine)
    {
        Name = name;
        _assembly = assembly;
        _arguments = arguments;
        _readyLine = readyLine;
    }

    public string Name { get; }

    public bool IsRunning => _process is { HasExited: false };

    /// <summary>The recent output of the current (or last) process, for failure messages.</summary>
    public string RecentOutput => _process?.RecentOutput ?? _lastOutput;

    public int Kills { get; private set; }

    public static async Task<RestartableComponent> StartAsync(string name, string assembly, IReadOnlyList<string> arguments, Regex readyLine,
        CancellationToken cancellationToken = default)
    {
        var component = new RestartableComponent(name, assembly, arguments, readyLine);
        await component.StartAsync(cancellationToken).ConfigureAwait(false);
        return component;
    }

    /// <summary>Starts the process if it is not running, and waits for its ready line.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (IsRunning)
            {
                return;
            }
            if (_process is { } dead)
            {
                // It died by itself.
                _lastOutput = dead.RecentOutput;
                _process = null;
                await dead.DisposeAsync().ConfigureAwait(false);
            }
            _process = await ComponentProcess.StartAsync(_assembly, _arguments, _readyLine, StartTimeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>kill -9: the process gets no chance to release leases, flush or say goodbye.</summary>
    public async Task KillAsync()
    {
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_process is { } process)
            {
                _lastOutput = process.RecentOutput;
                _process = null;
                // ComponentProcess's disposal is Process.Kill, which sends SIGKILL.
                await process.DisposeAsync().ConfigureAwait(false);
                Kills++;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task KillAndRestartAsync(CancellationToken cancellationToken = default)
    {
        await KillAsync().ConfigureAwait(false);
        await StartAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync().ConfigureAwait(false);
        _gate.Dispose();
    }
}
