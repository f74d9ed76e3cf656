using MiniKube.Api;

namespace MiniKube.Client;

/// <summary>
/// The informer's local, indexed copy of the objects it watches. Readers get the same immutable records the informer
/// stored; to change one, build a copy with <c>with</c> and send it to the API server.
/// </summary>
public sealed class InformerCache<T> where T : KubeObject
{
    public const string NamespaceIndex = "namespace";

    private readonly Lock _gate = new();
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<T, IEnumerable<string>>> _indexers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, HashSet<string>>> _indices = new(StringComparer.Ordinal);

    public InformerCache()
    {
        AddIndexer(NamespaceIndex, o => o.Metadata.Namespace is { } ns ? [ns] : []);
    }

    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _items.Count;
            }
        }
    }

    /// <summary>Adds an index (e.g. pods by <c>spec.nodeName</c>); existing items are indexed at once.</summary>
    public void AddIndexer(string name, Func<T, IEnumerable<string>> indexFunc)
    {
        lock (_gate)
        {
            if (!_indexers.TryAdd(name, indexFunc))
            {
                throw new InvalidOperationException($"index \"{name}\" already exists");
            }
            var index = _indices[name] = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
            foreach (var (key, item) in _items)
            {
                foreach (var value in indexFunc(item))
                {
                    Bucket(index, value).Add(key);
                }
            }
        }
    }

    public T? Get(string key)
    {
        lock (_gate)
        {
            return _items.GetValueOrDefault(key);
        }
    }

    public T? Get(string? ns, string name) => Get(ObjectKeys.For(ns, name));

    public IReadOnlyList<T> List()
    {
        lock (_gate)
        {
            return [.. _items.Values];
        }
    }

    public IReadOnlyList<T> List(string ns) => ByIndex(NamespaceIndex, ns);

    public IReadOnlyList<string> Keys()
    {
        lock (_gate)
        {
            return [.. _items.Keys];
        }
    }

    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        lock (_gate)
        {
            if (!_indices.TryGetValue(indexName, out var index))
            {
                throw new InvalidOperationException($"no index \"{indexName}\"");
            }
            if (!index.TryGetValue(value, out var keys))
            {
                return [];
            }
            var result = new List<T>(keys.Count);
            foreach (var key in keys)
            {
                result.Add(_items[key]);
            }
            return result;
        }
    }

    /// <summary>Stores an object; returns the one it replaced.</summary>
    internal T? Upsert(T obj)
    {
        var key = ObjectKeys.For(obj);
        lock (_gate)
        {
            _items.TryGetValue(key, out var old);
            if (old is not null)
            {
                Unindex(key, old);
            }
            _items[key] = obj;
            Index(key, obj);
            return old;
        }
    }

    internal T? Remove(string key)
    {
        lock (_gate)
        {
            if (!_items.Remove(key, out var old))
            {
                return null;
            }
            Unindex(key, old);
            return old;
        }
    }

    private void Index(string key, T obj)
    {
        foreach (var (name, func) in _indexers)
        {
            var index = _indices[name];
            foreach (var value in func(obj))
            {
                Bucket(index, value).Add(key);
            }
        }
    }

    private void Unindex(string key, T obj)
    {
        foreach (var (name, func) in _indexers)
        {
            var index = _indices[name];
            foreach (var value in func(obj))
            {
                if (index.TryGetValue(value, out var keys))
                {
                    keys.Remove(key);
                    if (keys.Count == 0)
                    {
                        index.Remove(value);
                    }
                }
            }
        }
    }

    private static HashSet<string> Bucket(Dictionary<string, HashSet<string>> index, string value)
    {
        if (!index.TryGetValue(value, out var keys))
        {
            keys = new HashSet<string>(StringComparer.Ordinal);
            index[value] = keys;
        }
        return keys;
    }
}
