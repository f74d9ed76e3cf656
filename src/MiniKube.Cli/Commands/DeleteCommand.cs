using System.CommandLine;
using MiniKube.Api;
using MiniKube.Client;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>minictl delete (-f FILE | TYPE NAME… | TYPE -l SELECTOR | TYPE --all)</c>: prints <c>pod "web" deleted</c>
/// per object, then (unless <c>--wait=false</c>) waits until each is gone.
/// </summary>
public sealed class DeleteCommand(CommandRunner runner)
{
    private const string ForceWarning =
        "Warning: Immediate deletion does not wait for confirmation that the running resource has been terminated. The resource may continue to run on the cluster indefinitely.";

    private readonly Argument<string[]> _resources = CommonOptions.Resources("TYPE [NAME…], TYPE/NAME…, or TYPE with -l or --all");
    private readonly Option<string[]> _files = CommonOptions.Filenames("delete");
    private readonly Option<bool> _recursive = CommonOptions.Recursive();
    private readonly Option<string?> _selector = CommonOptions.Selector();
    private readonly Option<string?> _fieldSelector = CommonOptions.FieldSelector();
    private readonly Option<bool> _allNamespaces = CommonOptions.AllNamespaces("delete");
    private readonly Option<bool> _all = new("--all") { Description = "Delete all resources, in the namespace of the specified resource types" };
    private readonly Option<int> _gracePeriod = new("--grace-period")
    {
        Description = "Period of time in seconds given to the resource to terminate gracefully. Ignored if negative. Set to 1 for immediate shutdown. Can only be set to 0 when --force is true (force deletion)",
        DefaultValueFactory = _ => -1,
    };
    private readonly Option<bool> _now = new("--now") { Description = "If true, resources are signaled for immediate shutdown (same as --grace-period=1)" };
    private readonly Option<bool> _force = new("--force") { Description = "If true, immediately remove resources from API and bypass graceful deletion" };
    private readonly Option<bool> _wait = new("--wait")
    {
        Description = "If true, wait for resources to be gone before returning. This waits for finalizers",
        DefaultValueFactory = _ => true,
    };
    private readonly Option<string> _timeout = new("--timeout")
    {
        Description = "The length of time to wait before giving up on a delete, zero means wait forever",
        DefaultValueFactory = _ => "0s",
    };
    private readonly Option<string> _cascade = new("--cascade")
    {
        Description = "Must be \"background\", \"orphan\", or \"foreground\". Selects the deletion cascading strategy for the dependents (e.g. Pods created by a ReplicaSet)",
        DefaultValueFactory = _ => "background",
    };
    private readonly Option<bool> _ignoreNotFound = new("--ignore-not-found") { Description = "Treat \"resource not found\" as a successful delete" };

    public Command Build()
    {
        var command = new Command("delete", "Delete resources by file names, stdin, resources and names, or by resources and label selector.")
        {
            _resources, _files, _recursive, _selector, _fieldSelector, _allNamespaces, _all, _gracePeriod, _now, _force, _wait, _timeout, _cascade, _ignoreNotFound,
        };
        runner.Attach(command, ExecuteAsync);
        return command;
    }

    private sealed record Target(ResourceInfo Resource, string Name, string? Namespace, string? Source);

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        var options = DeleteOptionsFrom(parse, out var force);
        var wait = parse.GetValue(_wait) && !force;
        if (!DurationText.TryParse(parse.GetValue(_timeout), out var waitTimeout))
        {
            throw new CliException($"invalid --timeout \"{parse.GetValue(_timeout)}\"");
        }
        var ignoreNotFound = parse.GetValue(_ignoreNotFound);
        var (targets, failed) = await TargetsAsync(session, parse).ConfigureAwait(false);
        if (force)
        {
            await session.Err.WriteLineAsync(ForceWarning).ConfigureAwait(false);
        }

        var pending = new List<(Target Target, KubeObject Deleted)>();
        foreach (var target in targets)
        {
            try
            {
                var deleted = await session.Client.DeleteAsync(target.Resource, target.Name, target.Namespace, options, session.Token).ConfigureAwait(false);
                await session.Out.WriteLineAsync($"{ResourceNames.Qualified(target.Resource)} \"{target.Name}\" {(force ? "force deleted" : "deleted")}")
                    .ConfigureAwait(false);
                if (deleted.Metadata.DeletionTimestamp is not null)
                {
                    pending.Add((target, deleted));
                }
            }
            catch (ApiException ex) when (ex.IsNotFound && ignoreNotFound)
            {
            }
            catch (ApiException ex) when (CommandRunner.IsPerObjectError(ex, session))
            {
                await session.Err.WriteLineAsync(ErrorFormatter.Format(ex, "deleting", target.Source)).ConfigureAwait(false);
                failed = true;
            }
        }

