using FaceApi.Core.Alignment;
using FaceApi.Core.Imaging;
using FaceApi.Testing;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;

namespace FaceApi.Benchmarks;

/// <summary>The uploads of the HTTP cells, made from the labelled photos of ../shared/testdata/faces.</summary>
internal static class TestImages
{
    // OpenCV's cv2.imencode default JPEG quality (IMWRITE_JPEG_QUALITY = 95), which clients built
    // on the InsightFace Python tools send.
    private const int CropJpegQuality = 95;

    /// <summary>Every photo of faces.json, as it is on disk.</summary>
    public static async Task<IReadOnlyList<RequestBody>> PhotosAsync()
    {
        var bodies = new List<RequestBody>();
        foreach (var image in TestData.Faces.Images)
        {
            var mediaType = Path.GetExtension(image.File).Equals(".png", StringComparison.OrdinalIgnoreCase) ? "image/png" : "image/jpeg";
            bodies.Add(await RequestBody.MultipartAsync(Path.GetFileName(image.File), await File.ReadAllBytesAsync(TestData.Path(image.File)), mediaType));
        }

        return bodies;
    }

    /// <summary>
    /// Every reference face of faces.json cut out with the service's own aligner (the reference
    /// landmarks onto the ArcFace template) and encoded as a JPEG, as a client that aligns itself
    /// sends to <c>/embed?aligned=true</c>.
    /// </summary>
    public static Task<IReadOnlyList<RequestBody>> AlignedJpegCropsAsync(int cropSize) =>
        AlignedCropsAsync(cropSize, new JpegEncoder { Quality = CropJpegQuality }, "jpg", "image/jpeg");

    /// <summary>
    /// The pixels of the JPEG crops above as the service decodes them: the raw model's input, so that it
    /// runs on the faces the HTTP cells send. Zeros, its input before, ran IResNet-50 faster than these
    /// crops (median run 45.6 against 49.1 ms at batch 1, 322.5 against 343.5 ms at batch 8) and than
    /// random values in [-1, 1] (13-15 %), in alternating runs of one session on the 2-core development
    /// machine (1 December 2026), which made the service look slower than the model by as much.
    /// </summary>
    public static IReadOnlyList<AlignedFace> AlignedJpegCropPixels(int cropSize)
    {
        var decoder = new ImageDecoder(new ImageDecodingOptions());
        return AlignedCrops.OfEveryReferenceFace(cropSize, new JpegEncoder { Quality = CropJpegQuality })
            .Select(named =>
            {
                using var image = decoder.Decode(named.Crop);
                return FaceAligner.FromCrop(image, cropSize);
            })
            .ToArray();
    }

    /// <summary>The same crops losslessly as PNG, the upload of issue 11's per-request cost measurement.</summary>
    public static Task<IReadOnlyList<RequestBody>> AlignedPngCropsAsync(int cropSize) =>
        AlignedCropsAsync(cropSize, new PngEncoder(), "png", "image/png");

    private static async Task<IReadOnlyList<RequestBody>> AlignedCropsAsync(int cropSize, IImageEncoder encoder, string extension, string mediaType)
    {
        var bodies = new List<RequestBody>();
        foreach (var (name, crop) in AlignedCrops.OfEveryReferenceFace(cropSize, encoder))
        {
            bodies.Add(await RequestBody.MultipartAsync($"{name}.{extension}", crop, mediaType));
        }

        return bodies;
    }
}
