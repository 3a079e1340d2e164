namespace FaceApi.Core.Imaging;

/// <summary>
/// Thrown by <see cref="ImageDecoder"/> when an upload cannot be turned into pixels. Every decoder
/// failure surfaces as this type, never as a codec exception, so callers need one catch and one mapping.
/// </summary>
/// <remarks>The message describes the failure only; it never contains image data.</remarks>
public sealed class ImageDecodingException : Exception
{
    internal ImageDecodingException(string code, string message, Exception? innerException = null)
        : base(message, innerException) => Code = code;

    /// <summary>One of the <see cref="ImageErrorCode"/> constants.</summary>
    public string Code { get; }
}
