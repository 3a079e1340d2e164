using System.ComponentModel.DataAnnotations;

namespace FaceApi.Core.Recognition;

/// <summary>
/// How crops are turned into the recognition model's input (configuration section
/// <c>FaceApi:Recognition</c>). Defaults are w600k_r50's contract: RGB, (x − 127.5) / 127.5, NCHW.
/// </summary>
public sealed class RecognitionOptions
{
    /// <summary>
    /// The ONNX file; a relative path is resolved against the models directory. Default: the
    /// recognition model of InsightFace's buffalo_l pack.
    /// </summary>
    [Required]
    public string ModelPath { get; set; } = "w600k_r50.onnx";

    /// <summary>Model name reported to clients, e.g. <c>w600k_r50</c>.</summary>
    [Required]
    public string Name { get; set; } = "w600k_r50";

    /// <summary>Channel order of the model input.</summary>
    public ChannelOrder ChannelOrder { get; set; } = ChannelOrder.Rgb;

    /// <summary>Subtracted from every 0–255 pixel value.</summary>
    [Range(0.0, 255.0)]
    public float Mean { get; set; } = 127.5f;

    /// <summary>Divides every pixel value after the mean is subtracted.</summary>
    [Range(0.001, 1000.0)]
    public float Std { get; set; } = 127.5f;
}
