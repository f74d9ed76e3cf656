using System.Net;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using MiniKube.Client;
using ApiProtocol = MiniKube.Api.Protocol;

namespace MiniKube.Proxy;

/// <summary>
/// Makes the cluster DNS reachable at its well-known ClusterIP: the selector-less Service <c>kube-system/kube-dns</c>
/// (UDP and TCP 53) and an EndpointSlice <c>kube-dns-&lt;node&gt;</c> pointing at this proxy's DNS server. Idempotent: run at
/// every start, it creates what is missing and corrects a slice that points elsewhere.
/// </summary>
public sealed partial class KubeDnsPublisher(MiniKubeClient client, ProxyOptions options, IPEndPoint dnsEndpoint, ILogger logger)
{
    private const string Namespace = WellKnownDns.ServiceNamespace;
    private const string ServiceName = WellKnownDns.ServiceName;
    public const string ManagedBy = "minikube-proxy";

    public string SliceName => "kube-dns-" + options.NodeName.ToLowerInvariant();

    public Service DesiredService() => new()
    {
        Metadata = new ObjectMeta
        {
            Name = ServiceName,
            Namespace = Namespace,
            Labels = new Dictionary<string, string> { ["k8s-app"] = "kube-dns", ["kubernetes.io/name"] = "CoreDNS" },
        },
        Spec = new ServiceSpec
        {
            Type = ServiceType.ClusterIP,
            ClusterIP = options.ClusterDnsIP.ToString(),
            Ports =
            [
                new ServicePort { Name = "dns", Protocol = ApiProtocol.Udp, Port = 53, TargetPort = IntOrString.FromInt(dnsEndpoint.Port) },
                new ServicePort { Name = "dns-tcp", Protocol = ApiProtocol.Tcp, Port = 53, TargetPort = IntOrString.FromInt(dnsEndpoint.Port) },
            ],
        },
    };

    public EndpointSlice DesiredSlice() => new()
    {
        Metadata = new ObjectMeta
        {
            Name = SliceName,
            Namespace = Namespace,
            Labels = new Dictionary<string, string>
            {
                [WellKnownLabels.ServiceName] = ServiceName,
                [WellKnownLabels.EndpointSliceManagedBy] = ManagedBy,
            },
        },
        AddressType = AddressTypes.IPv4,
        Endpoints =
        [
            new Endpoint
            {
                Addresses = [dnsEndpoint.Address.ToString()],
                Conditions = new EndpointConditions { Ready = true, Serving = true, Terminating = false },
                NodeName = options.NodeName,
            },
        ],
        Ports =
        [
            new EndpointSlicePort { Name = "dns", Protocol = ApiProtocol.Udp, Port = dnsEndpoint.Port },
            new EndpointSlicePort { Name = "dns-tcp", Protocol = ApiProtocol.Tcp, Port = dnsEndpoint.Port },
        ],
    };

    private async Task<Service?> TryGetServiceAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await client.GetAsync<Service>(ServiceName, Namespace, cancellationToken).ConfigureAwait(false);
        }
        catch (ApiException ex) when (ex.IsNotFound)
        {
            return null;
        }
    }

    public async Task PublishAsync(CancellationToken cancellationToken)
    {
        var service = DesiredService();
        // Read first: as in Kubernetes, creating a Service whose requested ClusterIP is held (by this very Service, when a
        // restarted proxy publishes again) fails with "provided IP is already allocated" before the name is checked.
        var existing = await TryGetServiceAsync(cancellationToken).ConfigureAwait(false);
        if (existing is null)
        {
            try
            {
                await client.CreateAsync(service, cancellationToken).ConfigureAwait(false);
                LogCreated(logger, "Service", ServiceName, options.ClusterDnsIP.ToString());
            }
            catch (ApiException ex) when (ex.IsAlreadyExists)
            {
                // Another proxy of the cluster published it between our read and our create.
                existing = await client.GetAsync<Service>(ServiceName, Namespace, cancellationToken).ConfigureAwait(false);
            }
        }
        if (existing is not null && existing.Spec?.ClusterIP != service.Spec!.ClusterIP)
        {
            LogOtherClusterIP(logger, existing.Spec?.ClusterIP ?? "", service.Spec.ClusterIP!);
        }
        var slice = DesiredSlice();
        try
        {
            await client.CreateAsync(slice, cancellationToken).ConfigureAwait(false);
            LogCreated(logger, "EndpointSlice", SliceName, dnsEndpoint.ToString());
        }
        catch (ApiException ex) when (ex.IsAlreadyExists)
        {
            var existingSlice = await client.GetAsync<EndpointSlice>(SliceName, Namespace, cancellationToken).ConfigureAwait(false);
            var same = existingSlice.Endpoints is [{ } only] && only.Addresses.SequenceEqual(slice.Endpoints![0].Addresses)
                && (existingSlice.Ports ?? []).Select(p => (p.Name, p.Protocol, p.Port)).SequenceEqual(slice.Ports!.Select(p => (p.Name, p.Protocol, p.Port)));
            if (!same)
            {
                await client.UpdateAsync(existingSlice with { Endpoints = slice.Endpoints, Ports = slice.Ports, Metadata = existingSlice.Metadata with { Labels = slice.Metadata.Labels } },
                    cancellationToken).ConfigureAwait(false);
                LogCreated(logger, "EndpointSlice (updated)", SliceName, dnsEndpoint.ToString());
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created kube-system/{Kind} {Name} → {Target}")]
    private static partial void LogCreated(ILogger logger, string kind, string name, string target);

    [LoggerMessage(Level = LogLevel.Warning, Message = "kube-system/kube-dns exists with ClusterIP {Existing}, not --cluster-dns-ip {Wanted}: kubelets must use --cluster-dns {Existing}")]
    private static partial void LogOtherClusterIP(ILogger logger, string existing, string wanted);
}
