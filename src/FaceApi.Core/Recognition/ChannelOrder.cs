namespace FaceApi.Core.Recognition;

/// <summary>The colour channel order a recognition model was trained with.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue (InsightFace's w600k_r50 and the other buffalo models).</summary>
    Rgb,

    /// <summary>Blue, green, red (many OpenCV-based exports).</summary>
    Bgr,
}
