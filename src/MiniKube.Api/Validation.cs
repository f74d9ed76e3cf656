namespace MiniKube.Api;

/// <summary>Per-kind validation. CONTRACT STUB: filled in by the validation work.</summary>
public static class Validator
{
    /// <summary>Every problem with a new object, each path-qualified.</summary>
    public static IReadOnlyList<FieldError> Validate(KubeObject obj) => [];

    /// <summary>Problems with an update (immutable fields changed), plus <see cref="Validate"/> of the new object.</summary>
    public static IReadOnlyList<FieldError> ValidateUpdate(KubeObject updated, KubeObject old) => Validate(updated);
}

/// <summary>Per-kind defaulting (restartPolicy Always, imagePullPolicy, protocol TCP, …). CONTRACT STUB.</summary>
public static class Defaulter
{
    public static KubeObject Apply(KubeObject obj) => obj;
}
