using MiniKube.Api;

namespace MiniKube.Kubelet;

/// <summary>
/// The sandbox of a pod: name, pause image, hostname, DNS (<see cref="PodDns"/>), host aliases and
/// the containers' hostPorts, labelled for the node.
/// </summary>
internal sealed class SandboxConfigBuilder(string node, KubeletOptions options)
{
    public SandboxSpec For(Pod pod, int attempt)
    {
        var meta = pod.Metadata;
        var spec = pod.Spec ?? new PodSpec();
        var hostname = !string.IsNullOrEmpty(spec.Hostname) ? spec.Hostname : meta.Name ?? "pod";
        if (hostname.Length > 63)
        {
            hostname = hostname[..63].TrimEnd('-', '.');
        }
        var dns = PodDns.For(spec, meta.Namespace ?? "", options.ClusterDns, options.ClusterDomain);
        var ports = new List<PortMapping>();
        foreach (var container in spec.Containers)
        {
            foreach (var port in container.Ports ?? [])
            {
                if (port.HostPort is { } hostPort && hostPort > 0)
                {
                    ports.Add(new PortMapping(port.ContainerPort, hostPort, port.Protocol ?? MiniKube.Api.Protocol.Tcp,
                        string.IsNullOrEmpty(port.HostIP) ? ContainerConfigBuilder.HostIp : port.HostIP));
                }
            }
        }
        var extraHosts = (spec.HostAliases ?? []).SelectMany(a => (a.Hostnames ?? []).Select(h => $"{h}:{a.Ip}")).ToList();
        return new SandboxSpec
        {
            Name = ContainerLabels.SandboxDockerName(meta.Name ?? "", meta.Namespace ?? "", meta.Uid ?? "", attempt),
            Image = options.PodInfraImage,
            Hostname = hostname,
            Labels = ContainerLabels.ForSandbox(node, meta.Namespace ?? "", meta.Name ?? "", meta.Uid ?? ""),
            Dns = dns.Nameservers,
            DnsSearch = dns.Searches,
            DnsOptions = dns.Options,
            ExtraHosts = extraHosts,
            // On the host's network a port is the host's already: Docker has nothing to publish.
            Ports = spec.HostNetwork == true ? [] : ports,
            HostNetwork = spec.HostNetwork == true,
        };
    }
}
