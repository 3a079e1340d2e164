namespace FaceApi.Provisioning;

/// <summary>An expected provisioning failure (HTTP error, checksum mismatch, missing entry) whose message is the reason shown to operators.</summary>
/// <param name="message">The reason, as operators read it.</param>
/// <param name="isTransient">Whether trying again later may succeed without an operator (see <see cref="ProvisioningResult.IsTransient"/>).</param>
/// <param name="innerException">The error behind it, if any.</param>
internal sealed class ModelPackException(string message, bool isTransient, Exception? innerException = null)
    : Exception(message, innerException)
{
    public bool IsTransient { get; } = isTransient;
}
