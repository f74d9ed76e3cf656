namespace MiniKube.Security;

/// <summary>An authentication setting (a token file, a CA file) that cannot be used; the message names the file and the line.</summary>
public sealed class AuthenticationConfigException(string message) : Exception(message);
