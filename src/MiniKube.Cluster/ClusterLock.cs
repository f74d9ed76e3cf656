namespace MiniKube.Cluster;

/// <summary>
/// Keeps two cluster commands on the same <c>MINIKUBE_HOME</c> from running at once: an exclusive lock on
/// <c>cluster.lock</c> (.NET takes an advisory <c>flock</c> for <see cref="FileShare.None"/>), released on exit even if minictl dies.
/// </summary>
public sealed class ClusterLock : IDisposable
{
    private readonly FileStream _stream;

    private ClusterLock(FileStream stream) => _stream = stream;

    public static ClusterLock Acquire(ClusterHome home)
    {
        Directory.CreateDirectory(home.Directory);
        try
        {
            return new ClusterLock(new FileStream(home.LockFile, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
        }
        catch (IOException)
        {
            throw new ClusterException($"another minictl cluster command is running on {home.Directory} (lock: {home.LockFile}); wait for it to finish");
        }
    }

    public void Dispose() => _stream.Dispose();
}
