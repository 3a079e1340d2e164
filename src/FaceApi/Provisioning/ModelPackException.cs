namespace FaceApi.Provisioning;

/// <summary>An expected provisioning failure (HTTP error, checksum mismatch, missing entry) whose message is the reason shown to operators.</summary>
internal sealed class ModelPackException(string message, Exception? innerException = null)
    : Exception(message, innerException);
