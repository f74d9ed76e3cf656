namespace MiniKube.Security;

/// <summary>
/// What a request asks to do, as Kubernetes' authorizer.Attributes: a resource request (verb on group/resource/subresource,
/// namespace, name) or a non-resource request (verb on a URL path). Both wires build the same attributes.
/// </summary>
public sealed record RequestAttributes(
    UserInfo User,
    string Verb,
    string ApiGroup = "",
    string Resource = "",
    string Subresource = "",
    string Namespace = "",
    string Name = "",
    string Path = "",
    string FieldSelector = "")
{
    public bool IsResourceRequest => Resource.Length > 0;

    public static RequestAttributes NonResource(UserInfo user, string verb, string path) => new(user, verb, Path: path);
}
