using System.Net;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;
using Microsoft.Extensions.Logging;
using MiniKube.Api;
using ApiProtocol = MiniKube.Api.Protocol;

namespace MiniKube.Proxy;

/// <summary>Where the DNS server finds Services and the EndpointSlices of one Service (informer caches in the proxy).</summary>
public interface IServiceLookup
{
    Service? GetService(string ns, string name);

    IReadOnlyList<EndpointSlice> SlicesOf(string ns, string name);
}

/// <summary>
/// The cluster DNS answers, as Kubernetes' DNS specification has them: <c>svc.ns.svc.DOMAIN</c> A → the ClusterIP, or the
/// ready endpoint addresses of a headless Service (and <c>host.svc.ns.svc.DOMAIN</c> for each, by hostname or dashed IP);
/// <c>_port._proto.svc.ns.svc.DOMAIN</c> SRV for named ports; NXDOMAIN (with the zone's SOA) for names in the domain that
/// do not exist; REFUSED for every name outside it — nothing is forwarded, so no query leaves the machine.
/// </summary>
public sealed class ClusterDnsResolver(IServiceLookup lookup, string domain)
{
    public const int Ttl = 5;

    private readonly DomainName _zone = DomainName.Parse(domain);

    public DnsMessage Answer(DnsMessage query)
    {
        var response = query.CreateResponseInstance();
        response.IsAuthoritiveAnswer = true;
        response.IsRecursionAllowed = false;
        if (query.Questions.Count != 1 || query.OperationCode != OperationCode.Query)
        {
            response.ReturnCode = query.Questions.Count != 1 ? ReturnCode.FormatError : ReturnCode.NotImplemented;
            return response;
        }
        var question = query.Questions[0];
        var name = question.Name.ToString().TrimEnd('.').ToLowerInvariant();
        if (question.RecordClass is not (RecordClass.INet or RecordClass.Any) || (name != domain && !name.EndsWith("." + domain, StringComparison.Ordinal)))
        {
            response.IsAuthoritiveAnswer = false;
            response.ReturnCode = ReturnCode.Refused;
            return response;
        }
        var relative = name.Length == domain.Length ? [] : name[..^(domain.Length + 1)].Split('.');
        Array.Reverse(relative);
        // relative: labels from the zone down, e.g. ["svc", "default", "web"].
        var exists = Resolve(relative, question, response.AnswerRecords);
        response.ReturnCode = exists ? ReturnCode.NoError : ReturnCode.NxDomain;
        if (response.AnswerRecords.Count == 0)
        {
            response.AuthorityRecords.Add(Soa());
        }
        return response;
    }

    private bool Resolve(string[] labels, DnsQuestion question, List<DnsRecordBase> answers)
    {
        var type = question.RecordType;
        bool Wants(RecordType t) => type == t || type == RecordType.Any;
        switch (labels.Length)
        {
            case 0:
                return true;
            case 1:
                return labels[0] == "svc";
            case 2:
                return labels[0] == "svc";
        }
        if (labels[0] != "svc")
        {
            return false;
        }
        var ns = labels[1];
        var svcName = labels[2];
        var svc = lookup.GetService(ns, svcName);
        if (svc?.Spec is not { } spec || spec.Type == ServiceType.ExternalName)
        {
            return false;
        }
        var headless = spec.ClusterIP == "None";
        if (labels.Length == 3)
        {
            if (Wants(RecordType.A))
            {
                if (!headless && IPAddress.TryParse(spec.ClusterIP, out var ip))
                {
                    answers.Add(new ARecord(question.Name, Ttl, ip));
                }
                else if (headless)
                {
                    foreach (var (address, _) in ReadyEndpoints(ns, svcName))
                    {
                        answers.Add(new ARecord(question.Name, Ttl, address));
                    }
                }
            }
            return true;
        }
        if (labels.Length == 4 && headless)
        {
            // host.svc.ns.svc.DOMAIN: one endpoint of a headless service, by hostname or dashed address.
            var match = ReadyEndpoints(ns, svcName).Where(e => e.Host == labels[3]).ToList();
            if (match.Count == 0)
            {
                return false;
            }
            if (Wants(RecordType.A))
            {
                answers.AddRange(match.Select(e => new ARecord(question.Name, Ttl, e.Address)));
            }
            return true;
        }
        if (labels.Length == 5 && labels[3].StartsWith('_') && labels[4].StartsWith('_'))
        {
            var protocol = labels[3][1..].ToUpperInvariant();
            var portName = labels[4][1..];
            var port = (spec.Ports ?? []).FirstOrDefault(p => !string.IsNullOrEmpty(p.Name) && p.Name == portName
                && (string.IsNullOrEmpty(p.Protocol) ? ApiProtocol.Tcp : p.Protocol) == protocol);
            if (port is null)
            {
                return false;
            }
            if (Wants(RecordType.Srv))
            {
                var service = DomainName.Parse($"{svcName}.{ns}.svc.{domain}");
                if (!headless)
                {
                    answers.Add(new SrvRecord(question.Name, Ttl, 0, 100, (ushort)port.Port, service));
                }
                else
                {
                    foreach (var (address, host, targetPort) in ReadyEndpoints(ns, svcName, portName, protocol))
                    {
                        answers.Add(new SrvRecord(question.Name, Ttl, 0, 100, (ushort)targetPort, DomainName.Parse($"{host}.{svcName}.{ns}.svc.{domain}")));
                    }
                }
            }
            return true;
        }
        return false;
    }

