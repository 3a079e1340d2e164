using FaceApi.Hosting;
using FaceApi.Uploads;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace FaceApi.Tests.Abuse;

/// <summary>
/// Body budgets for tests that use one directly, of a size to the byte. The let-go timer of their spares
/// runs on the clock given, by default a <see cref="FakeTimeProvider"/> that never advances on its own.
/// </summary>
internal static class BodyBudgets
{
    public static BufferedBodyBudget Of(long maxBufferedBytes, TimeProvider? clock = null) =>
        new(Options.Create(new UploadOptions { MaxBufferedBytes = maxBufferedBytes }), clock ?? new FakeTimeProvider());
}
