namespace MiniKube.Cluster;

/// <summary>
/// The ports of one member of a highly available control plane (<c>cluster up --control-planes N</c>): an etcd member
/// (client and peer port) and the API server next to it (gRPC and HTTP port). The scheduler and controller-manager next to
/// it bind no port.
/// </summary>
public sealed record ControlPlaneMember(int EtcdClientPort, int EtcdPeerPort, int ApiGrpcPort, int ApiHttpPort);
