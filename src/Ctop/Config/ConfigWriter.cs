using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Ctop.Config;

/// <summary>Saving the settings was refused; nothing was written, the file on disk is as it was.</summary>
public sealed class ConfigSaveException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Writes settings into the user's config file the way htop's F2 setup does, without losing what the user put there:
/// only the values of ctop's own keys are replaced (or appended); other keys, comments and layout stay byte for byte.
/// The result is checked by reading it back before anything touches the disk, and written atomically (a temporary file
/// in the same directory, flushed, then renamed over the old one), so a crash or a full disk leaves the old file intact.
/// A file that is not valid JSON is never overwritten: the user's text may be one typo away from what they meant.
/// </summary>
public static class ConfigWriter
{
    private static readonly JavaScriptEncoder Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping; // "TIME+" stays readable

    public static void Save(CtopConfig config, string path)
    {
        // A symlinked dotfile (stow, a dotfiles repo) is written through: the rename replaces the target, not the link.
        string target = ResolveLink(path);
        byte[]? old = null;
        try
        {
            if (File.Exists(target)) old = File.ReadAllBytes(target);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ConfigSaveException($"{path}: cannot read it ({ex.Message}); nothing was written.", ex);
        }
        byte[] text = Merge(old, config, path);

        // Read back what would be written: it must be valid and give exactly these settings.
        int bom = text.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]) ? 3 : 0; // as File.ReadAllText drops it
        var (back, _) = CtopConfig.Parse(Encoding.UTF8.GetString(text, bom, text.Length - bom), path);
        if (!back.Equals(config))
            throw new ConfigSaveException($"{path}: the merged file would not read back as the settings being saved; nothing was written.");

        string dir = Path.GetDirectoryName(Path.GetFullPath(target))!;
        string tmp = Path.Combine(dir, $".{Path.GetFileName(target)}.{Environment.ProcessId}.tmp");
        try
        {
            Directory.CreateDirectory(dir);
            using (var f = new FileStream(tmp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                f.Write(text);
                f.Flush(flushToDisk: true); // the rename must not reach the disk before the data does
            }
            if (old is not null && !OperatingSystem.IsWindows())
            {
                // Keep the permissions the user chose (a 0600 file stays private).
                try { File.SetUnixFileMode(tmp, File.GetUnixFileMode(target)); }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
            }
            File.Move(tmp, target, overwrite: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            TryDelete(tmp);
            throw new ConfigSaveException($"{path}: cannot write it ({ex.Message}); the file is unchanged.", ex);
        }
    }

    /// <summary>
    /// The file's bytes with ctop's keys set to <paramref name="config"/>'s values. An existing key's value is replaced in
    /// place; a missing key is appended before the closing brace. A missing or blank file becomes a fresh object.
    /// </summary>
    internal static byte[] Merge(byte[]? old, CtopConfig config, string path)
    {
        ReadOnlySpan<byte> bom = [0xEF, 0xBB, 0xBF];
        bool hasBom = old is not null && old.AsSpan().StartsWith(bom);
        byte[] body = old is null ? [] : hasBom ? old[3..] : old;
        if (Encoding.UTF8.GetString(body).Trim().Length == 0) body = "{\n}\n"u8.ToArray();

        var values = Values(config);
        var edits = new List<(int Start, int End, string Text)>();
        var present = new HashSet<string>(StringComparer.Ordinal);
        int lastValueEnd = -1, close = -1, open = -1;
        var reader = new Utf8JsonReader(body, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                throw new ConfigSaveException($"{path}: the file does not hold a JSON object; fix or remove it to save settings. Nothing was written.");
            open = (int)reader.TokenStartIndex;
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.EndObject && reader.CurrentDepth == 0)
                {
                    close = (int)reader.TokenStartIndex;
                    break;
                }
                // At depth 1 every token here is a property name: values are consumed below.
                string key = reader.GetString()!;
                reader.Read();
                int start = (int)reader.TokenStartIndex;
                reader.Skip();
                int end = (int)reader.BytesConsumed;
                lastValueEnd = end;
                if (values.FirstOrDefault(v => v.Key == key) is { Key: not null } v)
                {
                    edits.Add((start, end, v.Json));
                    present.Add(key);
                }
            }
            // Anything but comments and blanks after the object is an error the reader reports here.
            while (reader.Read()) { }
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line ? $"line {line + 1}" : "somewhere";
            throw new ConfigSaveException($"{path}: {where}: not valid JSON, so saving would lose what is there; fix or remove the file. Nothing was written.", ex);
        }
        catch (InvalidOperationException ex)
        {
            // A key that is not UTF-8 cannot be compared with ctop's (the reader refuses to decode it).
            var line = 1 + body.AsSpan(0, (int)Math.Min(reader.BytesConsumed, body.Length)).Count((byte)'\n');
            throw new ConfigSaveException($"{path}: line {line}: a key is not UTF-8 text, so saving would lose what is there; fix or remove the file. Nothing was written.", ex);
        }
        if (close < 0)
            throw new ConfigSaveException($"{path}: the object is not closed; fix or remove the file to save settings. Nothing was written.");

        var missing = values.Where(v => !present.Contains(v.Key)).ToList();
        if (missing.Count > 0)
        {
            bool first = lastValueEnd < 0;
            // A trailing comma may already follow the last value (allowed in the file); otherwise the new keys need one.
            if (!first && !CommaFollows(body, lastValueEnd, close)) edits.Add((lastValueEnd, lastValueEnd, ","));
            var sb = new StringBuilder();
            // Start on a line of its own unless the brace already does.
            int before = close - 1;
            while (before > open && body[before] is (byte)' ' or (byte)'\t') before--;
            if (body[before] != (byte)'\n') sb.Append('\n');
            for (int i = 0; i < missing.Count; i++)
                sb.Append("  \"").Append(missing[i].Key).Append("\": ").Append(missing[i].Json).Append(i < missing.Count - 1 ? ",\n" : "\n");
            // Keep the brace's indentation (spaces before it are part of its line).
            int lineStart = before + 1;
            edits.Add((lineStart, lineStart, sb.ToString()));
        }

        var result = new List<byte>(body.Length + 256);
        if (hasBom) result.AddRange(bom.ToArray());
        int at = 0;
        foreach (var e in edits.OrderBy(e => e.Start).ThenBy(e => e.Text == "," ? 0 : 1))
        {
            result.AddRange(body.AsSpan(at, e.Start - at).ToArray());
            result.AddRange(Encoding.UTF8.GetBytes(e.Text));
            at = e.End;
        }
        result.AddRange(body.AsSpan(at).ToArray());
        if (result.Count > 0 && result[^1] != (byte)'\n') result.Add((byte)'\n');
        return result.ToArray();
    }

    /// <summary>Is there a comma between the last value and the closing brace, outside comments?</summary>
    private static bool CommaFollows(byte[] s, int from, int to)
    {
        for (int i = from; i < to; i++)
        {
            if (s[i] == (byte)',') return true;
            if (s[i] == (byte)'/' && i + 1 < to && s[i + 1] == (byte)'/') { while (i < to && s[i] != (byte)'\n') i++; }
            else if (s[i] == (byte)'/' && i + 1 < to && s[i + 1] == (byte)'*')
            {
                i += 2;
                while (i + 1 < to && !(s[i] == (byte)'*' && s[i + 1] == (byte)'/')) i++;
                i++;
            }
        }
        return false;
    }

    /// <summary>ctop's keys and their values as JSON text, in the order a fresh file lists them.</summary>
    private static List<(string Key, string Json)> Values(CtopConfig c) =>
    [
        ("refreshSeconds", c.RefreshSeconds.ToString("R", CultureInfo.InvariantCulture)),
        ("colors", c.Colors ? "true" : "false"),
        ("view", Str(c.View)),
        ("sort", Str(c.Sort)),
        ("columns", List(c.Columns)),
        ("processView", Str(c.ProcessView)),
        ("processSort", Str(c.ProcessSort)),
        ("processColumns", List(c.ProcessColumns)),
    ];

    private static string Str(string? s) => s is null ? "null" : "\"" + JsonEncodedText.Encode(s, Encoder).ToString() + "\"";

    private static string List(IReadOnlyList<string>? l) => l is null ? "null" : "[" + string.Join(", ", l.Select(Str)) + "]";

    private static string ResolveLink(string path)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.LinkTarget is null) return path;
            // ResolveLinkTarget(true) follows a chain; a dangling link still names where the file should be.
            return info.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
        }
        catch (IOException) { return path; }
    }

    private static void TryDelete(string path)
    {
        try { File.Delete(path); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { }
    }
}
