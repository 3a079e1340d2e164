using System.Text.RegularExpressions;

namespace FaceApi.Health;

/// <summary>
/// Turns an internal failure message into the short line <c>/health/ready</c> shows to anyone who asks:
/// no absolute paths (they tell an attacker where the binaries live and which build made them) and no
/// multi-line native error dumps. The full text still goes to the log where it was caught.
/// </summary>
internal static partial class PublicReason
{
    // Long enough for "Models are not available: ..." with its remedy; a native error dump is cut here.
    private const int MaxLength = 300;

    /// <summary>The short reason for a CUDA provider that could not be loaded.</summary>
    public static string ForCudaFallback(string message) =>
        MissingSharedLibrary().Match(message) is { Success: true } missing
            ? $"CUDA libraries not found: {missing.Groups["library"].Value}"
            : $"CUDA could not be loaded: {Shorten(message)}";

    /// <summary>The first line of <paramref name="message"/> with each absolute path reduced to its file name.</summary>
    public static string Shorten(string message)
    {
        var firstLine = message.AsSpan().Trim();
        var lineEnd = firstLine.IndexOfAny('\r', '\n');
        var line = (lineEnd < 0 ? firstLine : firstLine[..lineEnd]).ToString();
        line = AbsolutePath().Replace(line, path => LastSegment(path.Value));
        return line.Length <= MaxLength ? line : string.Concat(line.AsSpan(0, MaxLength - 1), "…");
    }

    // Path.GetFileName splits on the running system's separators only; a reason may quote either kind.
    private static string LastSegment(string path)
    {
        var trimmed = path.TrimEnd('/', '\\');
        return trimmed[(trimmed.LastIndexOfAny(['/', '\\']) + 1)..];
    }

    // dlopen's words, which ONNX Runtime passes on: "libcublasLt.so.13: cannot open shared object file".
    [GeneratedRegex(@"(?<library>lib[\w.+-]+?\.so(\.\d+)*)\s*:\s*cannot open shared object file")]
    private static partial Regex MissingSharedLibrary();

    // A Unix path of two or more segments (/opt/app/x.onnx) or a Windows drive path (C:\app\x.onnx).
    [GeneratedRegex(@"(?<![\w.:/])(/[^\s/:'""()\[\],;]+){2,}/?|\b[A-Za-z]:\\[^\s:'""()\[\],;]+")]
    private static partial Regex AbsolutePath();
}
