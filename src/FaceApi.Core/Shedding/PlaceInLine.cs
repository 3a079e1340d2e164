namespace FaceApi.Core.Shedding;

/// <summary>
/// A place in the image stage's line, taken for an image before its upload has been read
/// (<see cref="LoadShedder.RetryAfterIfOverloaded"/>), so that the images let in behind it while it
/// uploads count it as work ahead. The image takes it into the stage (<see cref="LoadShedder.Admit"/>);
/// disposing gives it back if the request ends first.
/// </summary>
public sealed class PlaceInLine : IDisposable
{
    private readonly LoadShedder _shedder;

    internal PlaceInLine(LoadShedder shedder, long takenAt)
    {
        _shedder = shedder;
        TakenAt = takenAt;
        Node = new LinkedListNode<PlaceInLine>(this);
    }

    /// <summary>When the place was taken, in the shedder's clock's timestamps.</summary>
    internal long TakenAt { get; }

    /// <summary>
    /// The place's entry in its shedder's list of held places: in it while the place counts, out of it
    /// once the image went in, the request ended or the place expired (changed under the shedder's lock).
    /// </summary>
    internal LinkedListNode<PlaceInLine> Node { get; }

    /// <summary>Gives the place back if it still counts.</summary>
    public void Dispose() => _shedder.GiveBack(this);
}
