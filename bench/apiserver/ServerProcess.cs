using System.Diagnostics;
using System.Text.RegularExpressions;

namespace MiniKube.Bench.ApiServer;

/// <summary>The real minikube-apiserver as its own process, as it runs in a cluster.</summary>
internal sealed partial class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, string grpcAddress)
    {
        _process = process;
        GrpcAddress = grpcAddress;
    }

    public string GrpcAddress { get; }

    public int ProcessId => _process.Id;

    public static async Task<ServerProcess> StartAsync(string etcd, CancellationToken ct)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "minikube-apiserver.dll");
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException("minikube-apiserver.dll is not next to the benchmark; build the solution first", dll);
        }
        var start = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { dll, "--etcd-servers", etcd, "--port", "0", "--grpc-port", "0" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        start.Environment["DOTNET_gcServer"] = "1";
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start minikube-apiserver");
        var ready = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line && ServingLine().Match(line) is { Success: true } m)
            {
                ready.TrySetResult(m.Groups[1].Value);
            }
        };
        process.OutputDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        process.BeginOutputReadLine();
        process.EnableRaisingEvents = true;
        process.Exited += (_, _) => ready.TrySetException(new InvalidOperationException($"minikube-apiserver exited with {process.ExitCode}"));
        var address = await ready.Task.WaitAsync(TimeSpan.FromSeconds(60), ct);
        return new ServerProcess(process, address);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    [GeneratedRegex(@"serving gRPC on (http://\S+),")]
    private static partial Regex ServingLine();
}
