using System.Text.Json;
using FaceApi.Core.Batching;
using FaceApi.Errors;
using FaceApi.Metrics;
using FaceApi.Tests.Metrics;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace FaceApi.Tests.Hardening;

/// <summary>
/// A request that runs the process out of memory is answered as a refusal under load, not as a fault:
/// 503 <c>queue_full</c> with <c>Retry-After</c>, counted as <c>faceapi_rejections_total{reason="out_of_memory"}</c>.
/// It was a 500 <c>internal_error</c>. Start-up refuses a body budget over half the heap
/// (<c>StartupValidationTests</c>), so this is the answer when memory outside the budgets runs out. The
/// service's own exception handler, given the exception as a request would throw it.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class OutOfMemoryAnswerTests(DefaultService factory) : IClassFixture<DefaultService>
{
    [Fact]
    public async Task Running_out_of_memory_is_answered_503_queue_full_with_retry_after_and_counted()
    {
        var handler = factory.Services.GetServices<IExceptionHandler>().OfType<ApiExceptionHandler>().Single();
        var rejections = ServiceMetrics.Rejections.WithLabels(RejectionReason.OutOfMemory);
        var before = rejections.Value;
        var context = new DefaultHttpContext { RequestServices = factory.Services };
        using var body = new MemoryStream();
        context.Response.Body = body;

        Assert.True(await handler.TryHandleAsync(context, new OutOfMemoryException(), TestContext.Current.CancellationToken));

        Assert.Equal(StatusCodes.Status503ServiceUnavailable, context.Response.StatusCode);
        Assert.Equal("1", context.Response.Headers.RetryAfter.ToString());
        using var problem = JsonDocument.Parse(body.ToArray());
        Assert.Equal("queue_full", problem.RootElement.GetProperty("code").GetString());
        Assert.Equal(before + 1, rejections.Value);
    }
}
