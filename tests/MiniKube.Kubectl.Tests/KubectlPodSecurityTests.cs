namespace MiniKube.Kubectl.Tests;

/// <summary>
/// Pod Security admission as kubectl sees it: the default baseline level refuses a hostPath pod with Kubernetes' message,
/// a namespace labelled privileged takes it, a warn label comes back as a Warning kubectl prints, restricted refuses a pod
/// that does not run as non-root.
/// </summary>
public sealed class KubectlPodSecurityTests(KubectlCluster cluster) : IClassFixture<KubectlCluster>
{
    private const string HostPathPod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: rooted
        spec:
          volumes:
          - name: root
            hostPath: {path: /}
          containers:
          - name: app
            image: minikube/busybox:1.0
            command: ["sleep", "3600"]
            volumeMounts:
            - {name: root, mountPath: /host}
        """;

    private const string PlainPod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: plain
        spec:
          containers:
          - name: app
            image: minikube/busybox:1.0
            command: ["sleep", "3600"]
        """;

    private const string HardenedPod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: hardened
        spec:
          securityContext:
            runAsNonRoot: true
            runAsUser: 1000
            seccompProfile: {type: RuntimeDefault}
          containers:
          - name: app
            image: minikube/busybox:1.0
            command: ["sleep", "3600"]
            securityContext:
              allowPrivilegeEscalation: false
              capabilities: {drop: ["ALL"]}
        """;

    /// <summary>A namespace created with its labels, so no check can see it unlabelled.</summary>
    private async Task<string> LabelledNamespaceAsync(string label, string level)
    {
        var name = "psa-" + Guid.NewGuid().ToString("N")[..8];
        var file = cluster.WriteFile("ns.yaml", $"apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels:\n    pod-security.kubernetes.io/{label}: {level}\n");
        await cluster.OkAsync("create", "-f", file);
        return name;
    }

    [Fact]
    public async Task A_hostPath_pod_is_refused_by_the_default_baseline_and_accepted_once_the_namespace_is_privileged()
    {
        var ns = await cluster.NewNamespaceAsync();
        var file = cluster.WriteFile("rooted.yaml", HostPathPod);

        var refused = await cluster.RunAsync(["create", "-f", file, "-n", ns]);
        var labelled = await cluster.OkAsync("label", "namespace", ns, "pod-security.kubernetes.io/enforce=privileged");
        var accepted = await cluster.RunAsync(["create", "-f", file, "-n", ns]);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("Error from server (Forbidden): error when creating \"" + file + "\": pods \"rooted\" is forbidden: "
            + "violates PodSecurity \"baseline:latest\": hostPath volumes (volume \"root\")", refused.Stderr, StringComparison.Ordinal);
        Assert.Equal($"namespace/{ns} labeled\n", labelled);
        Assert.True(accepted.ExitCode == 0, accepted.Describe());
        Assert.Equal("pod/rooted created\n", accepted.Stdout);
        Assert.DoesNotContain("Warning", accepted.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_warn_label_comes_back_as_a_Warning_that_kubectl_prints_and_the_pod_is_created()
    {
        var ns = await LabelledNamespaceAsync("warn", "restricted");
        var file = cluster.WriteFile("plain.yaml", PlainPod);

        var created = await cluster.RunAsync(["create", "-f", file, "-n", ns]);

        Assert.True(created.ExitCode == 0, created.Describe());
        Assert.Equal("pod/plain created\n", created.Stdout);
        Assert.Contains("Warning: would violate PodSecurity \"restricted:latest\": allowPrivilegeEscalation != false (container \"app\" must set "
            + "securityContext.allowPrivilegeEscalation=false), unrestricted capabilities (container \"app\" must set securityContext.capabilities.drop=[\"ALL\"]), "
            + "runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true), seccompProfile (pod or container \"app\" must set "
            + "securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")", created.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Restricted_refuses_a_pod_that_may_run_as_root_and_takes_a_hardened_one()
    {
        var ns = await LabelledNamespaceAsync("enforce", "restricted");

        var refused = await cluster.RunAsync(["create", "-f", cluster.WriteFile("plain.yaml", PlainPod), "-n", ns]);
        var accepted = await cluster.RunAsync(["create", "-f", cluster.WriteFile("hardened.yaml", HardenedPod), "-n", ns]);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("pods \"plain\" is forbidden: violates PodSecurity \"restricted:latest\": ", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("runAsNonRoot != true (pod or container \"app\" must set securityContext.runAsNonRoot=true)", refused.Stderr, StringComparison.Ordinal);
        Assert.True(accepted.ExitCode == 0, accepted.Describe());
    }

    [Fact]
    public async Task A_Deployment_whose_pods_the_warn_level_refuses_is_created_with_a_Warning()
    {
        var ns = await LabelledNamespaceAsync("warn", "baseline");
        var hostNet = cluster.WriteFile("hostnet.yaml", """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: hostnet
            spec:
              replicas: 0
              selector:
                matchLabels:
                  app: h
              template:
                metadata:
                  labels:
                    app: h
                spec:
                  hostNetwork: true
                  containers:
                  - name: app
                    image: minikube/busybox:1.0
            """);

        var plain = await cluster.RunAsync(["create", "deployment", "plain", "-n", ns, "--image=minikube/busybox:1.0", "--replicas=0"]);
        var warned = await cluster.RunAsync(["create", "-f", hostNet, "-n", ns]);

        Assert.True(plain.ExitCode == 0, plain.Describe());
        Assert.DoesNotContain("Warning", plain.Stderr, StringComparison.Ordinal);
        Assert.True(warned.ExitCode == 0, warned.Describe());
        Assert.Equal("deployment.apps/hostnet created\n", warned.Stdout);
        Assert.Contains("Warning: would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)", warned.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_namespace_with_a_level_Kubernetes_does_not_know_is_invalid()
    {
        var name = "psa-" + Guid.NewGuid().ToString("N")[..8];
        var result = await cluster.RunAsync(["create", "namespace", name, "--dry-run=client", "-o", "yaml"]);
        var file = cluster.WriteFile("bad-ns.yaml", result.Stdout.Replace("metadata:\n", "metadata:\n  labels:\n    pod-security.kubernetes.io/enforce: strict\n", StringComparison.Ordinal));

        var refused = await cluster.RunAsync(["create", "-f", file]);

        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: \"strict\": must be one of privileged, baseline, restricted",
            refused.Stderr, StringComparison.Ordinal);
    }
}
