using MiniKube.Client;

namespace MiniKube.Cluster;

/// <summary>
/// The files of a local cluster under <c>$MINIKUBE_HOME</c> (default <c>~/.minikube</c>): the client config, the cluster
/// state, component logs, the managed etcd's data and the kubelets' root directories.
/// </summary>
public sealed class ClusterHome
{
    public ClusterHome(string directory, string configFile)
    {
        Directory = directory;
        ConfigFile = configFile;
    }

    public string Directory { get; }

    /// <summary>The client config minictl (and the components' <c>ClientConfig</c>) read: <c>server: URL</c>.</summary>
    public string ConfigFile { get; }

    public string StateFile => Path.Combine(Directory, "cluster.json");

    public string LockFile => Path.Combine(Directory, "cluster.lock");

    public string LogDirectory => Path.Combine(Directory, "logs");

    public string EtcdDataDirectory => Path.Combine(Directory, "etcd");

    /// <summary>The data directory of etcd member <paramref name="member"/> (member 1: <see cref="EtcdDataDirectory"/>).</summary>
    public string EtcdMemberDataDirectory(int member) => Path.Combine(Directory, ClusterState.MemberName("etcd", member));

    /// <summary>The API servers' EncryptionConfiguration (the key Secrets are encrypted with in etcd); 0600.</summary>
    public string EncryptionConfigFile => Path.Combine(Directory, "encryption-config.yaml");

    /// <summary>The cluster's CA and every certificate and key made from it (<see cref="ClusterPki"/>).</summary>
    public string PkiDirectory => Path.Combine(Directory, "pki");

    public ClusterPki Pki => new(PkiDirectory);

    public string KubeletRootDirectory(string node) => Path.Combine(Directory, "kubelet", node);

    public string LogFile(string component) => Path.Combine(LogDirectory, component + ".log");

    public static ClusterHome From(Func<string, string?> environment) =>
        new(ClientConfig.HomeDirectoryFrom(environment), ClientConfig.ConfigFilePathFrom(environment));

    /// <summary><paramref name="path"/> with the home directory shown as <c>~</c> when it is under it, for messages.</summary>
    public static string Display(string path)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        if (home.Length > 1 && path.StartsWith(home + "/", StringComparison.Ordinal))
        {
            return "~" + path[home.Length..];
        }
        return path;
    }
}
