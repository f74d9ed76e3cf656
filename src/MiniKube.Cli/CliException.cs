namespace MiniKube.Cli;

/// <summary>A user-facing failure: printed as <c>error: MESSAGE</c> and exit code 1.</summary>
public sealed class CliException(string message) : Exception(message);
