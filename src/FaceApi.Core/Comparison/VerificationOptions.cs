using System.ComponentModel.DataAnnotations;

namespace FaceApi.Core.Comparison;

/// <summary>Same-person decision settings (configuration section <c>FaceApi:Verification</c>).</summary>
public sealed class VerificationOptions
{
    /// <summary>
    /// Cosine similarity at or above which two faces are the same person. 0.4 for w600k_r50: the
    /// default of InsightFace's own recognition server; its published FAR 1e-6 operating point on
    /// MR-ALL is 0.408. Other models need their own value (0.35 for the MobileFaceNet test model).
    /// </summary>
    [Range(0.0, 1.0)]
    public float Threshold { get; set; } = 0.4f;
}
