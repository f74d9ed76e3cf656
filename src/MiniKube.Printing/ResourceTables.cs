using MiniKube.Api;

namespace MiniKube.Printing;

/// <summary>The table for each kind (NAME/AGE for the rest).</summary>
public static class ResourceTables
{
    private static readonly Dictionary<Type, ResourceTable> Tables = new()
    {
        [typeof(Pod)] = new PodTable(),
        [typeof(Node)] = new NodeTable(),
        [typeof(Service)] = new ServiceTable(),
        [typeof(Endpoints)] = new EndpointsTable(),
        [typeof(EndpointSlice)] = new EndpointSliceTable(),
        [typeof(Namespace)] = new NamespaceTable(),
        [typeof(Event)] = new EventTable(),
        [typeof(ConfigMap)] = new ConfigMapTable(),
        [typeof(Secret)] = new SecretTable(),
        [typeof(ServiceAccount)] = new ServiceAccountTable(),
        [typeof(Deployment)] = new DeploymentTable(),
        [typeof(ReplicaSet)] = new ReplicaSetTable(),
        [typeof(DaemonSet)] = new DaemonSetTable(),
        [typeof(Job)] = new JobTable(),
        [typeof(Lease)] = new LeaseTable(),
        [typeof(HorizontalPodAutoscaler)] = new HorizontalPodAutoscalerTable(),
        [typeof(VerticalPodAutoscaler)] = new VerticalPodAutoscalerTable(),
        [typeof(Role)] = new RoleTable(),
        [typeof(ClusterRole)] = new ClusterRoleTable(),
        [typeof(RoleBinding)] = new RoleBindingTable(),
        [typeof(ClusterRoleBinding)] = new ClusterRoleBindingTable(),
    };

    private static readonly GenericTable Generic = new();

    public static ResourceTable For(ResourceInfo resource) => Tables.GetValueOrDefault(resource.Type) ?? Generic;
}
