namespace FaceApi.Core.Comparison;

/// <summary>Compares embeddings by cosine similarity.</summary>
public static class FaceComparer
{
    /// <summary>
    /// Cosine similarity of two embeddings, −1 to 1. Works for raw or normalised vectors; stored
    /// embeddings sent by clients need not be normalised.
    /// </summary>
    /// <exception cref="ArgumentException">The lengths differ or a vector is zero.</exception>
    public static float CosineSimilarity(ReadOnlySpan<float> first, ReadOnlySpan<float> second)
    {
        if (first.Length != second.Length || first.Length == 0)
        {
            throw new ArgumentException($"Embeddings must have the same, non-zero length ({first.Length} vs {second.Length}).");
        }

        var similarity = System.Numerics.Tensors.TensorPrimitives.CosineSimilarity(first, second);
        if (float.IsNaN(similarity))
        {
            throw new ArgumentException("A zero embedding has no direction to compare.");
        }

        return Math.Clamp(similarity, -1f, 1f);
    }
}
