using FaceApi.Core.Detection;
using FaceApi.Core.Recognition;
using FaceApi.Provisioning;
using Microsoft.Extensions.Options;

namespace FaceApi.Models;

/// <summary>Full paths of the configured model files: relative paths resolve against the models directory.</summary>
public sealed class ModelFiles(
    IOptions<ModelProvisioningOptions> models,
    IOptions<DetectionOptions> detection,
    IOptions<RecognitionOptions> recognition)
{
    private string Directory => Path.GetFullPath(models.Value.Directory);

    public string Detector => Path.GetFullPath(detection.Value.ModelPath, Directory);

    public string Recognition => Path.GetFullPath(recognition.Value.ModelPath, Directory);
}
