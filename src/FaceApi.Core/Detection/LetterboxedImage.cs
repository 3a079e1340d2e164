using System.Buffers;
using FaceApi.Core.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceApi.Core.Detection;

/// <summary>
/// A photo scaled to fit a detector canvas with its aspect ratio kept, placed top-left, the rest
/// black, as an NCHW float tensor normalised (x − 127.5) / 128 (InsightFace's SCRFD preprocessing).
/// The tensor buffer is rented from <see cref="ArrayPool{T}"/>; dispose to return it.
/// </summary>
internal sealed class LetterboxedImage : IDisposable
{
    // SCRFD's input normalisation: InsightFace scrfd.py, input_mean = 127.5, input_std = 128.0.
    private const float Mean = 127.5f;
    private const float Std = 128f;

    private float[]? _buffer;

    private LetterboxedImage(float[] buffer, int width, int height, float scale)
    {
        _buffer = buffer;
        Width = width;
        Height = height;
        Scale = scale;
    }

    /// <summary>Canvas width.</summary>
    public int Width { get; }

    /// <summary>Canvas height.</summary>
    public int Height { get; }

    /// <summary>Canvas pixels per source pixel; divide canvas coordinates by it to get source pixels.</summary>
    public float Scale { get; }

    /// <summary>The tensor data, 3 × Height × Width floats, channels R, G, B.</summary>
    public Memory<float> Tensor => _buffer.AsMemory(0, 3 * Width * Height);

    /// <summary>Scales <paramref name="image"/> into a <paramref name="width"/> × <paramref name="height"/> canvas.</summary>
    public static LetterboxedImage Create(Image<Rgb24> image, int width, int height)
    {
        // InsightFace scrfd.py detect(): fit by the tighter side, truncating the other to an integer,
        // all in Python floats (double): im_ratio, new_width = int(new_height / im_ratio), and
        // det_scale = float(new_height) / img.shape[0]. numpy then divides the float32 decoded boxes by
        // det_scale as a float32, so the scale is rounded to float once, from the double.
        var imageRatio = (double)image.Height / image.Width;
        var canvasRatio = (double)height / width;
        int scaledWidth, scaledHeight;
        if (imageRatio > canvasRatio)
        {
            scaledHeight = height;
            scaledWidth = Math.Max(1, (int)(scaledHeight / imageRatio));
        }
        else
        {
            scaledWidth = width;
            scaledHeight = Math.Max(1, (int)(scaledWidth * imageRatio));
        }

        var scale = (float)((double)scaledHeight / image.Height);
        var planeSize = width * height;
        var buffer = ArrayPool<float>.Shared.Rent(3 * planeSize);
        // Padding is black (0) before normalisation, as in the reference.
        buffer.AsSpan(0, 3 * planeSize).Fill((0 - Mean) / Std);

        // cv2.resize(img, (new_width, new_height)): OpenCV's INTER_LINEAR, to the grey level.
        var rowLength = 3 * scaledWidth;
        var pixels = ArrayPool<byte>.Shared.Rent(rowLength * scaledHeight);
        try
        {
            OpenCvLinearResize.Resize(image, scaledWidth, scaledHeight, pixels);
            for (var y = 0; y < scaledHeight; y++)
            {
                var row = pixels.AsSpan(y * rowLength, rowLength);
                var offset = y * width;
                for (var x = 0; x < scaledWidth; x++)
                {
                    buffer[offset + x] = (row[3 * x] - Mean) / Std;
                    buffer[planeSize + offset + x] = (row[(3 * x) + 1] - Mean) / Std;
                    buffer[(2 * planeSize) + offset + x] = (row[(3 * x) + 2] - Mean) / Std;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(pixels);
        }

        return new LetterboxedImage(buffer, width, height, scale);
    }

    public void Dispose()
    {
        if (_buffer is not null)
        {
            ArrayPool<float>.Shared.Return(_buffer);
            _buffer = null;
        }
    }
}
