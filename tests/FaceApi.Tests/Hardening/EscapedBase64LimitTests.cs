using System.Text;
using FaceApi.Core.Imaging;
using FaceApi.Uploads;

namespace FaceApi.Tests.Hardening;

/// <summary>
/// Some JSON encoders escape '/' as "\/" (PHP's json_encode does). An image at the per-image limit,
/// sent that way, made a JSON body about 1.6% longer than plain base64: over the 64 KiB of envelope,
/// so it was refused as too large although the image itself was within the limit.
/// </summary>
public sealed class EscapedBase64LimitTests
{
    [Fact]
    public void A_json_body_with_an_image_at_the_limit_and_escaped_slashes_fits_the_body_limits()
    {
        var maxImageBytes = new ImageDecodingOptions().MaxEncodedBytes;
        // Random bytes: every base64 character equally likely, '/' among them (an encoded photo is close to that).
        var image = new byte[maxImageBytes];
        new Random(13).NextBytes(image);
        var escaped = Convert.ToBase64String(image).Replace("/", "\\/", StringComparison.Ordinal);
        var body = Encoding.ASCII.GetByteCount($$"""{"image1":"{{escaped}}","image2":"{{escaped}}"}""");

        var limits = new UploadLimits(maxImageBytes, EmbeddingSize: 512);

        Assert.InRange(body, 0, limits.MaxBodyBytes(BodyFormat.Json, imageFields: 2));
        Assert.InRange(body, 0, FaceApi.Hosting.RequestLimits.MaxBodyBytes(maxImageBytes));
    }
}
