using ProcFs.Parsing;

namespace Ctop.Ui;

/// <summary>The dashboard's name for the one escaper, <see cref="Printable.Escape(string?)"/>: the screen shows the bytes batch text prints.</summary>
public static class TextEscape
{
    public static string Escape(string? text) => Printable.Escape(text);
}

/// <summary>
/// A Label that shows its text as is. Terminal.Gui's Label treats the first '_' as a hotkey marker and hides it, which
/// would eat the underscore of "memory.limit_in_bytes" or of a cgroup path.
/// </summary>
public sealed class PlainLabel : Terminal.Gui.Views.Label
{
    public PlainLabel() => HotKeySpecifier = (System.Text.Rune)0xFFFF;
}
