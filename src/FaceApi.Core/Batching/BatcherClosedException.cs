namespace FaceApi.Core.Batching;

/// <summary>The batcher has stopped taking work because the service is shutting down.</summary>
public sealed class BatcherClosedException()
    : Exception("The service is shutting down and takes no new work.");
