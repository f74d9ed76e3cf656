using MiniKube.Api;
using static MiniKube.Api.Tests.ValidationFixtures;

namespace MiniKube.Api.Tests;

public sealed class WorkloadValidationTests
{
    private static Deployment Rolling(IntOrString? maxUnavailable, IntOrString? maxSurge) => WithDeploymentSpec(s => s with
    {
        Strategy = new DeploymentStrategy { Type = "RollingUpdate", RollingUpdate = new RollingUpdateDeployment { MaxUnavailable = maxUnavailable, MaxSurge = maxSurge } },
    });

    private static DaemonSet DaemonRolling(IntOrString? maxUnavailable, IntOrString? maxSurge) => ValidDaemonSet with
    {
        Spec = ValidDaemonSet.Spec! with
        {
            UpdateStrategy = new DaemonSetUpdateStrategy { Type = "RollingUpdate", RollingUpdate = new RollingUpdateDaemonSet { MaxUnavailable = maxUnavailable, MaxSurge = maxSurge } },
        },
    };

    private static Job WithJobSpec(Func<JobSpec, JobSpec> change) => ValidJob with { Spec = change(ValidJob.Spec!) };

    private static readonly Dictionary<string, (KubeObject Obj, string[] Errors)> Cases = new()
    {
        ["deployment selector missing"] = (WithDeploymentSpec(s => s with { Selector = null }), ["spec.selector: Required value"]),
        ["deployment selector empty"] = (WithDeploymentSpec(s => s with { Selector = new LabelSelector() }), ["spec.selector: Invalid value: {}: empty selector is invalid for deployment"]),
        ["deployment selector does not match template"] = (WithDeploymentSpec(s => s with { Template = s.Template with { Metadata = new ObjectMeta { Labels = Map("app=x") } } }),
            ["spec.template.metadata.labels: Invalid value: {\"app\":\"x\"}: `selector` does not match template `labels`"]),
        ["deployment template without labels"] = (WithDeploymentSpec(s => s with { Template = s.Template with { Metadata = null } }),
            ["spec.template.metadata.labels: Invalid value: {}: `selector` does not match template `labels`"]),
        ["deployment selector expression invalid"] = (WithDeploymentSpec(s => s with
            {
                Selector = new LabelSelector { MatchLabels = Map("app=web"), MatchExpressions = [new LabelSelectorRequirement { Key = "tier", Operator = "Exists", Values = ["x"] }] },
            }),
            ["spec.selector.matchExpressions[0].values: Forbidden: may not be specified when `operator` is 'Exists' or 'DoesNotExist'"]),
        ["deployment template label invalid"] = (WithDeploymentSpec(s => s with { Template = s.Template with { Metadata = new ObjectMeta { Labels = Map("app=web", "bad key=x") } } }),
            ["spec.template.metadata.labels: Invalid value: \"bad key\": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character"]),
        ["deployment replicas negative"] = (WithDeploymentSpec(s => s with { Replicas = -1 }), ["spec.replicas: Invalid value: -1: must be greater than or equal to 0"]),
        ["deployment template image missing"] = (WithDeploymentSpec(s => s with { Template = s.Template with { Spec = s.Template.Spec! with { Containers = [Web with { Image = "" }] } } }),
            ["spec.template.spec.containers[0].image: Required value"]),
        ["deployment template restartPolicy Never"] = (WithDeploymentSpec(s => s with { Template = Template(RestartPolicy.Never) }),
            ["spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""]),
        ["deployment template activeDeadlineSeconds"] = (WithDeploymentSpec(s => s with { Template = s.Template with { Spec = s.Template.Spec! with { ActiveDeadlineSeconds = 10 } } }),
            ["spec.template.spec.activeDeadlineSeconds: Invalid value: 10: activeDeadlineSeconds in ReplicaSet is not Supported"]),
        ["deployment strategy type unsupported"] = (WithDeploymentSpec(s => s with { Strategy = new DeploymentStrategy { Type = "BlueGreen" } }),
            ["spec.strategy.type: Unsupported value: \"BlueGreen\": supported values: \"Recreate\", \"RollingUpdate\""]),
        ["deployment Recreate with rollingUpdate"] = (WithDeploymentSpec(s => s with { Strategy = new DeploymentStrategy { Type = "Recreate", RollingUpdate = new RollingUpdateDeployment() } }),
            ["spec.strategy.rollingUpdate: Forbidden: may not be specified when strategy `type` is 'Recreate'"]),
        ["deployment maxSurge negative"] = (Rolling(null, -1), ["spec.strategy.rollingUpdate.maxSurge: Invalid value: -1: must be greater than or equal to 0"]),
        ["deployment maxUnavailable not a percentage"] = (Rolling("half", null),
            ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"half\": a valid percent string must be a numeric string followed by an ending '%' (e.g. '25%')"]),
        ["deployment maxUnavailable above 100%"] = (Rolling("150%", null), ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"150%\": must not be greater than 100%"]),
        ["deployment maxUnavailable and maxSurge zero"] = (Rolling(0, 0), ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: may not be 0 when `maxSurge` is 0"]),
        ["deployment maxUnavailable and maxSurge zero percent"] = (Rolling("0%", 0), ["spec.strategy.rollingUpdate.maxUnavailable: Invalid value: \"0%\": may not be 0 when `maxSurge` is 0"]),
        ["deployment revisionHistoryLimit negative"] = (WithDeploymentSpec(s => s with { RevisionHistoryLimit = -1 }),
            ["spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"]),
        ["deployment minReadySeconds negative"] = (WithDeploymentSpec(s => s with { MinReadySeconds = -1 }),
            ["spec.minReadySeconds: Invalid value: -1: must be greater than or equal to 0"]),
        ["deployment progressDeadlineSeconds not above minReadySeconds"] = (WithDeploymentSpec(s => s with { MinReadySeconds = 10, ProgressDeadlineSeconds = 10 }),
            ["spec.progressDeadlineSeconds: Invalid value: 10: must be greater than minReadySeconds"]),

        ["replicaset selector missing"] = (ValidReplicaSet with { Spec = ValidReplicaSet.Spec! with { Selector = null } }, ["spec.selector: Required value"]),
        ["replicaset template missing"] = (ValidReplicaSet with { Spec = ValidReplicaSet.Spec! with { Template = null } }, ["spec.template: Required value"]),
        ["replicaset replicas negative"] = (ValidReplicaSet with { Spec = ValidReplicaSet.Spec! with { Replicas = -3 } }, ["spec.replicas: Invalid value: -3: must be greater than or equal to 0"]),
        ["replicaset selector does not match"] = (ValidReplicaSet with { Spec = ValidReplicaSet.Spec! with { Selector = new LabelSelector { MatchLabels = Map("app=db") } } },
            ["spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"]),
        ["replicaset template restartPolicy OnFailure"] = (ValidReplicaSet with { Spec = ValidReplicaSet.Spec! with { Template = Template(RestartPolicy.OnFailure) } },
            ["spec.template.spec.restartPolicy: Unsupported value: \"OnFailure\": supported values: \"Always\""]),

        ["daemonset selector missing"] = (ValidDaemonSet with { Spec = ValidDaemonSet.Spec! with { Selector = null } }, ["spec.selector: Required value"]),
        ["daemonset selector empty"] = (ValidDaemonSet with { Spec = ValidDaemonSet.Spec! with { Selector = new LabelSelector { MatchLabels = Map() } } },
            ["spec.selector: Invalid value: {\"matchLabels\":{}}: empty selector is invalid for daemonset"]),
        ["daemonset selector with expressions does not match"] = (ValidDaemonSet with
            {
                Spec = ValidDaemonSet.Spec! with { Selector = new LabelSelector { MatchExpressions = [new LabelSelectorRequirement { Key = "app", Operator = "NotIn", Values = ["web"] }] } },
            },
            ["spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"]),
        ["daemonset template restartPolicy Never"] = (ValidDaemonSet with { Spec = ValidDaemonSet.Spec! with { Template = Template(RestartPolicy.Never) } },
            ["spec.template.spec.restartPolicy: Unsupported value: \"Never\": supported values: \"Always\""]),
        ["daemonset updateStrategy type unsupported"] = (ValidDaemonSet with { Spec = ValidDaemonSet.Spec! with { UpdateStrategy = new DaemonSetUpdateStrategy { Type = "Recreate" } } },
            ["spec.updateStrategy.type: Unsupported value: \"Recreate\": supported values: \"RollingUpdate\", \"OnDelete\""]),
        ["daemonset surge with unavailable"] = (DaemonRolling(1, 1), ["spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: 1: may not be set when maxUnavailable is non-zero"]),
        ["daemonset surge with default unavailable"] = (DaemonRolling(null, "10%"), ["spec.updateStrategy.rollingUpdate.maxSurge: Invalid value: \"10%\": may not be set when maxUnavailable is non-zero"]),
        ["daemonset neither surge nor unavailable"] = (DaemonRolling(0, 0), ["spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: 0: cannot be 0 when maxSurge is 0"]),
        ["daemonset maxUnavailable negative"] = (DaemonRolling(-1, null), ["spec.updateStrategy.rollingUpdate.maxUnavailable: Invalid value: -1: must be greater than or equal to 0"]),
        ["daemonset revisionHistoryLimit negative"] = (ValidDaemonSet with { Spec = ValidDaemonSet.Spec! with { RevisionHistoryLimit = -1 } },
            ["spec.revisionHistoryLimit: Invalid value: -1: must be greater than or equal to 0"]),

        ["job restartPolicy Always"] = (WithJobSpec(s => s with { Template = Template(RestartPolicy.Always) }),
            ["spec.template.spec.restartPolicy: Unsupported value: \"Always\": supported values: \"OnFailure\", \"Never\""]),
        ["job restartPolicy missing"] = (WithJobSpec(s => s with { Template = Template() }),
            ["spec.template.spec.restartPolicy: Required value: valid values: \"OnFailure\", \"Never\""]),
        ["job completions negative"] = (WithJobSpec(s => s with { Completions = -1 }), ["spec.completions: Invalid value: -1: must be greater than or equal to 0"]),
        ["job parallelism negative"] = (WithJobSpec(s => s with { Parallelism = -1 }), ["spec.parallelism: Invalid value: -1: must be greater than or equal to 0"]),
        ["job backoffLimit negative"] = (WithJobSpec(s => s with { BackoffLimit = -1 }), ["spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0"]),
        ["job manual selector missing"] = (WithJobSpec(s => s with { ManualSelector = true }), ["spec.selector: Required value"]),
        ["job selector does not match"] = (WithJobSpec(s => s with { ManualSelector = true, Selector = new LabelSelector { MatchLabels = Map("job=pi") } }),
            ["spec.template.metadata.labels: Invalid value: {\"app\":\"web\"}: `selector` does not match template `labels`"]),
        ["job completionMode unsupported"] = (WithJobSpec(s => s with { CompletionMode = "Ordered" }),
            ["spec.completionMode: Unsupported value: \"Ordered\": supported values: \"NonIndexed\", \"Indexed\""]),
        ["job Indexed without completions"] = (WithJobSpec(s => s with { CompletionMode = "Indexed" }), ["spec.completions: Required value: when completion mode is Indexed"]),
        ["job template image missing"] = (WithJobSpec(s => s with { Template = s.Template with { Spec = s.Template.Spec! with { Containers = [new Container { Name = "pi" }] } } }),
            ["spec.template.spec.containers[0].image: Required value"]),
    };

    public static TheoryData<string> CaseNames => new(Cases.Keys);

    [Theory]
    [MemberData(nameof(CaseNames))]
    public void Invalid_workload_reports_exact_errors(string name)
    {
        var (obj, expected) = Cases[name];
        Assert.Equal(expected, Errors(obj));
    }

    public static TheoryData<string, KubeObject> ValidWorkloads => new()
    {
        { "deployment", ValidDeployment },
        { "deployment defaulted", Defaulter.Apply(ValidDeployment) },
        { "deployment Recreate", WithDeploymentSpec(s => s with { Strategy = new DeploymentStrategy { Type = "Recreate" } }) },
        { "deployment surge only", Rolling(0, 1) },
        { "deployment percentages", Rolling("100%", "50%") },
        {
            "deployment expression selector", WithDeploymentSpec(s => s with
            {
                Selector = new LabelSelector { MatchExpressions = [new LabelSelectorRequirement { Key = "app", Operator = "In", Values = ["web", "api"] }] },
            })
        },
        { "replicaset", ValidReplicaSet },
        { "replicaset defaulted", Defaulter.Apply(ValidReplicaSet) },
        { "daemonset", ValidDaemonSet },
        { "daemonset defaulted", Defaulter.Apply(ValidDaemonSet) },
        { "daemonset surge", DaemonRolling(0, 1) },
        { "daemonset OnDelete", ValidDaemonSet with { Spec = ValidDaemonSet.Spec! with { UpdateStrategy = new DaemonSetUpdateStrategy { Type = "OnDelete" } } } },
        { "job without selector", ValidJob },
        { "job defaulted with generated selector", Defaulter.Apply(ValidJob with { Metadata = ValidJob.Metadata with { Uid = "0b7e3c1a-1111-2222-3333-444455556666" } }) },
        { "job manual selector", WithJobSpec(s => s with { ManualSelector = true, Selector = AppWeb }) },
        { "job indexed", WithJobSpec(s => s with { CompletionMode = "Indexed", Completions = 5, Parallelism = 2 }) },
    };

    [Theory]
    [MemberData(nameof(ValidWorkloads))]
    public void Valid_workloads_have_no_errors(string name, KubeObject obj)
    {
        Assert.True(Errors(obj).Length == 0, name + ": " + string.Join("\n", Errors(obj)));
    }
}
