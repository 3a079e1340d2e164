namespace FaceApi.Core.Imaging;

/// <summary>
/// Stable, machine-readable codes carried by <see cref="ImageDecodingException"/>; the host puts them
/// in the <c>code</c> extension of its problem details, so clients may branch on them.
/// </summary>
public static class ImageErrorCode
{
    /// <summary>The bytes are not an image, or the image is corrupt or truncated.</summary>
    public const string InvalidImage = "invalid_image";

    /// <summary>The bytes are a recognised image format (or format feature) this service does not decode, such as HEIC.</summary>
    public const string UnsupportedFormat = "unsupported_format";

    /// <summary>The encoded size, the dimensions or the pixel count exceed <see cref="ImageDecodingOptions"/>.</summary>
    public const string ImageTooLarge = "image_too_large";

    /// <summary>
    /// The image carries more metadata (EXIF, XMP, ICC, comments) than <see cref="ImageDecodingOptions"/> allow:
    /// reading it would cost more than decoding the photo. Stripping the metadata makes it acceptable.
    /// </summary>
    public const string MetadataTooLarge = "metadata_too_large";
}
