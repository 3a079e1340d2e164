namespace FaceApi.Core.Detection;

/// <summary>Greedy non-maximum suppression, as InsightFace's <c>SCRFD.nms</c>.</summary>
internal static class NonMaximumSuppression
{
    /// <summary>
    /// Keeps the highest-scoring candidates and drops any candidate that overlaps a kept one by more
    /// than <paramref name="iouThreshold"/>. Returns indices into <paramref name="candidates"/>.
    /// </summary>
    public static List<int> Select(IReadOnlyList<(FaceBox Box, float Score)> candidates, float iouThreshold)
    {
        var order = Enumerable.Range(0, candidates.Count).OrderByDescending(i => candidates[i].Score).ToList();
        var kept = new List<int>();
        var suppressed = new bool[candidates.Count];
        foreach (var i in order)
        {
            if (suppressed[i])
            {
                continue;
            }

            kept.Add(i);
            foreach (var j in order)
            {
                if (!suppressed[j] && j != i && IntersectionOverUnion(candidates[i].Box, candidates[j].Box) > iouThreshold)
                {
                    suppressed[j] = true;
                }
            }
        }

        return kept;
    }

    /// <summary>
    /// Overlap of two boxes. The +1 on widths and heights follows InsightFace's implementation
    /// (a legacy of inclusive pixel coordinates), so suppression matches the reference exactly.
    /// </summary>
    internal static float IntersectionOverUnion(FaceBox a, FaceBox b)
    {
        var width = Math.Max(0f, Math.Min(a.Right, b.Right) - Math.Max(a.Left, b.Left) + 1);
        var height = Math.Max(0f, Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Top, b.Top) + 1);
        var intersection = width * height;
        var areaA = (a.Width + 1) * (a.Height + 1);
        var areaB = (b.Width + 1) * (b.Height + 1);
        return intersection / (areaA + areaB - intersection);
    }
}
