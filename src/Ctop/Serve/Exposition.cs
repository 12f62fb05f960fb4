using System.Globalization;
using System.Text;

namespace Ctop.Serve;

/// <summary>The two exposition formats Prometheus reads.</summary>
public enum ExpositionFormat
{
    /// <summary>Prometheus text format 0.0.4.</summary>
    Text,
    /// <summary>OpenMetrics 1.0.0: counter families are named without _total, # UNIT, and the body ends with # EOF.</summary>
    OpenMetrics,
}

public enum MetricType { Counter, Gauge, Info }

/// <summary>
/// Writes metric families in either format. The only escaper for the exposition formats is here: label values escape
/// backslash, double quote and line feed (both formats); HELP escapes backslash and line feed (and, in OpenMetrics,
/// double quote). Nothing else needs escaping: the body is UTF-8 and names are fixed.
/// </summary>
public sealed class ExpositionWriter(StringBuilder output, ExpositionFormat format)
{
    public const string TextContentType = "text/plain; version=0.0.4; charset=utf-8";
    public const string OpenMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8";

    public ExpositionFormat Format { get; } = format;

    /// <summary>
    /// Starts a family. <paramref name="sampleName"/> is the name samples carry (counters end in _total, info metrics in
    /// _info); in OpenMetrics the family itself is named without that suffix. <paramref name="unit"/> must be the name's
    /// unit suffix (seconds, bytes, ratio) and is written only in OpenMetrics.
    /// </summary>
    public void Family(string sampleName, MetricType type, string help, string? unit = null)
    {
        string family = sampleName;
        string typeName = type switch { MetricType.Counter => "counter", MetricType.Gauge => "gauge", _ => "info" };
        if (Format == ExpositionFormat.OpenMetrics)
        {
            if (type == MetricType.Counter && family.EndsWith("_total", StringComparison.Ordinal)) family = family[..^6];
            if (type == MetricType.Info && family.EndsWith("_info", StringComparison.Ordinal)) family = family[..^5];
        }
        else if (type == MetricType.Info) typeName = "gauge"; // 0.0.4 has no info type: an _info gauge of 1 is the convention
        output.Append("# HELP ").Append(family).Append(' ');
        AppendHelp(output, help, Format);
        output.Append('\n');
        output.Append("# TYPE ").Append(family).Append(' ').Append(typeName).Append('\n');
        if (unit is not null && Format == ExpositionFormat.OpenMetrics) output.Append("# UNIT ").Append(family).Append(' ').Append(unit).Append('\n');
    }

    /// <summary>One sample. <paramref name="labels"/> is already-escaped `name="value",…` text (see <see cref="Labels"/>), or empty.</summary>
    public void Sample(string name, string labels, double value, string? extraLabel = null, string? extraValue = null)
    {
        output.Append(name);
        bool extra = extraLabel is not null && !string.IsNullOrEmpty(extraValue);
        if (labels.Length > 0 || extra)
        {
            output.Append('{').Append(labels);
            if (extra)
            {
                if (labels.Length > 0) output.Append(',');
                output.Append(extraLabel).Append("=\"");
                AppendLabelValue(output, extraValue!);
                output.Append('"');
            }
            output.Append('}');
        }
        output.Append(' ');
        AppendNumber(output, value);
        output.Append('\n');
    }

    public void Sample(string name, string labels, ulong value)
    {
        output.Append(name);
        if (labels.Length > 0) output.Append('{').Append(labels).Append('}');
        output.Append(' ').Append(value.ToString(CultureInfo.InvariantCulture)).Append('\n');
    }

    /// <summary>Ends the body: OpenMetrics requires # EOF.</summary>
    public void End()
    {
        if (Format == ExpositionFormat.OpenMetrics) output.Append("# EOF\n");
    }

    /// <summary>Escaped `name="value"` pairs; pairs with a null or empty value are left out (Prometheus reads them as absent anyway).</summary>
    public static string Labels(params (string Name, string? Value)[] labels)
    {
        var sb = new StringBuilder();
        foreach (var (name, value) in labels)
        {
            if (string.IsNullOrEmpty(value)) continue;
            if (sb.Length > 0) sb.Append(',');
            sb.Append(name).Append("=\"");
            AppendLabelValue(sb, value);
            sb.Append('"');
        }
        return sb.ToString();
    }

    /// <summary>A label value as both formats require: \ → \\, " → \", line feed → \n; everything else as it is (UTF-8).</summary>
    public static string EscapeLabelValue(string value)
    {
        var sb = new StringBuilder(value.Length + 8);
        AppendLabelValue(sb, value);
        return sb.ToString();
    }

    private static void AppendLabelValue(StringBuilder sb, string value)
    {
        foreach (char c in value)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '"': sb.Append("\\\""); break;
                case '\n': sb.Append("\\n"); break;
                default: sb.Append(c); break;
            }
        }
    }

    private static void AppendHelp(StringBuilder sb, string help, ExpositionFormat format)
    {
        foreach (char c in help)
        {
            switch (c)
            {
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '"' when format == ExpositionFormat.OpenMetrics: sb.Append("\\\""); break;
                default: sb.Append(c); break;
            }
        }
    }

    /// <summary>Shortest round-trip form; NaN and infinities as both formats spell them.</summary>
    public static void AppendNumber(StringBuilder sb, double value)
    {
        if (double.IsNaN(value)) sb.Append("NaN");
        else if (double.IsPositiveInfinity(value)) sb.Append("+Inf");
        else if (double.IsNegativeInfinity(value)) sb.Append("-Inf");
        else sb.Append(value.ToString("R", CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Content negotiation: OpenMetrics when the Accept header lists application/openmetrics-text with a q above 0 and
    /// at least the q of text/plain (Prometheus asks for it first); otherwise the text format.
    /// </summary>
    public static ExpositionFormat Negotiate(string? accept)
    {
        if (string.IsNullOrEmpty(accept)) return ExpositionFormat.Text;
        double om = -1, text = -1;
        foreach (var range in accept.Split(','))
        {
            var parts = range.Split(';', StringSplitOptions.TrimEntries);
            double q = 1;
            string? version = null;
            foreach (var p in parts.Skip(1))
            {
                int eq = p.IndexOf('=');
                if (eq < 0) continue;
                var key = p[..eq].Trim();
                var val = p[(eq + 1)..].Trim();
                if (key.Equals("q", StringComparison.OrdinalIgnoreCase))
                    q = double.TryParse(val, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var v) ? Math.Clamp(v, 0, 1) : 0;
                else if (key.Equals("version", StringComparison.OrdinalIgnoreCase)) version = val;
            }
            var type = parts[0];
            if (type.Equals("application/openmetrics-text", StringComparison.OrdinalIgnoreCase) && version is null or "1.0.0" or "0.0.1")
                om = Math.Max(om, q);
            else if (type.Equals("text/plain", StringComparison.OrdinalIgnoreCase) || type == "*/*")
                text = Math.Max(text, q);
        }
        return om > 0 && om >= text ? ExpositionFormat.OpenMetrics : ExpositionFormat.Text;
    }
}