    private IEnumerable<(IPAddress Address, string Host)> ReadyEndpoints(string ns, string svc) =>
        ReadyEndpoints(ns, svc, null, null).Select(e => (e.Address, e.Host)).Distinct();

    private IEnumerable<(IPAddress Address, string Host, int Port)> ReadyEndpoints(string ns, string svc, string? portName, string? protocol)
    {
        foreach (var slice in lookup.SlicesOf(ns, svc))
        {
            if (slice.AddressType != AddressTypes.IPv4)
            {
                continue;
            }
            var port = 0;
            if (portName is not null)
            {
                var slicePort = (slice.Ports ?? []).FirstOrDefault(p => (p.Name ?? "") == portName && (string.IsNullOrEmpty(p.Protocol) ? ApiProtocol.Tcp : p.Protocol) == protocol);
                if (slicePort?.Port is not { } p)
                {
                    continue;
                }
                port = p;
            }
            foreach (var endpoint in slice.Endpoints ?? [])
            {
                if (endpoint.Conditions?.Ready == false || endpoint.Addresses.Count == 0 || !IPAddress.TryParse(endpoint.Addresses[0], out var address))
                {
                    continue;
                }
                var host = !string.IsNullOrEmpty(endpoint.Hostname) ? endpoint.Hostname : endpoint.Addresses[0].Replace('.', '-');
                yield return (address, host, port);
            }
        }
    }

    private SoaRecord Soa() => new(_zone, Ttl, DomainName.Parse("ns.dns." + domain), DomainName.Parse("hostmaster." + domain),
        1, 7200, 1800, 86400, Ttl);
}

/// <summary>
/// The cluster DNS server: UDP and TCP on one endpoint, answered by <see cref="ClusterDnsResolver"/> (ARSoft.Tools.Net); UDP
/// answers are cached in <paramref name="cache"/>, which the proxy invalidates on every Service or EndpointSlice change.
/// </summary>
public sealed partial class ClusterDnsServer(ClusterDnsResolver resolver, IPEndPoint endpoint, DnsAnswerCache cache, ILogger logger) : IDisposable
{
    private DnsServer? _server;

    public IPEndPoint Endpoint => endpoint;

    public void Start()
    {
        var server = new DnsServer(new CachingUdpServerTransport(endpoint, cache), new TcpServerTransport(endpoint, 2000, 10000));
        server.QueryReceived += OnQueryAsync;
        server.ExceptionThrown += (_, e) =>
        {
            LogServerError(logger, e.Exception.Message);
            return Task.CompletedTask;
        };
        server.Start();
        _server = server;
        LogListening(logger, endpoint.ToString());
    }

    private Task OnQueryAsync(object sender, QueryReceivedEventArgs e)
    {
        if (e.Query is DnsMessage query)
        {
            e.Response = resolver.Answer(query);
        }
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _server?.Stop();
        _server = null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cluster DNS listening on {Endpoint} (UDP and TCP)")]
    private static partial void LogListening(ILogger logger, string endpoint);

    [LoggerMessage(Level = LogLevel.Warning, Message = "DNS server error: {Reason}")]
    private static partial void LogServerError(ILogger logger, string reason);
}
