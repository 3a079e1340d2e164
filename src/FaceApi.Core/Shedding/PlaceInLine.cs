namespace FaceApi.Core.Shedding;

/// <summary>
/// A place in the image stage's line, taken for an image before its upload has been read
/// (<see cref="LoadShedder.RetryAfterIfOverloaded"/>),
/// so that the images let in behind it while it uploads count it as work ahead. The image takes it into
/// the stage (<see cref="LoadShedder.Admit"/>); disposing gives it back if the request ends first.
/// </summary>
public sealed class PlaceInLine : IDisposable
{
    private readonly LoadShedder _shedder;
    private int _held = 1;

    internal PlaceInLine(LoadShedder shedder, long takenAt)
    {
        _shedder = shedder;
        TakenAt = takenAt;
    }

    /// <summary>When the place was taken, in the shedder's clock's timestamps.</summary>
    internal long TakenAt { get; }

    /// <summary>Whether the place still counts in the line.</summary>
    internal bool IsHeld => Volatile.Read(ref _held) == 1;

    /// <summary>
    /// Stops the place counting: true for the first caller only, whether the image takes it into the
    /// stage, the request ends, or the place expires.
    /// </summary>
    internal bool TryLeave() => Interlocked.Exchange(ref _held, 0) == 1;

    /// <summary>Gives the place back if the image has not taken it into the stage.</summary>
    public void Dispose() => _shedder.GiveBack(this);
}
