using System.Diagnostics;

/// <summary>kubectl (/usr/bin/kubectl) and minictl (the repository's Release build) run as processes, as users run them.</summary>
internal sealed class CommandLineTools(string minictl)
{
    public static CommandLineTools Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "MiniKube.sln")))
        {
            dir = dir.Parent;
        }
        var minictl = dir is null ? null : Path.Combine(dir.FullName, "src/MiniKube.Cli/bin/Release/net10.0/minictl.dll");
        if (minictl is null || !File.Exists(minictl))
        {
            throw new FileNotFoundException("minictl's Release build is missing: run `dotnet build -c Release src/MiniKube.Cli` first", minictl);
        }
        if (!File.Exists("/usr/bin/kubectl"))
        {
            throw new FileNotFoundException("kubectl is missing at /usr/bin/kubectl");
        }
        return new CommandLineTools(minictl);
    }

    /// <summary>A kubeconfig for the server and a HOME of its own (kubectl caches discovery there; warm after the first run).</summary>
    public async Task<Kubeconfig> KubeconfigAsync(string server)
    {
        var home = Directory.CreateTempSubdirectory("bench-rest-home-").FullName;
        var path = Path.Combine(home, "kubeconfig");
        await File.WriteAllTextAsync(path, $"""
            apiVersion: v1
            kind: Config
            clusters: [{"{"}name: bench, cluster: {"{"}server: "{server}"{"}"}{"}"}]
            users: [{"{"}name: bench, user: {"{"}{"}"}{"}"}]
            contexts: [{"{"}name: bench, context: {"{"}cluster: bench, user: bench{"}"}{"}"}]
            current-context: bench
            """);
        return new Kubeconfig(home, path);
    }

    public Task KubectlAsync(Kubeconfig config, params string[] arguments) =>
        RunAsync("/usr/bin/kubectl", arguments, ("HOME", config.Home), ("KUBECONFIG", config.Path));

    public Task MinictlAsync(string server, params string[] arguments) =>
        RunAsync("dotnet", [minictl, "--server", server, .. arguments]);

    private static async Task RunAsync(string file, IReadOnlyList<string> arguments, params (string Name, string Value)[] environment)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        await stdout;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr}");
        }
    }
}

internal sealed record Kubeconfig(string Home, string Path) : IAsyncDisposable
{
    public ValueTask DisposeAsync()
    {
        Directory.Delete(Home, recursive: true);
        return ValueTask.CompletedTask;
    }
}
