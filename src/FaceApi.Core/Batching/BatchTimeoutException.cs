namespace FaceApi.Core.Batching;

/// <summary>Faces waited in the queue past the request timeout and were dropped uncomputed.</summary>
public sealed class BatchTimeoutException(TimeSpan timeout)
    : Exception($"The request waited longer than {timeout.TotalSeconds:0.#} s for the model.");
