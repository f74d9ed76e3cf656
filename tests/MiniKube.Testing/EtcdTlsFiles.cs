namespace MiniKube.Testing;

/// <summary>
/// PEM files of an etcd that serves clients over TLS and requires client certificates: the CA both sides trust, etcd's
/// serving pair, and one client pair for whoever talks to it (the API server, etcdctl, the health check).
/// </summary>
public sealed record EtcdTlsFiles(string CAFile, string ServerCertFile, string ServerKeyFile, string ClientCertFile, string ClientKeyFile);
