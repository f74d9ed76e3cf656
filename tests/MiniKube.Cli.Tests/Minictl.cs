namespace MiniKube.Cli.Tests;

/// <summary>What one minictl run printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Out, string Err)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}--- stderr\n{Err}";
}

/// <summary>
/// Runs minictl in-process against <paramref name="server"/> (through MINIKUBE_SERVER), capturing its output; with
/// <paramref name="configFile"/>, that is its client config file (else none).
/// </summary>
public sealed class Minictl(string server, TimeProvider? clock = null, string? configFile = null)
{
    public Task<CliResult> RunAsync(params string[] args) => RunAsync(args, input: null);

    public Task<CliResult> RunWithInputAsync(string input, params string[] args) => RunAsync(args, input);

    public async Task<CliResult> RunAsync(string[] args, string? input, CancellationToken cancellationToken = default)
    {
        var output = new ConcurrentStringWriter();
        var error = new ConcurrentStringWriter();
        var code = await Start(args, output, error, input, cancellationToken);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    /// <summary>Starts a run whose output can be read while it goes on (for watches).</summary>
    public Task<int> Start(string[] args, TextWriter output, TextWriter error, string? input = null, CancellationToken cancellationToken = default)
    {
        var app = new MinictlApp(output, error, Environment, input is null ? null : new StringReader(input), clock);
        return app.RunAsync(args, cancellationToken);
    }

    private string? Environment(string name) => name switch
    {
        "MINIKUBE_SERVER" => server,
        // Never read the developer's own ~/.minikube/config.
        "MINIKUBE_CONFIG" => configFile ?? "/nonexistent/minikube-config",
        _ => null,
    };
}
