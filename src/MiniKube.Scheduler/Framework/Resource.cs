namespace MiniKube.Scheduler.Framework;

/// <summary>An extended or otherwise non-native resource (GPUs, hugepages-*, example.com/foo) and its amount in whole units.</summary>
public readonly record struct ScalarResource(string Name, long Value);

/// <summary>
/// An amount of every resource the scheduler accounts for, in the units kube-scheduler uses: milli-cores for
/// CPU, bytes for memory and ephemeral storage, whole units for scalar resources. Immutable; the scalar part
/// is a small array because almost every pod has none and the rest have one or two.
/// </summary>
public readonly struct Resource : IEquatable<Resource>
{
    private readonly ScalarResource[]? _scalars;

    public Resource(long milliCpu, long memory, long ephemeralStorage = 0, ScalarResource[]? scalars = null)
    {
        MilliCpu = milliCpu;
        Memory = memory;
        EphemeralStorage = ephemeralStorage;
        _scalars = scalars is { Length: > 0 } ? scalars : null;
    }

    public long MilliCpu { get; }

    public long Memory { get; }

    public long EphemeralStorage { get; }

    public ReadOnlySpan<ScalarResource> Scalars => _scalars;

    public bool HasScalars => _scalars is not null;

    /// <summary>True when nothing at all is requested: the pod passes any resource check except the pod count.</summary>
    public bool IsZero => MilliCpu == 0 && Memory == 0 && EphemeralStorage == 0 && _scalars is null;

    public long Scalar(string name)
    {
        if (_scalars is null)
        {
            return 0;
        }
        foreach (var s in _scalars)
        {
            if (string.Equals(s.Name, name, StringComparison.Ordinal))
            {
                return s.Value;
            }
        }
        return 0;
    }

    /// <summary>The amount of a resource by its Kubernetes name ("cpu" in milli-cores, "memory", …).</summary>
    public long Get(string name) => name switch
    {
        "cpu" => MilliCpu,
        "memory" => Memory,
        "ephemeral-storage" => EphemeralStorage,
        _ => Scalar(name),
    };

    public Resource Add(in Resource other) =>
        new(MilliCpu + other.MilliCpu, Memory + other.Memory, EphemeralStorage + other.EphemeralStorage,
            CombineScalars(_scalars, other._scalars, 1));

    public Resource Subtract(in Resource other) =>
        new(MilliCpu - other.MilliCpu, Memory - other.Memory, EphemeralStorage - other.EphemeralStorage,
            CombineScalars(_scalars, other._scalars, -1));

    private static ScalarResource[]? CombineScalars(ScalarResource[]? a, ScalarResource[]? b, int sign)
    {
        if (b is null)
        {
            return a;
        }
        var result = new List<ScalarResource>(a ?? []);
        foreach (var s in b)
        {
            var i = result.FindIndex(r => r.Name == s.Name);
            if (i < 0)
            {
                result.Add(new ScalarResource(s.Name, sign * s.Value));
            }
            else
            {
                result[i] = new ScalarResource(s.Name, result[i].Value + sign * s.Value);
            }
        }
        // Entries that drop back to zero are removed so a node's totals return to "nothing" exactly.
        result.RemoveAll(r => r.Value == 0);
        return result.Count == 0 ? null : [.. result];
    }

    public bool Equals(Resource other)
    {
        if (MilliCpu != other.MilliCpu || Memory != other.Memory || EphemeralStorage != other.EphemeralStorage)
        {
            return false;
        }
        var a = Scalars;
        var b = other.Scalars;
        if (a.Length != b.Length)
        {
            return false;
        }
        foreach (var s in a)
        {
            if (other.Scalar(s.Name) != s.Value)
            {
                return false;
            }
        }
        return true;
    }

    public override bool Equals(object? obj) => obj is Resource r && Equals(r);

    public override int GetHashCode() => HashCode.Combine(MilliCpu, Memory, EphemeralStorage, Scalars.Length);

    public static bool operator ==(Resource left, Resource right) => left.Equals(right);

    public static bool operator !=(Resource left, Resource right) => !left.Equals(right);

    public override string ToString()
    {
        var text = $"cpu={MilliCpu}m memory={Memory} ephemeral-storage={EphemeralStorage}";
        foreach (var s in Scalars)
        {
            text += $" {s.Name}={s.Value}";
        }
        return text;
    }
}
