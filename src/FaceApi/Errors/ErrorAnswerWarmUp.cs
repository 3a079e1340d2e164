using FaceApi.Core.Batching;
using FaceApi.Hosting;
using Microsoft.AspNetCore.Diagnostics;

namespace FaceApi.Errors;

/// <summary>
/// Writes one refusal into a discarded response at start-up, before the server listens, so that the
/// first real error answer does not pay for compiling its code. In a fresh process whose photo path
/// was warm, the first refusal compiled about 100 methods (the exception handler, the problem-details
/// writer, and System.Text.Json's metadata and accessors for <see cref="Microsoft.AspNetCore.Mvc.ProblemDetails"/>)
/// and took 22-34 ms against 3-5 ms for the next; after this warm-up it takes 7-10 ms. In a burst
/// every refusal waits behind that first one while the compute threads hold both cores
/// (<c>deploy/attacks/burst.py</c>, issue 13). The answer goes to <see cref="Stream.Null"/> and is
/// marked (<see cref="WarmUpRequests"/>) so that no <c>faceapi_*</c> series counts it and nothing logs it;
/// only the runtime's own exception counter sees its throw.
/// </summary>
public sealed class ErrorAnswerWarmUp(IServiceProvider services, IEnumerable<IExceptionHandler> handlers, ILogger<ErrorAnswerWarmUp> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WriteRefusalAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // A speed-up only: the service answers errors without it, its first one a little later.
            logger.LogWarning(exception, "The start-up warm-up of error answers failed");
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Passes a refusal to the exception handlers, as the exception-handling middleware does; returns the discarded response's context.</summary>
    internal async Task<HttpContext> WriteRefusalAsync(CancellationToken cancellationToken)
    {
        var context = new DefaultHttpContext { RequestServices = services };
        WarmUpRequests.Mark(context);
        context.Response.Body = Stream.Null;
        try
        {
            await RefuseAsync();
        }
        catch (QueueFullException refusal)
        {
            foreach (var handler in handlers)
            {
                if (await handler.TryHandleAsync(context, refusal, cancellationToken))
                {
                    break;
                }
            }
        }

        return context;
    }

    // A throw after an await, so the exception travels through a task to the awaiting caller, as a refusal
    // found once the body is in (the load shedder's Admit, the request cap) travels to the exception-handling
    // middleware. The refusal before the body is read is returned instead (QueueFullResult), and is warmed
    // here through the problem writer the handler shares with it.
    private static async Task RefuseAsync()
    {
        await Task.Yield();
        throw new QueueFullException(TimeSpan.FromSeconds(1));
    }
}
