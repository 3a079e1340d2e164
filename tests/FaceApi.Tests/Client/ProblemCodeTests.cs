using System.Reflection;
using FaceApi.Contracts;
using FaceApi.Core.Imaging;

namespace FaceApi.Tests.Client;

/// <summary>Clients branch on <see cref="ProblemCode"/>; every code the service can send must be there.</summary>
public sealed class ProblemCodeTests
{
    [Fact]
    public void Every_image_decoding_code_is_a_published_problem_code()
    {
        var published = Codes(typeof(ProblemCode));

        Assert.Subset(published, Codes(typeof(ImageErrorCode)));
    }

    private static HashSet<string> Codes(Type holder) => holder
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(field => field.IsLiteral)
        .Select(field => (string)field.GetRawConstantValue()!)
        .ToHashSet();
}
