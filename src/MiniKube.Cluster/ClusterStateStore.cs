using System.Text.Json;

namespace MiniKube.Cluster;

/// <summary>Reads and atomically replaces <c>cluster.json</c>.</summary>
public sealed class ClusterStateStore(ClusterHome home)
{
    public string Path => home.StateFile;

    public ClusterState? Load()
    {
        if (!File.Exists(Path))
        {
            return null;
        }
        try
        {
            var state = JsonSerializer.Deserialize(File.ReadAllBytes(Path), ClusterStateJson.Default.ClusterState);
            if (state is null || state.Version != ClusterState.CurrentVersion)
            {
                throw new ClusterException($"{Path} is not a cluster state this minictl understands; stop that cluster's processes and remove the file");
            }
            return state;
        }
        catch (JsonException ex)
        {
            throw new ClusterException($"{Path} is not valid cluster state ({ex.Message}); stop that cluster's processes and remove the file");
        }
    }

    public void Save(ClusterState state)
    {
        Directory.CreateDirectory(home.Directory);
        var temporary = Path + ".tmp";
        File.WriteAllBytes(temporary, JsonSerializer.SerializeToUtf8Bytes(state, ClusterStateJson.Default.ClusterState));
        File.Move(temporary, Path, overwrite: true);
    }

    public void Delete() => File.Delete(Path);
}
