using FaceApi.Core.Detection;

namespace FaceApi.Core.Tests.Detection;

public sealed class NonMaximumSuppressionTests
{
    [Fact]
    public void Overlapping_weaker_box_is_dropped_and_separate_boxes_are_kept()
    {
        (FaceBox, float)[] candidates =
        [
            (new FaceBox(0, 0, 100, 100), 0.7f),
            (new FaceBox(5, 5, 105, 105), 0.9f),   // overlaps the first by IoU ~0.82
            (new FaceBox(300, 300, 360, 360), 0.6f),
        ];

        var kept = NonMaximumSuppression.Select(candidates, 0.4f);

        Assert.Equal([1, 2], kept);
    }

    [Fact]
    public void Intersection_over_union_uses_insightface_inclusive_pixel_areas()
    {
        var a = new FaceBox(0, 0, 9, 9);   // 10 x 10 inclusive pixels
        var b = new FaceBox(5, 0, 14, 9);  // shares 5 x 10 pixels

        Assert.Equal(50f / 150f, NonMaximumSuppression.IntersectionOverUnion(a, b), 5);
    }
}
