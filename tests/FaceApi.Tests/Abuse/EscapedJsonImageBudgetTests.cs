using System.Text;
using FaceApi.Core.Batching;
using FaceApi.Hosting;
using FaceApi.OpenApi;
using FaceApi.Tests.Metrics;
using FaceApi.Uploads;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// A JSON image string with escapes ("\/", which PHP's json_encode writes for every '/') is unescaped
/// through a second buffer, which the body's share of the budget pays for like the body itself. Uncounted,
/// such copies ran the service out of memory under a heap limit that start-up accepts (an attacking
/// session: nine 57 MB /verify bodies of escapes, 4 runs in 5). Parsed here directly, so that the budget
/// can be filled to the byte.
/// </summary>
// Refusals count in the process-wide faceapi_rejections_total, which BodyBudgetTests compares.
[Collection(MetricsCollection.Name)]
public sealed class EscapedJsonImageBudgetTests
{
    private static readonly UploadBodyMetadata Shape = new(["image"], []);
    private static readonly UploadLimits Limits = new(MaxImageBytes: 1 << 20, EmbeddingSize: 512);

    // 1,000 escaped slashes: 2,000 characters that unescape to 1,000 '/', valid base64 of 750 bytes.
    private static readonly byte[] Json = Encoding.ASCII.GetBytes("{\"image\":\"" + string.Concat(Enumerable.Repeat("\\/", 1000)) + "\"}");

    // ArrayPool sizes: the 2,014-byte body takes a 2,048-byte array, the 2,000-character string's copy another.
    private const int PooledArray = 2048;

    [Fact]
    public void The_copy_is_reserved_while_it_is_used_and_given_back_after()
    {
        using var budget = BodyBudgets.Of(2 * PooledArray);
        using var body = BodyOf(budget);

        JsonUploadParser.Parse(body.Array.AsSpan(0, Json.Length), body.Array.AsMemory(0, Json.Length), Shape, Limits, body.Uploaded);

        Assert.Equal(750, body.Uploaded.Images["image"].Length);
        Assert.Equal(PooledArray, budget.ReservedBytes);
    }

    [Fact]
    public void Without_room_for_the_copy_the_body_is_refused_and_holds_only_its_own_array()
    {
        using var budget = BodyBudgets.Of((2 * PooledArray) - 1);
        using var body = BodyOf(budget);

        Assert.Throws<QueueFullException>(() =>
            JsonUploadParser.Parse(body.Array.AsSpan(0, Json.Length), body.Array.AsMemory(0, Json.Length), Shape, Limits, body.Uploaded));

        Assert.Equal(PooledArray, budget.ReservedBytes);
    }

    // The body as UploadReader leaves it: read into an array from its own reservation.
    private static ReadBody BodyOf(BufferedBodyBudget budget)
    {
        var uploaded = new UploadedBody(budget.Open());
        var array = uploaded.Reservation.Rent(Json.Length);
        uploaded.Own(array);
        Json.CopyTo(array, 0);
        return new ReadBody(uploaded, array);
    }

    private sealed record ReadBody(UploadedBody Uploaded, byte[] Array) : IDisposable
    {
        public void Dispose() => Uploaded.Dispose();
    }
}
