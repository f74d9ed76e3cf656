using System.Collections.Concurrent;
using System.Linq.Expressions;
using System.Reflection;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// Generic access to the spec and status of any kind, so one code path implements Kubernetes'
/// spec/status separation for every resource. A <c>with { }</c> on a <see cref="KubeObject"/> reference makes a fresh
/// copy of the derived record; we set the part on that private copy before anyone else can see it. The accessors are
/// compiled once per kind, so an update pays a delegate call, not a reflection invoke.
/// </summary>
internal static class ObjectParts
{
    private static readonly ConcurrentDictionary<Type, (Part? Spec, Part? Status)> Parts = new();

    public static bool HasSpec(KubeObject obj) => PartsOf(obj.GetType()).Spec is not null;

    public static object? GetSpec(KubeObject obj) => PartsOf(obj.GetType()).Spec?.GetValue(obj);

    public static object? GetStatus(KubeObject obj) => PartsOf(obj.GetType()).Status?.GetValue(obj);

    public static KubeObject WithStatus(KubeObject obj, object? status)
    {
        var property = PartsOf(obj.GetType()).Status;
        if (property is null)
        {
            return obj;
        }
        var copy = obj with { };
        property.SetValue(copy, status);
        return copy;
    }

    public static KubeObject WithSpec(KubeObject obj, object? spec)
    {
        var property = PartsOf(obj.GetType()).Spec;
        if (property is null)
        {
            return obj;
        }
        var copy = obj with { };
        property.SetValue(copy, spec);
        return copy;
    }

    /// <summary>Whether the spec differs, compared by its JSON form (records holding lists compare lists by reference).</summary>
    public static bool SpecChanged(KubeObject updated, KubeObject old)
    {
        var property = PartsOf(updated.GetType()).Spec;
        if (property is null)
        {
            return false;
        }
        var a = property.GetValue(updated);
        var b = property.GetValue(old);
        if (a is null || b is null)
        {
            return !ReferenceEquals(a, b);
        }
        return !KubeSerializer.ToJsonBytes(a).AsSpan().SequenceEqual(KubeSerializer.ToJsonBytes(b));
    }

    public static KubeObject WithMetadata(KubeObject obj, ObjectMeta metadata) => obj with { Metadata = metadata };

    private static (Part? Spec, Part? Status) PartsOf(Type type) => Parts.GetOrAdd(type, static t => (Part.Of(t, "Spec"), Part.Of(t, "Status")));

    /// <summary>A compiled getter and (init) setter of one public property of one kind.</summary>
    private sealed class Part(Func<KubeObject, object?> get, Action<KubeObject, object?> set)
    {
        public object? GetValue(KubeObject obj) => get(obj);

        public void SetValue(KubeObject obj, object? value) => set(obj, value);

        public static Part? Of(Type type, string name)
        {
            if (type.GetProperty(name, BindingFlags.Public | BindingFlags.Instance) is not { GetMethod: not null, SetMethod: not null } property)
            {
                return null;
            }
            var obj = Expression.Parameter(typeof(KubeObject), "obj");
            var value = Expression.Parameter(typeof(object), "value");
            var typed = Expression.Convert(obj, type);
            var get = Expression.Lambda<Func<KubeObject, object?>>(
                Expression.Convert(Expression.Property(typed, property), typeof(object)), obj).Compile();
            var set = Expression.Lambda<Action<KubeObject, object?>>(
                Expression.Call(typed, property.SetMethod, Expression.Convert(value, property.PropertyType)), obj, value).Compile();
            return new Part(get, set);
        }
    }
}
