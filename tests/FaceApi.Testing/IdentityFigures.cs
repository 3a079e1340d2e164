namespace FaceApi.Testing;

/// <summary>
/// What the README states about the test models on the labelled photos of faces.json (the full
/// pipeline: detect, align, embed with MobileFaceNet, cosine): every same-person pair scores at least
/// <see cref="SamePersonMinimum"/> and every different-person pair at most
/// <see cref="DifferentPersonMaximum"/>. The tests assert these figures, so the README cannot drift
/// from what the code does; when a change moves them, the README and these change together.
/// </summary>
public static class IdentityFigures
{
    /// <summary>The lowest same-person similarity the README states (measured 0.4642 over 13 pairs, the pipeline as of the OpenCV-exact resize and warp).</summary>
    public const float SamePersonMinimum = 0.46f;

    /// <summary>The highest different-person similarity the README states (measured 0.1531 over 53 pairs; 0.1610 before the OpenCV-exact resize and warp).</summary>
    public const float DifferentPersonMaximum = 0.16f;
}
