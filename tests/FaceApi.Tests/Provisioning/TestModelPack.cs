using System.IO.Compression;
using System.Security.Cryptography;

namespace FaceApi.Tests.Provisioning;

/// <summary>A small stand-in for buffalo_l.zip: the two files FaceApi needs, plus one it must leave alone.</summary>
internal sealed class TestModelPack
{
    public const string RecognitionFile = "w600k_r50.onnx";
    public const string DetectionFile = "det_10g.onnx";
    public const string UnusedFile = "genderage.onnx";

    private TestModelPack(byte[] zip, IReadOnlyDictionary<string, byte[]> files)
    {
        Zip = zip;
        Files = files;
    }

    public byte[] Zip { get; }

    public IReadOnlyDictionary<string, byte[]> Files { get; }

    public string ZipSha256 => Sha256(Zip);

    public Dictionary<string, string> NeededFileHashes => new(StringComparer.Ordinal)
    {
        [RecognitionFile] = Sha256(Files[RecognitionFile]),
        [DetectionFile] = Sha256(Files[DetectionFile]),
    };

    /// <param name="folder">"" for files at the root (as in the real buffalo_l.zip) or e.g. "buffalo_l/".</param>
    public static TestModelPack Create(string folder = "")
    {
        // Several hundred KB so the download spans many reads; a fixed seed keeps the bytes the same every run.
        var random = new Random(20240601);
        var files = new Dictionary<string, byte[]>
        {
            [RecognitionFile] = RandomBytes(random, 300_000),
            [DetectionFile] = RandomBytes(random, 120_000),
            [UnusedFile] = RandomBytes(random, 10_000),
        };

        using var zip = new MemoryStream();
        using (var archive = new ZipArchive(zip, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                using var entry = archive.CreateEntry(folder + name).Open();
                entry.Write(content);
            }
        }

        return new TestModelPack(zip.ToArray(), files);
    }

    public static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    private static byte[] RandomBytes(Random random, int length)
    {
        var bytes = new byte[length];
        random.NextBytes(bytes);
        return bytes;
    }
}
