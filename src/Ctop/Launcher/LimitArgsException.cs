namespace Ctop.Launcher;

/// <summary>A launcher flag value that cannot be used; the message names the flag and what was wrong.</summary>
public sealed class LimitArgsException(string message) : Exception(message);
