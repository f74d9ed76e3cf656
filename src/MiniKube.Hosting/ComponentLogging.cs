using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;
using Serilog.Extensions.Logging;

namespace MiniKube.Hosting;

/// <summary>
/// The one Serilog set-up of every MiniKube process: structured, to stderr, with the log context (kind, namespace,
/// name scopes), framework chatter (Microsoft.*, Grpc.*) held at Warning.
/// </summary>
public static class ComponentLogging
{
    /// <summary>Time, level, the logger's category, the message.</summary>
    public const string DefaultTemplate = "{Timestamp:HH:mm:ss.fff} {Level:u3} {SourceContext}: {Message:lj}{NewLine}{Exception}";

    /// <summary>The names <c>--log-level</c> accepts.</summary>
    public static IReadOnlyList<string> LevelNames { get; } = ["Verbose", "Debug", "Information", "Warning", "Error"];

    /// <summary>A <c>--log-level</c> value (case-insensitive, one of <see cref="LevelNames"/>) as a Serilog level.</summary>
    public static bool TryParseLevel(string? text, out LogEventLevel level)
    {
        level = LogEventLevel.Information;
        var name = LevelNames.FirstOrDefault(n => string.Equals(n, text?.Trim(), StringComparison.OrdinalIgnoreCase));
        return name is not null && Enum.TryParse(name, out level);
    }

    /// <summary>The problem with a <c>--log-level</c> value, or null when it is one of <see cref="LevelNames"/>.</summary>
    public static string? LevelProblem(string? text) => TryParseLevel(text, out _)
        ? null
        : $"--log-level \"{text}\" is not one of {string.Join(", ", LevelNames)}";

    /// <summary>Applies the shared set-up to <paramref name="configuration"/> (for hosts that configure Serilog through ASP.NET Core).</summary>
    public static LoggerConfiguration Configure(LoggerConfiguration configuration, LogEventLevel level, string template = DefaultTemplate) =>
        configuration
            .MinimumLevel.Is(level)
            .MinimumLevel.Override("Microsoft", LogEventLevel.Warning)
            .MinimumLevel.Override("Grpc", LogEventLevel.Warning)
            .Enrich.FromLogContext()
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: template);

    /// <summary>A logging provider over the shared set-up, for hosts built with Microsoft.Extensions.Hosting; the host disposes it.</summary>
    public static ILoggerProvider CreateLoggerProvider(LogEventLevel level, string template = DefaultTemplate) =>
        new SerilogLoggerProvider(Configure(new LoggerConfiguration(), level, template).CreateLogger(), dispose: true);

    /// <summary>A logger factory over the shared set-up; disposing it flushes and closes the logger.</summary>
    public static ILoggerFactory CreateLoggerFactory(LogEventLevel level, string template = DefaultTemplate) =>
        new SerilogLoggerFactory(Configure(new LoggerConfiguration(), level, template).CreateLogger(), dispose: true);
}
