using FaceApi.Core.Batching;
using FaceApi.Hosting;
using FaceApi.Tests.Metrics;
using Microsoft.Extensions.Options;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// A /verify of two stored embeddings decodes no pixels, so the pixel budget must not refuse it. It asked
/// the limiter for 0 permits, which ConcurrencyLimiter answers "are any free?": with the budget fully held
/// by image requests, embedding-only requests got 503 <c>queue_full</c>.
/// </summary>
// The control refusal below counts in faceapi_rejections_total, which PixelBudgetTests compares.
[Collection(MetricsCollection.Name)]
public sealed class EmbeddingOnlyPixelBudgetTests
{
    [Fact]
    public void Reserving_no_pixels_succeeds_while_the_whole_budget_is_held()
    {
        using var budget = new DecodedPixelBudget(Options.Create(new RequestAdmissionOptions { MaxDecodedPixels = 1000 }));
        using var imageRequest = budget.Reserve(1000);
        // Control: the budget really is full.
        Assert.Throws<QueueFullException>(() => budget.Reserve(1));

        using var embeddingsOnly = budget.Reserve(0);

        Assert.NotNull(embeddingsOnly);
    }
}
