namespace FaceApi.Core.Inference;

/// <summary>
/// A model file does not have the inputs and outputs its role needs. Raised at load time, so a wrong
/// file keeps the service not ready with a clear reason instead of failing on the first request.
/// </summary>
public sealed class ModelContractException(string message) : Exception(message);
