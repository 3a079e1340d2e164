using System.ComponentModel.DataAnnotations;

namespace FaceApi.Core.Detection;

/// <summary>SCRFD detector settings (configuration section <c>FaceApi:Detection</c>).</summary>
public sealed class DetectionOptions
{
    /// <summary>
    /// The ONNX file; a relative path is resolved against the models directory. Default: the
    /// detector of InsightFace's buffalo_l pack.
    /// </summary>
    [Required]
    public string ModelPath { get; set; } = "det_10g.onnx";

    /// <summary>
    /// Side of the square canvas the photo is letterboxed into. 640 is InsightFace's
    /// <c>det_size</c> for <c>buffalo_l</c>; must be a multiple of 32 (the largest stride).
    /// Ignored when the model fixes its input size.
    /// </summary>
    [Range(32, 4096)]
    public int InputSize { get; set; } = 640;

    /// <summary>Minimum face score; 0.5 is InsightFace's <c>det_thresh</c> default.</summary>
    [Range(0.0, 1.0)]
    public float ScoreThreshold { get; set; } = 0.5f;

    /// <summary>Overlap above which the weaker of two boxes is dropped; 0.4 is InsightFace's <c>nms_thresh</c>.</summary>
    [Range(0.0, 1.0)]
    public float NmsThreshold { get; set; } = 0.4f;

    /// <summary>Keep at most this many faces, largest first; 0 keeps all.</summary>
    [Range(0, 10000)]
    public int MaxFaces { get; set; }

    /// <summary>Faces smaller than this (shorter box side, source pixels) are ignored; 0 keeps all.</summary>
    [Range(0, 10000)]
    public int MinFaceSize { get; set; }
}
