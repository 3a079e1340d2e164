using FaceApi.Core.Batching;
using Microsoft.Extensions.Options;

namespace FaceApi.Hosting;

/// <summary>
/// Admits at most <see cref="RequestAdmissionOptions.MaxConcurrentRequests"/> image requests at a time,
/// before their bodies are read; the rest are refused at once with 503 <c>queue_full</c> and
/// Retry-After, like a full batch queue, so overload costs neither memory nor waiting.
/// </summary>
public sealed class RequestAdmission(IOptions<RequestAdmissionOptions> options) : IDisposable
{
    // Retry-After is whole seconds (RFC 9110 §10.2.3); one second is the shortest hint, as the batcher gives.
    private static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _slots = new(options.Value.MaxConcurrentRequests);

    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext invocation, EndpointFilterDelegate next)
    {
        if (!_slots.Wait(0))
        {
            throw new QueueFullException(RetryAfter);
        }

        try
        {
            return await next(invocation);
        }
        finally
        {
            _slots.Release();
        }
    }

    public void Dispose() => _slots.Dispose();
}

public static class RequestAdmissionExtensions
{
    /// <summary>Puts the endpoints of <paramref name="group"/> behind the shared <see cref="RequestAdmission"/>.</summary>
    public static RouteGroupBuilder RequireAdmission(this RouteGroupBuilder group) =>
        group.AddEndpointFilterFactory((factory, next) =>
        {
            var admission = factory.ApplicationServices.GetRequiredService<RequestAdmission>();
            return invocation => admission.InvokeAsync(invocation, next);
        });
}
