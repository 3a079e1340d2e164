using FaceApi.Core.Inference;
using Microsoft.ML.OnnxRuntime;

namespace FaceApi.Core.Detection;

/// <summary>
/// Which of an SCRFD model's nine outputs holds what. Exports name their outputs differently
/// (det_10g's are numbers), so roles are told apart by shape: the last dimension is 1 for scores,
/// 4 for box distances and 10 for keypoints, and within a role the finer stride has more rows.
/// </summary>
internal sealed class ScrfdOutputLayout
{
    /// <summary>The coarsest feature stride; canvas sides must be multiples of it.</summary>
    public const int LargestStride = 32;

    // SCRFD's feature pyramid strides (InsightFace scrfd.py, _feat_stride_fpn = [8, 16, 32]).
    private static readonly int[] Strides = [8, 16, LargestStride];

    private ScrfdOutputLayout(string[] outputNames, Level[] levels)
    {
        OutputNames = outputNames;
        Levels = levels;
    }

    /// <summary>The model's output names, in the order the output indices below refer to.</summary>
    public string[] OutputNames { get; }

    /// <summary>One entry per stride, finest first.</summary>
    public IReadOnlyList<Level> Levels { get; }

    public static ScrfdOutputLayout FromModel(InferenceSession session)
    {
        var names = session.OutputNames.ToArray();
        if (names.Length != 3 * Strides.Length)
        {
            throw new ModelContractException(
                $"An SCRFD detector with keypoints has {3 * Strides.Length} outputs; this model has {names.Length}. " +
                "Models without keypoints (6 outputs) cannot be used for alignment.");
        }

        if (names.Any(name => session.OutputMetadata[name].Dimensions.Length < 2))
        {
            throw new ModelContractException("SCRFD outputs are [rows, values] or [batch, rows, values]; this model has an output of lower rank.");
        }

        int[] ByRole(int lastDimension)
        {
            var indices = Enumerable.Range(0, names.Length)
                .Where(i => session.OutputMetadata[names[i]].Dimensions[^1] == lastDimension)
                .ToArray();
            if (indices.Length != Strides.Length)
            {
                throw new ModelContractException(
                    $"Expected {Strides.Length} SCRFD outputs ending in dimension {lastDimension}; found {indices.Length}.");
            }

            // InsightFace's exports list each role's outputs from the finest stride to the coarsest;
            // where row counts are static, they confirm that order.
            var rows = indices.Select(i => session.OutputMetadata[names[i]].Dimensions[^2]).ToArray();
            if (rows.All(r => r > 0) && !rows.SequenceEqual(rows.OrderByDescending(r => r)))
            {
                throw new ModelContractException("SCRFD outputs are not ordered from the finest stride to the coarsest.");
            }

            return indices;
        }

        var scores = ByRole(1);
        var boxes = ByRole(4);
        var keypoints = ByRole(10);
        var levels = Strides.Select((stride, i) => new Level(stride, scores[i], boxes[i], keypoints[i])).ToArray();
        return new ScrfdOutputLayout(names, levels);
    }

    /// <summary>The outputs of one pyramid level.</summary>
    public sealed record Level(int Stride, int ScoreOutput, int BoxOutput, int KeypointOutput);
}
