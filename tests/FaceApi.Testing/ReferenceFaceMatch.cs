using System.Globalization;
using System.Text;
using Xunit;

namespace FaceApi.Testing;

/// <summary>A face the service found, in source pixels, reduced to what faces.json records.</summary>
/// <param name="Box">x1, y1, x2, y2.</param>
/// <param name="Score">Detector confidence.</param>
/// <param name="Landmarks">Five [x, y] points, in faces.json's order.</param>
public sealed record ObservedFace(float[] Box, float Score, float[][] Landmarks);

/// <summary>One reference face and the observed face paired with it, with how far apart they are.</summary>
/// <param name="Reference">The face of faces.json.</param>
/// <param name="Observed">The face the service found.</param>
/// <param name="WorstError">The largest distance, in pixels along x or y, over the four box sides and ten landmark coordinates.</param>
/// <param name="Tolerance">What <see cref="ReferenceFaceMatch.Tolerance"/> allows for this face.</param>
public sealed record MatchedFace(ReferenceFace Reference, ObservedFace Observed, float WorstError, float Tolerance)
{
    /// <summary>The reference box's width, the scale the tolerance is relative to.</summary>
    public float Width => Reference.Box[2] - Reference.Box[0];

    /// <summary>Whether every coordinate is within the tolerance.</summary>
    public bool IsWithinTolerance => WorstError <= Tolerance;
}

/// <summary>
/// Pairs the faces the service found with the reference faces of faces.json one to one, by box
/// overlap, and measures how far each pair is apart; faces that only one side found are kept apart,
/// so a test can report them and decide what they mean instead of skipping them.
/// </summary>
/// <param name="Pairs">Faces found by both sides.</param>
/// <param name="OnlyInReference">Reference faces the service did not find.</param>
/// <param name="OnlyObserved">Faces the service found that the reference did not.</param>
public sealed record ReferenceFaceMatch(IReadOnlyList<MatchedFace> Pairs, IReadOnlyList<ReferenceFace> OnlyInReference, IReadOnlyList<ObservedFace> OnlyObserved)
{
    /// <summary>
    /// Two boxes of the same face from the two implementations overlap almost completely; boxes of
    /// neighbouring faces in a group photo barely overlap. Half is far from both.
    /// </summary>
    public const float MinimumOverlap = 0.5f;

    /// <summary>
    /// The detector's score threshold (DetectionOptions.ScoreThreshold and faces.json's "score at least
    /// 0.5") and how close to it a face found by only one side may be: the two implementations run the
    /// same network on the same canvas with different convolution code, so scores differ in the fourth
    /// decimal and a face whose score is that close to the threshold can fall on either side of it.
    /// </summary>
    public const float ScoreThreshold = 0.5f;

    /// <summary>See <see cref="ScoreThreshold"/>.</summary>
    public const float BorderlineScoreMargin = 0.01f;

    /// <summary>
    /// How far a landmark or box side may be from the reference: 1 % of the face's width, at least
    /// 1.5 pixels. Both sides letterbox with OpenCV's resize to the grey level and run the same
    /// network, so what remains is floating-point noise of the two inference engines (issue 10).
    /// </summary>
    public static float Tolerance(ReferenceFace reference) => Math.Max(1.5f, 0.01f * (reference.Box[2] - reference.Box[0]));

    /// <summary>
    /// Fails, with <see cref="Describe"/> as the message, when a pair is outside its tolerance or a face
    /// only one side found has a score away from the threshold (then the two sides really disagree).
    /// </summary>
    public void AssertAgrees()
    {
        var report = Describe();
        Assert.True(Pairs.All(pair => pair.IsWithinTolerance), report);
        Assert.False(DecisiveOneSidedScores().Any(), report);
    }

    private IEnumerable<float> DecisiveOneSidedScores() =>
        OnlyInReference.Select(face => face.Score).Concat(OnlyObserved.Select(face => face.Score))
            .Where(score => Math.Abs(score - ScoreThreshold) > BorderlineScoreMargin);

