using MiniKube.Testing;

namespace MiniKube.Bench.Chaos;

/// <summary>Containers a kubelet made on a node (by its labels) whose pod is not among the given pod UIDs.</summary>
public static class LeftoverContainers
{
    public static async Task<IReadOnlyList<string>> ListAsync(string node, IReadOnlySet<string> podUids, CancellationToken cancellationToken)
    {
        var ps = (await DockerCli.RunAsync(["ps", "--all", "--no-trunc", "--filter", "label=io.minikube.node=" + node,
                "--format", "{{.ID}} {{.Label \"io.minikube.pod.uid\"}}"], DockerCli.DefaultTimeout, cancellationToken).ConfigureAwait(false))
            .EnsureSuccess();
        return [.. ps.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split(' ', 2))
            .Where(fields => !podUids.Contains(fields.Length > 1 ? fields[1] : ""))
            .Select(fields => fields[0][..12])];
    }
}
