using System.Globalization;
using System.Text;
using Serilog.Core;
using Serilog.Events;

namespace FaceApi.Logging;

/// <summary>
/// Writes the control characters of a log event's text values as <c>\uXXXX</c>, so that nothing a client
/// sends can start a new log line or colour the console. Kestrel percent-decodes the request path, and
/// the plain console template writes text values as they are (<c>{Message:lj}</c>): a second probe of
/// issue 13 sent <c>GET /%0d%0a[08:00:00%20FTL]%20FAKE%1b[31mRED</c> and the log showed a forged FTL line
/// with a raw escape byte. The JSON format escapes them itself; this runs for both, so an event's
/// values read the same in either.
/// </summary>
public sealed class ControlCharacterEscaper : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        List<LogEventProperty>? escaped = null;
        foreach (var (name, value) in logEvent.Properties)
        {
            if (value is ScalarValue { Value: string text } && (text.AsSpan().ContainsAnyInRange('\0', '\u001f') || text.AsSpan().ContainsAnyInRange('\u007f', '\u009f')))
            {
                (escaped ??= []).Add(new LogEventProperty(name, new ScalarValue(Escape(text))));
            }
        }

        foreach (var property in escaped ?? [])
        {
            logEvent.AddOrUpdateProperty(property);
        }
    }

    // C0 controls, DEL and C1 controls (Unicode's Cc category) as JSON writes them.
    internal static string Escape(string text)
    {
        var escaped = new StringBuilder(text.Length + 16);
        foreach (var character in text)
        {
            if (char.IsControl(character))
            {
                escaped.Append(CultureInfo.InvariantCulture, $"\\u{(int)character:x4}");
            }
            else
            {
                escaped.Append(character);
            }
        }

        return escaped.ToString();
    }
}
