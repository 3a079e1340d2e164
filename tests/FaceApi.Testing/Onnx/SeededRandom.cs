namespace FaceApi.Testing.Onnx;

/// <summary>
/// Reproducible random weights: the same seed gives the same model bytes on every run and every
/// .NET version, so a test or a benchmark that fails can be repeated exactly.
/// </summary>
/// <remarks>
/// SplitMix64 (Steele, Lea and Flood 2014; constants from Vigna's reference C code, prng.di.unimi.it)
/// instead of a seeded <see cref="Random"/>, whose compatibility algorithm made drawing IResNet-50's
/// 43.6 M weights take about 3 s instead of a fraction of one (measured on the 2-core build machine).
/// </remarks>
internal sealed class SeededRandom(int seed)
{
    private const ulong GoldenGamma = 0x9E3779B97F4A7C15UL;
    // 2^-53: turns the top 53 bits into a double in [0, 1) with every value equally likely.
    private const double UnitScale = 1.0 / (1UL << 53);

    private ulong _state = (ulong)seed;

    public float[] Normal(int count, double mean, double standardDeviation)
    {
        var values = new float[count];
        // Box-Muller transform: each pair of uniforms yields two independent standard normals.
        for (var i = 0; i < count; i += 2)
        {
            // 1 - NextDouble() lies in (0, 1], so the logarithm is finite.
            var radius = standardDeviation * Math.Sqrt(-2.0 * Math.Log(1.0 - NextDouble()));
            var (sin, cos) = Math.SinCos(2.0 * Math.PI * NextDouble());
            values[i] = (float)(mean + radius * cos);
            if (i + 1 < count)
            {
                values[i + 1] = (float)(mean + radius * sin);
            }
        }

        return values;
    }

    public float[] Uniform(int count, double low, double high)
    {
        var values = new float[count];
        for (var i = 0; i < count; i++)
        {
            values[i] = (float)(low + (high - low) * NextDouble());
        }

        return values;
    }

    private double NextDouble()
    {
        var z = _state += GoldenGamma;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        z ^= z >> 31;
        return (z >> 11) * UnitScale;
    }
}
