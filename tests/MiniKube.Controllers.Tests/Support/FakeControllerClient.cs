using System.Globalization;
using System.Text.Json.Nodes;
using MiniKube.Api;
using MiniKube.Controllers;

namespace MiniKube.Controllers.Tests.Support;

/// <summary>
/// An in-memory API for one reconcile: serves seeded objects, applies writes, and records every call as a line such as
/// <c>create pods default/web-</c>, <c>update-status replicasets default/web</c>, <c>patch pods default/p1</c> or
/// <c>delete pods default/p1</c>.
/// </summary>
internal sealed class FakeControllerClient : IControllerClient
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, KubeObject> _objects = new(StringComparer.Ordinal);
    private int _version = 1000;
    private int _generated;

    public List<string> Actions { get; } = [];

    /// <summary>Everything written, in order (created, updated, status-updated and patched objects).</summary>
    public List<KubeObject> Written { get; } = [];

    public List<(string Action, string Patch)> PatchesSent { get; } = [];

    public List<(string Action, DeleteOptions? Options)> Deletes { get; } = [];

    /// <summary>Return an exception to make the call with that action line fail.</summary>
    public Func<string, Exception?>? Fail { get; set; }

    /// <summary>Return an exception to make a create with that action line fail after it was applied (a lost reply).</summary>
    public Func<string, Exception?>? FailAfterApplying { get; set; }

    public void Seed(params KubeObject[] objects)
    {
        lock (_gate)
        {
            foreach (var obj in objects)
            {
                _objects[Key(ResourceRegistry.ByType(obj.GetType()), obj.Metadata.Namespace, obj.Metadata.Name!)] = obj;
            }
        }
    }

    public IEnumerable<string> ActionsStartingWith(string prefix) => Actions.Where(a => a.StartsWith(prefix, StringComparison.Ordinal));

    public T? Find<T>(string? ns, string name) where T : KubeObject
    {
        lock (_gate)
        {
            return _objects.GetValueOrDefault(Key(ResourceRegistry.For<T>(), ns, name)) as T;
        }
    }

    public Task<KubeObject> CreateAsync(KubeObject obj, CancellationToken cancellationToken)
    {
        var resource = ResourceRegistry.ByType(obj.GetType());
        var action = $"create {resource.Plural} {obj.Metadata.Namespace}/{obj.Metadata.Name ?? obj.Metadata.GenerateName}";
        Record(action);
        lock (_gate)
        {
            var name = obj.Metadata.Name ?? obj.Metadata.GenerateName + (++_generated).ToString("x5", CultureInfo.InvariantCulture);
            var key = Key(resource, obj.Metadata.Namespace, name);
            if (_objects.ContainsKey(key))
            {
                throw ApiException.AlreadyExists(resource, name);
            }
            var stored = obj with
            {
                Metadata = obj.Metadata with
                {
                    Name = name,
                    Uid = obj.Metadata.Uid ?? Guid.NewGuid().ToString(),
                    ResourceVersion = NextVersion(),
                    Generation = 1,
                    CreationTimestamp = obj.Metadata.CreationTimestamp ?? DateTimeOffset.UnixEpoch,
                },
            };
            _objects[key] = stored;
            Written.Add(stored);
            if (FailAfterApplying?.Invoke(action) is { } error)
            {
                throw error;
            }
            return Task.FromResult(stored);
        }
    }

    public Task<KubeObject> GetAsync(ResourceInfo resource, string name, string? ns, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            return _objects.TryGetValue(Key(resource, ns, name), out var obj) ? Task.FromResult(obj) : throw ApiException.NotFound(resource, name);
        }
    }

    public Task<IReadOnlyList<KubeObject>> ListAsync(ResourceInfo resource, string? ns, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            IReadOnlyList<KubeObject> items =
                [.. _objects.Values.Where(o => ResourceRegistry.ByType(o.GetType()) == resource && (ns is null || o.Metadata.Namespace == ns))];
            return Task.FromResult(items);
        }
    }

    public Task<KubeObject> UpdateAsync(KubeObject obj, CancellationToken cancellationToken) => Write("update", obj);

    public Task<KubeObject> UpdateStatusAsync(KubeObject obj, CancellationToken cancellationToken) => Write("update-status", obj);

    public Task<KubeObject> PatchAsync(ResourceInfo resource, string name, string? ns, string mergePatch, CancellationToken cancellationToken)
    {
        var action = $"patch {resource.Plural} {ns}/{name}";
        Record(action);
        lock (_gate)
        {
            PatchesSent.Add((action, mergePatch));
            var key = Key(resource, ns, name);
            if (!_objects.TryGetValue(key, out var current))
            {
                throw ApiException.NotFound(resource, name);
            }
            var merged = MergePatch(JsonNode.Parse(KubeSerializer.ToJson(current)), JsonNode.Parse(mergePatch));
            var patched = (KubeObject)KubeSerializer.FromJson(System.Text.Encoding.UTF8.GetBytes(merged!.ToJsonString()), resource.Type);
            patched = patched with { Metadata = patched.Metadata with { ResourceVersion = NextVersion() } };
            _objects[key] = patched;
            Written.Add(patched);
            return Task.FromResult(patched);
        }
    }

    public Task DeleteAsync(ResourceInfo resource, string name, string? ns, DeleteOptions? options, CancellationToken cancellationToken)
    {
        var action = $"delete {resource.Plural} {ns}/{name}";
        Record(action);
        lock (_gate)
        {
            Deletes.Add((action, options));
            if (!_objects.Remove(Key(resource, ns, name)))
            {
                throw ApiException.NotFound(resource, name);
            }
        }
        return Task.CompletedTask;
    }

    private Task<KubeObject> Write(string verb, KubeObject obj)
    {
        var resource = ResourceRegistry.ByType(obj.GetType());
        Record($"{verb} {resource.Plural} {obj.Metadata.Namespace}/{obj.Metadata.Name}");
        lock (_gate)
        {
            var stored = obj with { Metadata = obj.Metadata with { ResourceVersion = NextVersion() } };
            _objects[Key(resource, obj.Metadata.Namespace, obj.Metadata.Name!)] = stored;
            Written.Add(stored);
            return Task.FromResult(stored);
        }
    }

    private void Record(string action)
    {
        lock (_gate)
        {
            Actions.Add(action);
        }
        if (Fail?.Invoke(action) is { } error)
        {
            throw error;
        }
    }

    private string NextVersion() => (++_version).ToString(CultureInfo.InvariantCulture);

    private static string Key(ResourceInfo resource, string? ns, string name) => $"{resource.Plural}|{ns}/{name}";

    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }
        var result = target as JsonObject ?? new JsonObject();
        foreach (var (k, v) in patchObject)
        {
            if (v is null)
            {
                result.Remove(k);
            }
            else
            {
                var existing = result[k];
                result.Remove(k);
                result[k] = MergePatch(existing?.DeepClone(), v);
            }
        }
        return result;
    }
}
