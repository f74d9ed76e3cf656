using System.Runtime.InteropServices;

namespace MiniKube.Cluster;

/// <summary>
/// Where the component programs are: the .NET components' assemblies (<c>minikube-apiserver.dll</c> …) next to minictl
/// or in <c>--bin-dir</c>, run with the same <c>dotnet</c> host that runs minictl; self-contained publishes run directly;
/// etcd from <c>PATH</c>.
/// </summary>
public sealed class ComponentBinaries
{
    private ComponentBinaries(string directory, string dotnetHost)
    {
        Directory = directory;
        DotnetHost = dotnetHost;
    }

    public string Directory { get; }

    public string DotnetHost { get; }

    public static ComponentBinaries Locate(string? binDirectory)
    {
        var directory = Path.GetFullPath(string.IsNullOrWhiteSpace(binDirectory) ? AppContext.BaseDirectory : binDirectory);
        if (!System.IO.Directory.Exists(directory))
        {
            throw new ClusterException($"--bin-dir {directory} does not exist");
        }
        return new ComponentBinaries(directory, FindDotnetHost());
    }

    /// <summary>The command line prefix that runs <paramref name="assembly"/>.</summary>
    public IReadOnlyList<string> Command(string assembly)
    {
        var dll = Path.Combine(Directory, assembly + ".dll");
        var apphost = Path.Combine(Directory, assembly);
        if (IsSelfContained(assembly) && File.Exists(apphost))
        {
            return [apphost];
        }
        return [DotnetHost, dll];
    }

    /// <summary>The assemblies of <paramref name="assemblies"/> that are not there.</summary>
    public IReadOnlyList<string> Missing(IEnumerable<string> assemblies) =>
        [.. assemblies.Where(a => !File.Exists(Path.Combine(Directory, a + ".dll")) && !File.Exists(Path.Combine(Directory, a)))];

    private bool IsSelfContained(string assembly)
    {
        var config = Path.Combine(Directory, assembly + ".runtimeconfig.json");
        return File.Exists(config) && File.ReadAllText(config).Contains("\"includedFrameworks\"", StringComparison.Ordinal);
    }

    private static string FindDotnetHost()
    {
        // The host of the runtime running minictl: …/dotnet/shared/Microsoft.NETCore.App/<version>/ → …/dotnet/dotnet.
        var runtime = RuntimeEnvironment.GetRuntimeDirectory().TrimEnd('/');
        var root = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(runtime)));
        foreach (var candidate in new[]
                 {
                     root is null ? null : Path.Combine(root, "dotnet"),
                     System.Environment.GetEnvironmentVariable("DOTNET_ROOT") is { Length: > 0 } r ? Path.Combine(r, "dotnet") : null,
                     System.Environment.ProcessPath is { } p && Path.GetFileNameWithoutExtension(p) == "dotnet" ? p : null,
                 })
        {
            if (candidate is not null && File.Exists(candidate))
            {
                return candidate;
            }
        }
        return ExecutableSearch.Find("dotnet", System.Environment.GetEnvironmentVariable) ?? "dotnet";
    }
}

/// <summary>Looks programs up on <c>PATH</c> (plus the sbin directories non-root shells often lack).</summary>
public static class ExecutableSearch
{
    public static string? Find(string name, Func<string, string?> environment)
    {
        var path = environment("PATH") ?? "";
        foreach (var directory in path.Split(':', StringSplitOptions.RemoveEmptyEntries).Concat(["/usr/local/sbin", "/usr/sbin", "/sbin"]))
        {
            var candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
