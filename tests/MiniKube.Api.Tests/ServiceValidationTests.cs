using MiniKube.Api;
using static MiniKube.Api.Tests.ValidationFixtures;

namespace MiniKube.Api.Tests;

public sealed class ServiceValidationTests
{
    private static ServicePort P(int port, string? name = null) => new() { Port = port, Name = name };

    private static readonly Dictionary<string, (KubeObject Obj, string[] Errors)> Cases = new()
    {
        ["name is a DNS label"] = (ValidService with { Metadata = ValidService.Metadata with { Name = "my.svc" } },
            ["metadata.name: Invalid value: \"my.svc\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"]),
        ["name longer than 63"] = (ValidService with { Metadata = ValidService.Metadata with { Name = new string('s', 64) } },
            [$"metadata.name: Invalid value: \"{new string('s', 64)}\": must be no more than 63 characters"]),
        ["type unsupported"] = (WithServiceSpec(s => s with { Type = "Internal" }),
            ["spec.type: Unsupported value: \"Internal\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\""]),
        ["ports missing"] = (WithServiceSpec(s => s with { Ports = [] }), ["spec.ports: Required value"]),
        ["port zero"] = (WithServiceSpec(s => s with { Ports = [P(0)] }), ["spec.ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"]),
        ["port protocol unsupported"] = (WithServiceSpec(s => s with { Ports = [P(80) with { Protocol = "ICMP" }] }),
            ["spec.ports[0].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\""]),
        ["second port without name"] = (WithServiceSpec(s => s with { Ports = [P(80, "http"), P(443)] }), ["spec.ports[1].name: Required value"]),
        ["port names duplicate"] = (WithServiceSpec(s => s with { Ports = [P(80, "http"), P(81, "http")] }), ["spec.ports[1].name: Duplicate value: \"http\""]),
        ["port name not a DNS label"] = (WithServiceSpec(s => s with { Ports = [P(80, "HTTP")] }),
            ["spec.ports[0].name: Invalid value: \"HTTP\": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character"]),
        ["targetPort too big"] = (WithServiceSpec(s => s with { Ports = [P(80) with { TargetPort = 70000 }] }),
            ["spec.ports[0].targetPort: Invalid value: 70000: must be between 1 and 65535, inclusive"]),
        ["targetPort name invalid"] = (WithServiceSpec(s => s with { Ports = [P(80) with { TargetPort = "web_port" }] }),
            ["spec.ports[0].targetPort: Invalid value: \"web_port\": must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"]),
        ["nodePort on ClusterIP"] = (WithServiceSpec(s => s with { Ports = [P(80) with { NodePort = 30080 }] }),
            ["spec.ports[0].nodePort: Forbidden: may not be used when `type` is 'ClusterIP'"]),
        // The configured --service-node-port-range is checked by the API server's allocator (ServiceAllocationTests).
        ["nodePort not a port"] = (WithServiceSpec(s => s with { Type = "NodePort", Ports = [P(80) with { NodePort = 70000 }] }),
            ["spec.ports[0].nodePort: Invalid value: 70000: must be between 1 and 65535, inclusive"]),
        ["clusterIPs disagree"] = (WithServiceSpec(s => s with { ClusterIP = "10.96.0.7", ClusterIPs = ["10.96.0.8"] }),
            ["spec.clusterIPs[0]: Invalid value: \"10.96.0.8\": must match `clusterIP`"]),
        ["affinity config without affinity"] = (WithServiceSpec(s => s with
            {
                SessionAffinity = "None",
                SessionAffinityConfig = new SessionAffinityConfig { ClientIP = new ClientIPConfig { TimeoutSeconds = 10 } },
            }),
            ["spec.sessionAffinityConfig: Forbidden: must not be set when session affinity is None"]),
        ["nodePort duplicate"] = (WithServiceSpec(s => s with { Type = "LoadBalancer", Ports = [P(80, "a") with { NodePort = 30080 }, P(81, "b") with { NodePort = 30080 }] }),
            ["spec.ports[1].nodePort: Duplicate value: 30080"]),
        ["clusterIP invalid"] = (WithServiceSpec(s => s with { ClusterIP = "10.96.0" }),
            ["spec.clusterIP: Invalid value: \"10.96.0\": must be empty, 'None', or a valid IPv4 address"]),
        ["headless NodePort"] = (WithServiceSpec(s => s with { Type = "NodePort", ClusterIP = "None" }),
            ["spec.clusterIP: Invalid value: \"None\": may not be set to 'None' for NodePort services"]),
        ["selector key invalid"] = (WithServiceSpec(s => s with { Selector = Map("app=web", "bad/key/x=y") }),
            ["spec.selector: Invalid value: \"bad/key/x\": a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character with an optional DNS subdomain prefix and '/'"]),
        ["selector value invalid"] = (WithServiceSpec(s => s with { Selector = Map("app=web!") }),
            ["spec.selector: Invalid value: \"web!\": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"]),
        ["sessionAffinity unsupported"] = (WithServiceSpec(s => s with { SessionAffinity = "Cookie" }),
            ["spec.sessionAffinity: Unsupported value: \"Cookie\": supported values: \"ClientIP\", \"None\""]),
        ["externalTrafficPolicy on ClusterIP"] = (WithServiceSpec(s => s with { ExternalTrafficPolicy = "Local" }),
            ["spec.externalTrafficPolicy: Invalid value: \"Local\": may only be set when `type` is 'NodePort' or 'LoadBalancer'"]),
        ["ExternalName without externalName"] = (WithServiceSpec(s => s with { Type = "ExternalName", Ports = null }), ["spec.externalName: Required value"]),

        ["endpoints ip invalid"] = (new Endpoints
            {
                Metadata = new ObjectMeta { Name = "web" },
                Subsets = [new EndpointSubset { Addresses = [new EndpointAddress { Ip = "10.0.0.300" }], Ports = [new EndpointPort { Port = 80 }] }],
            },
            ["subsets[0].addresses[0].ip: Invalid value: \"10.0.0.300\": must be a valid IP address"]),
        ["endpoints port zero"] = (new Endpoints
            {
                Metadata = new ObjectMeta { Name = "web" },
                Subsets = [new EndpointSubset { NotReadyAddresses = [new EndpointAddress { Ip = "10.0.0.3" }], Ports = [new EndpointPort { Port = 0 }] }],
            },
            ["subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive"]),
        ["endpoints port too big and protocol bad"] = (new Endpoints
            {
                Metadata = new ObjectMeta { Name = "web" },
                Subsets = [new EndpointSubset { Addresses = [new EndpointAddress { Ip = "10.0.0.3" }], Ports = [new EndpointPort { Port = 65536, Protocol = "tcp" }] }],
            },
            [
                "subsets[0].ports[0].port: Invalid value: 65536: must be between 1 and 65535, inclusive",
                "subsets[0].ports[0].protocol: Unsupported value: \"tcp\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
            ]),
        ["endpoints subset without addresses"] = (new Endpoints
            {
                Metadata = new ObjectMeta { Name = "web" },
                Subsets = [new EndpointSubset { Ports = [new EndpointPort { Port = 80 }] }],
            },
            ["subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"]),
        ["endpointslice without address type"] = (new EndpointSlice { Metadata = new ObjectMeta { Name = "web-1" } }, ["addressType: Required value"]),
        ["endpointslice bad addresses and ports"] = (new EndpointSlice
            {
                Metadata = new ObjectMeta { Name = "web-1" },
                AddressType = AddressTypes.IPv4,
                Endpoints = [new Endpoint { Addresses = ["10.0.0.300"] }, new Endpoint(), new Endpoint { Addresses = ["10.0.0.1"], NodeName = "Bad_Node" }],
                Ports = [new EndpointSlicePort { Name = "http", Port = 0, Protocol = "TCP" }, new EndpointSlicePort { Name = "http", Port = 80, Protocol = "HTTP" }],
            },
            [
                "endpoints[0].addresses[0]: Invalid value: \"10.0.0.300\": must be a valid IPv4 address",
                "endpoints[1].addresses: Required value: must contain at least 1 address",
                "endpoints[2].nodeName: Invalid value: \"Bad_Node\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character",
                "ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                "ports[1].name: Duplicate value: \"http\"",
                "ports[1].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
            ]),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Invalid_service_reports_exact_errors(string name)
    {
        var (obj, expected) = Cases[name];
        Assert.Equal(expected, Errors(obj));
    }

    public static TheoryData<string, KubeObject> ValidObjects => new()
    {
        { "service", ValidService },
        { "service defaulted", Defaulter.Apply(ValidService) },
        { "headless without ports", WithServiceSpec(s => s with { ClusterIP = "None", Ports = null }) },
        { "ExternalName", WithServiceSpec(s => s with { Type = "ExternalName", ExternalName = "db.example.com", Ports = null, Selector = null }) },
        { "NodePort", WithServiceSpec(s => s with { Type = "NodePort", ExternalTrafficPolicy = "Local", Ports = [P(80, "http") with { NodePort = 30000 }, P(443, "https") with { NodePort = 32767 }] }) },
        { "LoadBalancer defaulted", Defaulter.Apply(WithServiceSpec(s => s with { Type = "LoadBalancer" })) },
        { "clusterIP", WithServiceSpec(s => s with { ClusterIP = "10.96.0.10", Ports = [P(53, "dns") with { Protocol = "UDP" }, P(53, "dns-tcp")] }) },
        { "targetPort zero means port", WithServiceSpec(s => s with { Ports = [P(80) with { TargetPort = 0 }] }) },
        {
            "endpoints", new Endpoints
            {
                Metadata = new ObjectMeta { Name = "web", Namespace = "default" },
                Subsets =
                [
                    new EndpointSubset
                    {
                        Addresses = [new EndpointAddress { Ip = "172.17.0.3", NodeName = "n1", TargetRef = new ObjectReference { Kind = "Pod", Name = "web-1" } }],
                        NotReadyAddresses = [new EndpointAddress { Ip = "fd00::3" }],
                        Ports = [new EndpointPort { Name = "http", Port = 80, Protocol = "TCP" }, new EndpointPort { Name = "dns", Port = 53, Protocol = "UDP" }],
                    },
                ],
            }
        },
    };

    [Theory]
    [MemberData(nameof(ValidObjects))]
    public void Valid_objects_have_no_errors(string name, KubeObject obj)
    {
        Assert.True(Errors(obj).Length == 0, name + ": " + string.Join("\n", Errors(obj)));
    }
}
