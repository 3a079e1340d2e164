using FaceApi.Core.Inference;
using FaceApi.Core.Shedding;
using Microsoft.ML.OnnxRuntime;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Core.Detection;

/// <summary>
/// InsightFace's SCRFD face detector (e.g. <c>det_10g.onnx</c> of <c>buffalo_l</c>, or
/// <c>scrfd_2.5g_bnkps.onnx</c>): nine outputs, scores, box distances and five keypoints for strides
/// 8, 16 and 32 with two anchors per cell. Pre- and post-processing follow InsightFace's
/// <c>scrfd.py</c> step by step; input and output names come from the model.
/// </summary>
public sealed class ScrfdDetector : IDisposable
{
    private const int LandmarkCount = 5;

    private readonly InferenceSessionPool _sessions;
    private readonly DetectionOptions _options;
    private readonly string _inputName;
    private readonly ScrfdOutputLayout _layout;

    /// <summary>Takes ownership of <paramref name="sessions"/> and checks the model's layout.</summary>
    /// <exception cref="ModelContractException">The model is not an SCRFD detector with keypoints.</exception>
    public ScrfdDetector(InferenceSessionPool sessions, DetectionOptions options)
    {
        ArgumentNullException.ThrowIfNull(sessions);
        ArgumentNullException.ThrowIfNull(options);
        _sessions = sessions;
        _options = options;

        var metadata = sessions.Metadata;
        if (metadata.InputNames.Count != 1)
        {
            throw new ModelContractException($"An SCRFD detector has one input; this model has {metadata.InputNames.Count}.");
        }

        _inputName = metadata.InputNames[0];
        var dimensions = metadata.InputMetadata[_inputName].Dimensions;
        if (dimensions.Length != 4 || dimensions[1] != 3)
        {
            throw new ModelContractException($"An SCRFD detector takes [N,3,H,W]; this model takes [{string.Join(',', dimensions)}].");
        }

        // A model exported with a fixed canvas dictates its size; a dynamic one takes the configured size.
        InputHeight = dimensions[2] > 0 ? dimensions[2] : options.InputSize;
        InputWidth = dimensions[3] > 0 ? dimensions[3] : options.InputSize;
        if (InputHeight % ScrfdOutputLayout.LargestStride != 0 || InputWidth % ScrfdOutputLayout.LargestStride != 0)
        {
            throw new ModelContractException($"The detector canvas {InputWidth}x{InputHeight} must be a multiple of {ScrfdOutputLayout.LargestStride}.");
        }

        _layout = ScrfdOutputLayout.FromModel(metadata);
    }

    /// <summary>Canvas width the photo is letterboxed into.</summary>
    public int InputWidth { get; }

    /// <summary>Canvas height the photo is letterboxed into.</summary>
    public int InputHeight { get; }

    /// <summary>Detector runs that can proceed at once (the session pool size).</summary>
    public int ConcurrentRuns => _sessions.Size;

    /// <summary>
    /// Measured seconds per model run, while a session is held: the detector's service time, without the
    /// wait for a session, which load shedding prices separately.
    /// </summary>
    public ExponentialMovingAverage RunSeconds { get; } = new();

    /// <summary>The execution provider the detector runs on.</summary>
    public ExecutionProvider Provider => _sessions.Provider;

    /// <summary>Why CUDA was asked for but not used; null when it runs or was not asked for.</summary>
    public string? CudaFallbackReason => _sessions.CudaFallbackReason;

    /// <summary>
    /// Detects faces, largest first, in source-image pixels. Blocks the calling thread for the model
    /// run, and while every session is busy; call it from a thread meant for that (a
    /// <see cref="Scheduling.ComputeScheduler"/>'s), not from the thread pool.
    /// </summary>
    public IReadOnlyList<DetectedFace> Detect(Image<Rgb24> image)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var canvas = LetterboxedImage.Create(image, InputWidth, InputHeight);
        using var lease = _sessions.Rent();
        using var input = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, canvas.Tensor, [1, 3, InputHeight, InputWidth]);
        using var runOptions = new RunOptions();
        var started = System.Diagnostics.Stopwatch.GetTimestamp();
        using var outputs = lease.Session.Run(runOptions, [_inputName], [input], _layout.OutputNames);
        RunSeconds.Add(System.Diagnostics.Stopwatch.GetElapsedTime(started).TotalSeconds);
        return Decode(outputs, canvas.Scale);
    }

    /// <summary>Warms the session(s) up so the first request does not pay for initialisation.</summary>
    public void WarmUp()
    {
        using var blank = new Image<Rgb24>(InputWidth, InputHeight);
        for (var i = 0; i < _sessions.Size; i++)
        {
            _ = Detect(blank);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _sessions.Dispose();

    private List<DetectedFace> Decode(IReadOnlyList<OrtValue> outputs, float scale)
    {
        var candidates = new List<(FaceBox Box, float Score)>();
        var landmarks = new List<PointF[]>();
        foreach (var level in _layout.Levels)
        {
            var scores = outputs[level.ScoreOutput].GetTensorDataAsSpan<float>();
            var distances = outputs[level.BoxOutput].GetTensorDataAsSpan<float>();
            var keypoints = outputs[level.KeypointOutput].GetTensorDataAsSpan<float>();
            var stride = level.Stride;
            var columns = InputWidth / stride;
            var anchorsPerCell = scores.Length / (columns * (InputHeight / stride));
            for (var i = 0; i < scores.Length; i++)
            {
                if (scores[i] < _options.ScoreThreshold)
                {
                    continue;
                }

                // Anchor centres are cell corners (col, row) · stride, repeated per anchor (scrfd.py).
                var cell = i / anchorsPerCell;
                var centreX = cell % columns * stride;
                var centreY = cell / columns * stride;
                var box = new FaceBox(
                    (centreX - (distances[(4 * i) + 0] * stride)) / scale,
                    (centreY - (distances[(4 * i) + 1] * stride)) / scale,
                    (centreX + (distances[(4 * i) + 2] * stride)) / scale,
                    (centreY + (distances[(4 * i) + 3] * stride)) / scale);
                var points = new PointF[LandmarkCount];
                for (var k = 0; k < LandmarkCount; k++)
                {
                    points[k] = new PointF(
                        (centreX + (keypoints[(10 * i) + (2 * k)] * stride)) / scale,
                        (centreY + (keypoints[(10 * i) + (2 * k) + 1] * stride)) / scale);
                }

                candidates.Add((box, scores[i]));
                landmarks.Add(points);
            }
        }

        var faces = NonMaximumSuppression.Select(candidates, _options.NmsThreshold)
            .Select(i => new DetectedFace(candidates[i].Box, candidates[i].Score, landmarks[i]))
            .Where(f => Math.Min(f.Box.Width, f.Box.Height) >= _options.MinFaceSize)
            .OrderByDescending(f => f.Box.Area);
        return (_options.MaxFaces > 0 ? faces.Take(_options.MaxFaces) : faces).ToList();
    }
}