        if (wait && pending.Count > 0)
        {
            using var waitCancellation = CancellationTokenSource.CreateLinkedTokenSource(session.Token);
            if (waitTimeout > TimeSpan.Zero)
            {
                waitCancellation.CancelAfter(waitTimeout);
            }
            foreach (var (target, deleted) in pending)
            {
                try
                {
                    await WaitGoneAsync(session.Client, target, deleted.Metadata.Uid, waitCancellation.Token).ConfigureAwait(false);
                }
                catch (Exception) when (waitCancellation.IsCancellationRequested && !session.Token.IsCancellationRequested)
                {
                    session.Error($"timed out waiting for the condition on {ResourceNames.QualifiedPlural(target.Resource)}/{target.Name}");
                    return CommandRunner.Failure;
                }
            }
        }
        return failed ? CommandRunner.Failure : 0;
    }

    private DeleteOptions DeleteOptionsFrom(ParseResult parse, out bool force)
    {
        var grace = parse.GetValue(_gracePeriod);
        force = parse.GetValue(_force);
        if (parse.GetValue(_now))
        {
            if (grace != -1)
            {
                throw new CliException("--now and --grace-period cannot be specified together");
            }
            grace = 1;
        }
        if (grace == 0 && !force)
        {
            // As kubectl: a zero grace period needs --force; without it, delete as fast as still safe.
            grace = 1;
        }
        if (force && grace < 0)
        {
            grace = 0;
        }
        var propagation = (parse.GetValue(_cascade) ?? "background").ToLowerInvariant() switch
        {
            "background" or "true" => PropagationPolicy.Background,
            "foreground" => PropagationPolicy.Foreground,
            "orphan" or "false" => PropagationPolicy.Orphan,
            var other => throw new CliException($"invalid cascade value ({other}). Must be \"background\", \"foreground\", or \"orphan\"."),
        };
        return new DeleteOptions { GracePeriodSeconds = grace >= 0 ? grace : null, PropagationPolicy = propagation };
    }

    /// <summary>What to delete, and whether some of it was refused already (a bad -f document: its errors are printed).</summary>
    private async Task<(IReadOnlyList<Target> Targets, bool Failed)> TargetsAsync(CliSession session, ParseResult parse)
    {
        var args = parse.GetValue(_resources) ?? [];
        var files = parse.GetValue(_files) ?? [];
        var selector = parse.GetValue(_selector);
        var fieldSelector = parse.GetValue(_fieldSelector);
        var all = parse.GetValue(_all);
        if (files.Length > 0)
        {
            if (args.Length > 0)
            {
                throw new CliException("when paths, URLs, or stdin is provided as input, you may not specify resource arguments as well");
            }
            var batch = ManifestObjects.Read(session, files, parse.GetValue(_recursive), "delete");
            return (batch.Objects.Select(o => new Target(ResourceRegistry.ByType(o.Object.GetType()), o.Object.Metadata.Name ?? "", o.Object.Metadata.Namespace, o.Source))
                .ToList(), batch.Failed);
        }
        if (args.Length == 0)
        {
            throw new CliException("You must provide one or more resources by argument or filename.");
        }
        var requests = ResourceArgs.Parse(args);
        var byName = requests.Any(r => r.Names.Count > 0);
        var bySelector = !string.IsNullOrEmpty(selector) || !string.IsNullOrEmpty(fieldSelector) || all;
        if (byName && bySelector)
        {
            throw new CliException("name cannot be provided when a selector is specified");
        }
        if (!byName && !bySelector)
        {
            throw new CliException("resource(s) were provided, but no name was specified");
        }
        var allNamespaces = parse.GetValue(_allNamespaces);
        var targets = new List<Target>();
        foreach (var request in requests)
        {
            var ns = request.Resource.Namespaced ? session.Namespace : null;
            if (byName)
            {
                targets.AddRange(request.Names.Select(n => new Target(request.Resource, n, ns, null)));
                continue;
            }
            var (items, _) = await session.Client.ListAsync(request.Resource, allNamespaces ? null : ns, selector, fieldSelector, session.Token)
                .ConfigureAwait(false);
            targets.AddRange(items
                .OrderBy(i => i.Metadata.Namespace ?? "", StringComparer.Ordinal)
                .ThenBy(i => i.Metadata.Name ?? "", StringComparer.Ordinal)
                .Select(i => new Target(request.Resource, i.Metadata.Name ?? "", i.Metadata.Namespace, null)));
        }
        if (targets.Count == 0)
        {
            await session.Err.WriteLineAsync("No resources found").ConfigureAwait(false);
        }
        return (targets, false);
    }

    /// <summary>Waits until the object is gone (or replaced by a new one with another uid): a get, then a watch from it.</summary>
    private static async Task WaitGoneAsync(MiniKubeClient client, Target target, string? uid, CancellationToken cancellationToken)
    {
        while (true)
        {
            KubeObject current;
            try
            {
                current = await client.GetAsync(target.Resource, target.Name, target.Namespace, cancellationToken).ConfigureAwait(false);
            }
            catch (ApiException ex) when (ex.IsNotFound)
            {
                return;
            }
            if (uid is not null && current.Metadata.Uid != uid)
            {
                return;
            }
            try
            {
                await foreach (var e in client.WatchAsync(target.Resource, target.Namespace, null, "metadata.name=" + target.Name,
                                   current.Metadata.ResourceVersion, cancellationToken: cancellationToken).ConfigureAwait(false))
                {
                    if (e.Type == WatchEventTypes.Deleted)
                    {
                        return;
                    }
                }
            }
            catch (ApiException ex) when (ex.IsGone)
            {
                // The version we watched from is too old: look again.
            }
        }
    }
}
