using System.CommandLine;
using MiniKube.Client;

namespace MiniKube.Cli;

/// <summary>
/// One command's run: console, resolved global options, a client created on first use, and a token that
/// ends on Ctrl-C or when <c>--request-timeout</c> runs out.
/// </summary>
public sealed class CliSession : IDisposable
{
    private readonly CancellationTokenSource _cancellation;
    private readonly CancellationToken _callerToken;
    private readonly ClientConfig.CredentialFlags _credentials;
    private MiniKubeClient? _client;

    public CliSession(CliConsole console, GlobalOptions global, ParseResult parse, CancellationToken cancellationToken)
    {
        Console = console;
        Server = ClientConfig.ResolveServer(parse.GetValue(global.Server), console.Environment);
        _credentials = new ClientConfig.CredentialFlags(parse.GetValue(global.Token), parse.GetValue(global.CertificateAuthority),
            parse.GetValue(global.ClientCertificate), parse.GetValue(global.ClientKey));
        var ns = parse.GetValue(global.Namespace);
        Namespace = string.IsNullOrWhiteSpace(ns) ? GlobalOptions.DefaultNamespace : ns.Trim();
        NamespaceExplicit = parse.GetResult(global.Namespace) is { Implicit: false };
        var timeoutText = parse.GetValue(global.RequestTimeout) ?? "0";
        if (!DurationText.TryParse(timeoutText, out var timeout) || timeout < TimeSpan.Zero)
        {
            throw new CliException($"invalid request timeout \"{timeoutText}\": use a duration such as 30s, 1m or 0 for none");
        }
        _callerToken = cancellationToken;
        _cancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        if (timeout > TimeSpan.Zero)
        {
            RequestTimeout = timeout;
            _cancellation.CancelAfter(timeout);
        }
    }

    public CliConsole Console { get; }

    public TextWriter Out => Console.Out;

    public TextWriter Err => Console.Err;

    public DateTimeOffset Now => Console.Time.GetUtcNow();

    /// <summary>The API server address in use.</summary>
    public string Server { get; }

    /// <summary>-n, else <c>default</c>.</summary>
    public string Namespace { get; }

    /// <summary>True when -n was given on the command line.</summary>
    public bool NamespaceExplicit { get; }

    public TimeSpan? RequestTimeout { get; }

    /// <summary>Ends on Ctrl-C or when the request timeout runs out.</summary>
    public CancellationToken Token => _cancellation.Token;

    /// <summary>The user (Ctrl-C or the caller) cancelled, as opposed to the request timeout.</summary>
    public bool CancelledByCaller => _callerToken.IsCancellationRequested;

    public bool TimedOut => _cancellation.IsCancellationRequested && !_callerToken.IsCancellationRequested;

    public MiniKubeClient Client
    {
        get
        {
            if (_client is null)
            {
                try
                {
                    _client = new MiniKubeClient(Server, ClientConfig.ResolveCredentials(_credentials, Console.Environment));
                }
                catch (ArgumentException ex)
                {
                    throw new CliException(ex.Message.Split(" (Parameter", 2)[0]);
                }
            }
            return _client;
        }
    }

    public void Error(string message) => Err.WriteLine("error: " + message);

    public void Dispose()
    {
        _client?.Dispose();
        _cancellation.Dispose();
    }
}
