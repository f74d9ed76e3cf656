using System.Diagnostics;
using MiniKube.Testing;

namespace MiniKube.EndToEnd.Tests;

/// <summary>
/// The kubeconfig <c>minictl cluster up</c> wrote is all the real kubectl needs: with a fresh HOME (no discovery cache) and no
/// flags, its current context is the cluster; it lists the cluster's nodes and writes and reads objects in the default namespace.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class KubeconfigTests(ClusterFixture cluster)
{
    [DockerFact]
    public async Task Kubectl_with_no_flags_uses_the_context_cluster_up_added_and_made_current()
    {
        var home = Path.Combine(cluster.Home, "kubectl-home-" + Guid.NewGuid().ToString("N")[..6]);
        Directory.CreateDirectory(home);

        var context = await KubectlAsync(home, "config", "current-context");
        var nodes = await KubectlAsync(home, "get", "nodes");
        var namespaces = await KubectlAsync(home, "get", "namespaces");
        var name = "kubeconfig-" + Guid.NewGuid().ToString("N")[..6];
        var manifest = Path.Combine(home, name + ".yaml");
        await File.WriteAllTextAsync(manifest, $"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\ndata:\n  written: by-kubectl\n");
        await KubectlAsync(home, "apply", "-f", manifest);
        var read = await KubectlAsync(home, "get", "configmap", name, "-o", "jsonpath={.data.written}");
        var stored = await cluster.Client.GetAsync<MiniKube.Api.ConfigMap>(name, "default");
        await KubectlAsync(home, "delete", "configmap", name);
        var version = await KubectlAsync(home, "version");

        Assert.Equal(cluster.Name, context.Trim());
        Assert.StartsWith("NAME ", nodes, StringComparison.Ordinal);
        foreach (var node in cluster.NodeNames)
        {
            Assert.Matches($@"(?m)^{node}\s+Ready\s", nodes);
        }
        Assert.Matches(@"(?m)^default\s+Active\s", namespaces);
        Assert.Equal("by-kubectl", read);
        Assert.Equal("by-kubectl", stored.Data!["written"]);
        Assert.Contains("Server Version: v1.32", version, StringComparison.Ordinal);
    }

    /// <summary>Runs /usr/bin/kubectl with only HOME and KUBECONFIG set, and asserts it exited 0 within 90 s.</summary>
    private async Task<string> KubectlAsync(string home, params string[] args)
    {
        var start = new ProcessStartInfo("/usr/bin/kubectl");
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }
        start.Environment.Clear();
        start.Environment["PATH"] = "/usr/bin:/bin";
        start.Environment["HOME"] = home;
        start.Environment["KUBECONFIG"] = Path.Combine(cluster.Home, "kubeconfig");
        var result = await ProgramRunner.RunAsync(start, "kubectl " + string.Join(' ', args), TimeSpan.FromSeconds(90));
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', args)} exited {result.ExitCode}\nstdout:\n{result.StandardOutput}\nstderr:\n{result.StandardError}");
        return result.StandardOutput;
    }
}
