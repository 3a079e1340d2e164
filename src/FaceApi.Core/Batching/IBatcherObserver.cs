namespace FaceApi.Core.Batching;

/// <summary>Receives the batcher's measurements (the host publishes them as metrics).</summary>
public interface IBatcherObserver
{
    /// <summary>A batch of <paramref name="size"/> faces ran in <paramref name="inference"/>.</summary>
    void BatchCompleted(int size, TimeSpan inference);

    /// <summary>A face waited <paramref name="wait"/> between queueing and the start of its batch.</summary>
    void FaceDequeued(TimeSpan wait);

    /// <summary>Faces were refused or dropped: <c>queue_full</c>, <c>timeout</c> or <c>cancelled</c>.</summary>
    void FacesRejected(string reason, int count);
}
