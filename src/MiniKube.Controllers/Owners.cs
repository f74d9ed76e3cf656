using MiniKube.Api;

namespace MiniKube.Controllers;

/// <summary>ownerReferences helpers (metav1.GetControllerOf and friends).</summary>
public static class Owners
{
    /// <summary>The owner reference with <c>controller: true</c>, if any.</summary>
    public static OwnerReference? ControllerOf(KubeObject obj) =>
        obj.Metadata.OwnerReferences?.FirstOrDefault(r => r.Controller == true);

    public static bool IsControlledBy(KubeObject obj, KubeObject owner) =>
        ControllerOf(obj) is { } r && r.Uid == owner.Metadata.Uid;

    /// <summary>The reference a controller puts on what it creates: controller, and blocking the owner's foreground deletion.</summary>
    public static OwnerReference ControllerRef(KubeObject owner) => new()
    {
        ApiVersion = owner.ApiVersion,
        Kind = owner.Kind,
        Name = owner.Metadata.Name ?? "",
        Uid = owner.Metadata.Uid ?? "",
        Controller = true,
        BlockOwnerDeletion = true,
    };

    public static bool IsBeingDeleted(KubeObject obj) => obj.Metadata.DeletionTimestamp is not null;

    public static bool HasFinalizer(KubeObject obj, string finalizer) => obj.Metadata.Finalizers?.Contains(finalizer) == true;
}
