namespace FaceApi.Core.Batching;

/// <summary>Receives the batcher's measurements (the host publishes them as metrics).</summary>
public interface IBatcherObserver
{
    /// <summary>
    /// A batch is about to run: gathering it took <paramref name="gather"/> (from taking its first
    /// face off the queue until it was full or its delay passed) and handing it to an inference
    /// thread took <paramref name="dispatch"/>.
    /// </summary>
    void BatchStarted(TimeSpan gather, TimeSpan dispatch);

    /// <summary>A batch of <paramref name="size"/> faces ran in <paramref name="inference"/>.</summary>
    void BatchCompleted(int size, TimeSpan inference);

    /// <summary>
    /// The last caller of a batch has its embeddings, <paramref name="sinceRunEnd"/> after the run
    /// ended: the hop from the inference thread back to the requests.
    /// </summary>
    void BatchDelivered(TimeSpan sinceRunEnd);

    /// <summary>A face waited <paramref name="wait"/> between queueing and the start of its batch.</summary>
    void FaceDequeued(TimeSpan wait);

    /// <summary>Faces were refused or dropped: <c>queue_full</c>, <c>timeout</c> or <c>cancelled</c>.</summary>
    void FacesRejected(string reason, int count);
}
