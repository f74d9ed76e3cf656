namespace MiniKube.Rollout;

/// <summary>A rollout command that cannot do what was asked; the message is kubectl's (minictl prefixes <c>error: </c>).</summary>
public sealed class RolloutException(string message) : Exception(message);
