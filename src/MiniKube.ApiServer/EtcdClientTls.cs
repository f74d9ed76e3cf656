using MiniKube.Security;
using MiniKube.Storage;

namespace MiniKube.ApiServer;

/// <summary>
/// The etcd client settings of <c>--etcd-servers</c>, <c>--etcd-cafile</c>, <c>--etcd-certfile</c> and <c>--etcd-keyfile</c>,
/// loaded once at start so every etcd user of the process (storage, /healthz, /readyz) shares one TLS identity, and a file
/// that cannot be used fails start naming its flag.
/// </summary>
internal static class EtcdClientTls
{
    /// <exception cref="AuthenticationConfigException">A CA, certificate or key file cannot be used.</exception>
    public static EtcdStorageOptions StorageOptions(ApiServerOptions options) => new()
    {
        Endpoints = options.EtcdServers,
        Prefix = options.EtcdPrefix,
        TrustedCAs = options.EtcdCAFile is { } caFile ? Authenticators.Load("--etcd-cafile", caFile, () => PemFiles.ReadBundle(caFile)) : null,
        ClientCertificate = options is { EtcdCertFile: { } certFile, EtcdKeyFile: { } keyFile }
            ? Authenticators.Load("--etcd-certfile", certFile, () => PemFiles.ReadCertificateWithKey(certFile, keyFile))
            : null,
    };
}
