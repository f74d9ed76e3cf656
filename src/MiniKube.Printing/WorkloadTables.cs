using System.Globalization;
using MiniKube.Api;

namespace MiniKube.Printing;

/// <summary><c>NAME READY UP-TO-DATE AVAILABLE AGE</c> (+ wide CONTAINERS IMAGES SELECTOR).</summary>
public sealed class DeploymentTable : ResourceTable<Deployment>
{
    public DeploymentTable()
    {
        NameColumn();
        Column("READY", d => $"{Text.Int(d.Status?.ReadyReplicas)}/{Text.Int(d.Spec?.Replicas)}");
        Column("UP-TO-DATE", d => Text.Int(d.Status?.UpdatedReplicas));
        Column("AVAILABLE", d => Text.Int(d.Status?.AvailableReplicas));
        AgeColumn();
        Wide("CONTAINERS", d => Template.Containers(d.Spec?.Template));
        Wide("IMAGES", d => Template.Images(d.Spec?.Template));
        Wide("SELECTOR", d => Text.Selector(d.Spec?.Selector));
    }
}

/// <summary><c>NAME DESIRED CURRENT READY AGE</c> (+ wide CONTAINERS IMAGES SELECTOR).</summary>
public sealed class ReplicaSetTable : ResourceTable<ReplicaSet>
{
    public ReplicaSetTable()
    {
        NameColumn();
        Column("DESIRED", r => Text.Int(r.Spec?.Replicas));
        Column("CURRENT", r => Text.Int(r.Status?.Replicas));
        Column("READY", r => Text.Int(r.Status?.ReadyReplicas));
        AgeColumn();
        Wide("CONTAINERS", r => Template.Containers(r.Spec?.Template));
        Wide("IMAGES", r => Template.Images(r.Spec?.Template));
        Wide("SELECTOR", r => Text.Selector(r.Spec?.Selector));
    }
}

/// <summary><c>NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE</c> (+ wide CONTAINERS IMAGES SELECTOR).</summary>
public sealed class DaemonSetTable : ResourceTable<DaemonSet>
{
    public DaemonSetTable()
    {
        NameColumn();
        Column("DESIRED", d => Text.Int(d.Status?.DesiredNumberScheduled));
        Column("CURRENT", d => Text.Int(d.Status?.CurrentNumberScheduled));
        Column("READY", d => Text.Int(d.Status?.NumberReady));
        Column("UP-TO-DATE", d => Text.Int(d.Status?.UpdatedNumberScheduled));
        Column("AVAILABLE", d => Text.Int(d.Status?.NumberAvailable));
        Column("NODE SELECTOR", d => Text.Labels(d.Spec?.Template.Spec?.NodeSelector));
        AgeColumn();
        Wide("CONTAINERS", d => Template.Containers(d.Spec?.Template));
        Wide("IMAGES", d => Template.Images(d.Spec?.Template));
        Wide("SELECTOR", d => Text.Selector(d.Spec?.Selector));
    }
}

/// <summary><c>NAME STATUS COMPLETIONS DURATION AGE</c> (+ wide CONTAINERS IMAGES SELECTOR).</summary>
public sealed class JobTable : ResourceTable<Job>
{
    public JobTable()
    {
        NameColumn();
        Column("STATUS", Status);
        Column("COMPLETIONS", Completions);
        Column("DURATION", (j, now) => Duration(j, now));
        AgeColumn();
        Wide("CONTAINERS", j => Template.Containers(j.Spec?.Template));
        Wide("IMAGES", j => Template.Images(j.Spec?.Template));
        Wide("SELECTOR", j => Text.Selector(j.Spec?.Selector));
    }

    public static string Status(Job job)
    {
        bool Has(string type) => job.Status?.Conditions?.Any(c => c.Type == type && c.Status == ConditionStatus.True) == true;
        if (Has(JobConditionType.Complete))
        {
            return "Complete";
        }
        if (Has(JobConditionType.Failed))
        {
            return "Failed";
        }
        if (job.Metadata.DeletionTimestamp is not null)
        {
            return "Terminating";
        }
        if (Has(JobConditionType.SuccessCriteriaMet))
        {
            return "SuccessCriteriaMet";
        }
        if (Has(JobConditionType.FailureTarget))
        {
            return "FailureTarget";
        }
        if (Has(JobConditionType.Suspended))
        {
            return "Suspended";
        }
        return "Running";
    }

    public static string Completions(Job job)
    {
        var succeeded = Text.Int(job.Status?.Succeeded);
        if (job.Spec?.Completions is { } completions)
        {
            return $"{succeeded}/{completions.ToString(CultureInfo.InvariantCulture)}";
        }
        var parallelism = job.Spec?.Parallelism ?? 0;
        return parallelism > 1 ? $"{succeeded}/1 of {parallelism.ToString(CultureInfo.InvariantCulture)}" : $"{succeeded}/1";
    }

    public static string Duration(Job job, DateTimeOffset now)
    {
        if (job.Status?.StartTime is not { } start)
        {
            return "";
        }
        return HumanDuration.Format((job.Status.CompletionTime ?? now) - start);
    }
}

/// <summary>Pod template summaries for wide workload tables.</summary>
public static class Template
{
    public static string Containers(PodTemplateSpec? template) =>
        string.Join(",", template?.Spec?.Containers.Select(c => c.Name) ?? []);

    public static string Images(PodTemplateSpec? template) =>
        string.Join(",", template?.Spec?.Containers.Select(c => c.Image ?? "") ?? []);
}
