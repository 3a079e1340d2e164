using FaceApi.Contracts;

namespace FaceApi.Endpoints;

/// <summary>Core's detection results in the shape of the wire contract (FaceApi.Contracts knows nothing of Core).</summary>
internal static class ContractMapping
{
    public static Contracts.FaceBox ToContract(this Core.Detection.FaceBox box) => new(box.Left, box.Top, box.Width, box.Height);

    public static IReadOnlyList<Point> ToContract(this IReadOnlyList<SixLabors.ImageSharp.PointF> points) =>
        points.Select(point => new Point(point.X, point.Y)).ToArray();
}
