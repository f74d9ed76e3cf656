using MiniKube.Api;
using MiniKube.Cli.Manifests;

namespace MiniKube.Cli.Commands;

/// <summary>Reading -f manifests for create, apply and delete: decode strictly, place each object in a namespace.</summary>
public static class ManifestObjects
{
    /// <summary>
    /// The good objects of the manifests, placed in their namespaces, after printing every error of the bad documents
    /// (one line each). As kubectl does, one bad document does not stop the others: the caller sends the good ones and
    /// exits non-zero when <see cref="ManifestBatch.Failed"/>.
    /// </summary>
    public static ManifestBatch Read(CliSession session, IReadOnlyList<string> paths, bool recursive, string verb)
    {
        var set = new ManifestReader(session.Console.In).Read(paths, recursive);
        foreach (var line in set.Errors.SelectMany(e => e.Lines()))
        {
            session.Error(line);
        }
        var failed = !set.Ok;
        var placed = new List<ManifestObject>(set.Objects.Count);
        foreach (var item in set.Objects)
        {
            try
            {
                placed.Add(item with { Object = Place(session, item.Object) });
            }
            catch (CliException ex)
            {
                session.Error(ex.Message);
                failed = true;
            }
        }
        if (!failed && placed.Count == 0)
        {
            throw new CliException("no objects passed to " + verb);
        }
        return new ManifestBatch(placed, failed);
    }

    /// <summary>Namespaced objects without a namespace go to -n; one that names another namespace than an explicit -n is refused.</summary>
    public static KubeObject Place(CliSession session, KubeObject obj)
    {
        var resource = ResourceRegistry.ByType(obj.GetType());
        var ns = obj.Metadata.Namespace;
        if (!resource.Namespaced)
        {
            return string.IsNullOrEmpty(ns) ? obj : obj with { Metadata = obj.Metadata with { Namespace = null } };
        }
        if (string.IsNullOrEmpty(ns))
        {
            return obj with { Metadata = obj.Metadata with { Namespace = session.Namespace } };
        }
        if (session.NamespaceExplicit && ns != session.Namespace)
        {
            throw new CliException(
                $"the namespace from the provided object \"{ns}\" does not match the namespace \"{session.Namespace}\". You must pass '--namespace={ns}' to perform this operation.");
        }
        return obj;
    }
}

/// <summary>The objects of -f manifests that decoded and were placed, and whether any document was refused (its errors are printed).</summary>
public sealed record ManifestBatch(IReadOnlyList<ManifestObject> Objects, bool Failed);
