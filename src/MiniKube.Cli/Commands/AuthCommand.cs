using System.CommandLine;
using MiniKube.Api;

namespace MiniKube.Cli.Commands;

/// <summary>
/// <c>minictl auth can-i VERB TYPE[/NAME] | NONRESOURCEURL</c>: asks the API server (a SelfSubjectAccessReview) whether the
/// caller may do it; prints yes or no and exits 0 or 1, as kubectl does.
/// </summary>
public sealed class AuthCommand(CommandRunner runner)
{
    private readonly Argument<string> _verb = new("VERB") { Description = "The verb: get, list, watch, create, update, patch, delete, deletecollection, or *" };
    private readonly Argument<string?> _target = new("TYPE[/NAME] | NONRESOURCEURL")
    {
        Description = "A resource type (pods, deployments.apps, *), optionally /NAME, or a URL path such as /logs",
        Arity = ArgumentArity.ZeroOrOne,
    };
    private readonly Argument<string?> _name = new("NAME") { Description = "The object's name (as TYPE/NAME)", Arity = ArgumentArity.ZeroOrOne };
    private readonly Option<bool> _allNamespaces = CommonOptions.AllNamespaces("check");
    private readonly Option<string?> _subresource = new("--subresource") { Description = "SubResource such as pod/log or deployment/scale" };
    private readonly Option<bool> _quiet = new("--quiet", "-q") { Description = "If true, suppress output and just return the exit code." };

    public Command Build()
    {
        var canI = new Command("can-i", "Check whether an action is allowed.") { _verb, _target, _name, _allNamespaces, _subresource, _quiet };
        runner.Attach(canI, ExecuteAsync);
        return new Command("auth", "Inspect authorization.") { canI };
    }

    private async Task<int> ExecuteAsync(CliSession session, ParseResult parse)
    {
        var verb = parse.GetValue(_verb)!;
        var target = parse.GetValue(_target) ?? throw new CliException("you must specify two or three arguments: verb, resource, and optional resourceName");
        var spec = target.StartsWith('/')
            ? new SelfSubjectAccessReviewSpec { NonResourceAttributes = new NonResourceAttributes { Verb = verb, Path = target } }
            : new SelfSubjectAccessReviewSpec { ResourceAttributes = Resource(session, parse, verb, target) };
        var review = await session.Client.ReviewSelfAccessAsync(new SelfSubjectAccessReview { Spec = spec }, session.Token).ConfigureAwait(false);
        var status = review.Status ?? new SubjectAccessReviewStatus();
        if (!parse.GetValue(_quiet))
        {
            var line = status.Allowed ? "yes" : "no";
            if (!status.Allowed && !string.IsNullOrEmpty(status.Reason))
            {
                line += " - " + status.Reason;
            }
            if (!string.IsNullOrEmpty(status.EvaluationError))
            {
                line += " - " + status.EvaluationError;
            }
            await session.Out.WriteLineAsync(line).ConfigureAwait(false);
        }
        return status.Allowed ? 0 : 1;
    }

    private ResourceAttributes Resource(CliSession session, ParseResult parse, string verb, string target)
    {
        var slash = target.IndexOf('/');
        var type = slash < 0 ? target : target[..slash];
        var name = slash < 0 ? parse.GetValue(_name) ?? "" : target[(slash + 1)..];
        string group;
        string plural;
        var namespaced = true;
        if (type == "*")
        {
            (group, plural) = ("*", "*");
        }
        else if (ResourceRegistry.Resolve(type) is { } known)
        {
            (group, plural, namespaced) = (known.Group, known.Plural, known.Namespaced);
        }
        else
        {
            // As kubectl: an unknown type is still asked about, as written (plural.group splits at the first dot).
            session.Err.WriteLine($"Warning: the server doesn't have a resource type '{type}'");
            var dot = type.IndexOf('.');
            (group, plural) = dot < 0 ? ("", type) : (type[(dot + 1)..], type[..dot]);
        }
        var ns = parse.GetValue(_allNamespaces) || !namespaced ? "" : session.Namespace;
        return new ResourceAttributes
        {
            Verb = verb,
            Group = group,
            Resource = plural,
            Subresource = parse.GetValue(_subresource) ?? "",
            Name = name,
            Namespace = ns,
        };
    }
}
