namespace FaceApi.Uploads;

/// <summary>The shapes a request body can take; each has its own size limit (<see cref="UploadLimits"/>).</summary>
public enum BodyFormat
{
    /// <summary><c>multipart/form-data</c>: image files and embedding text fields.</summary>
    Multipart,

    /// <summary><c>application/json</c>: base64 images and embedding arrays.</summary>
    Json,

    /// <summary>The image itself (<c>image/*</c> or <c>application/octet-stream</c>), for one-image endpoints.</summary>
    RawImage,
}