    /// <summary>Greedy one-to-one pairing, best overlap first; pairs below <see cref="MinimumOverlap"/> are not made.</summary>
    public static ReferenceFaceMatch Create(IReadOnlyList<ReferenceFace> reference, IReadOnlyList<ObservedFace> observed)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(observed);
        var candidates =
            from r in Enumerable.Range(0, reference.Count)
            from o in Enumerable.Range(0, observed.Count)
            let overlap = Overlap(reference[r].Box, observed[o].Box)
            where overlap >= MinimumOverlap
            orderby overlap descending
            select (r, o);
        var referenceTaken = new bool[reference.Count];
        var observedTaken = new bool[observed.Count];
        var pairs = new List<MatchedFace>();
        foreach (var (r, o) in candidates)
        {
            if (referenceTaken[r] || observedTaken[o])
            {
                continue;
            }

            referenceTaken[r] = observedTaken[o] = true;
            pairs.Add(new MatchedFace(reference[r], observed[o], WorstError(reference[r], observed[o]), Tolerance(reference[r])));
        }

        return new ReferenceFaceMatch(
            pairs,
            reference.Where((_, i) => !referenceTaken[i]).ToArray(),
            observed.Where((_, i) => !observedTaken[i]).ToArray());
    }

    /// <summary>A report for the test output: the worst pair, every pair outside tolerance, every one-sided face.</summary>
    public string Describe()
    {
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine(invariant, $"{Pairs.Count} faces matched, {OnlyInReference.Count} only in the reference, {OnlyObserved.Count} only found by the service");
        if (Pairs.MaxBy(pair => pair.WorstError / pair.Width) is { } worst)
        {
            text.AppendLine(invariant, $"worst: {worst.WorstError:F2} px = {100 * worst.WorstError / worst.Width:F2} % of a {worst.Width:F0} px wide face (tolerance {worst.Tolerance:F2} px)");
        }

        foreach (var pair in Pairs.Where(pair => !pair.IsWithinTolerance))
        {
            text.AppendLine(invariant, $"outside tolerance: box {Format(pair.Reference.Box)}: {pair.WorstError:F2} px > {pair.Tolerance:F2} px");
        }

        foreach (var face in OnlyInReference)
        {
            text.AppendLine(invariant, $"only in the reference: box {Format(face.Box)}, score {face.Score:F4}");
        }

        foreach (var face in OnlyObserved)
        {
            text.AppendLine(invariant, $"only found by the service: box {Format(face.Box)}, score {face.Score:F4}");
        }

        return text.ToString();
    }

    private static float WorstError(ReferenceFace reference, ObservedFace observed)
    {
        var worst = 0f;
        for (var i = 0; i < 4; i++)
        {
            worst = Math.Max(worst, Math.Abs(reference.Box[i] - observed.Box[i]));
        }

        for (var k = 0; k < 5; k++)
        {
            worst = Math.Max(worst, Math.Abs(reference.Landmarks[k][0] - observed.Landmarks[k][0]));
            worst = Math.Max(worst, Math.Abs(reference.Landmarks[k][1] - observed.Landmarks[k][1]));
        }

        return worst;
    }

    private static float Overlap(float[] a, float[] b)
    {
        var width = Math.Max(0f, Math.Min(a[2], b[2]) - Math.Max(a[0], b[0]));
        var height = Math.Max(0f, Math.Min(a[3], b[3]) - Math.Max(a[1], b[1]));
        var intersection = width * height;
        var union = ((a[2] - a[0]) * (a[3] - a[1])) + ((b[2] - b[0]) * (b[3] - b[1])) - intersection;
        return union > 0 ? intersection / union : 0f;
    }

    private static string Format(float[] box) => string.Join(", ", box.Select(v => v.ToString("F1", CultureInfo.InvariantCulture)));
}
