using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using Xunit;

namespace FaceApi.Testing;

/// <summary>
/// Whether the tests run under continuous integration, and what a missing prerequisite (a tool such
/// as nginx or chromium) does there: a developer's run skips the test and says what to install, a
/// CI run fails it, because <c>.ci/run</c> installs every prerequisite and a silent skip would let a
/// broken set-up pass.
/// </summary>
public static class CiEnvironment
{
    /// <summary>
    /// True when the <c>CI</c> variable is set to anything but empty or <c>false</c>: GitHub Actions
    /// and GitLab set <c>true</c>, some runners <c>1</c>, and <c>.ci/run</c> sets <c>true</c>.
    /// </summary>
    public static bool IsCi => IsCiValue(Environment.GetEnvironmentVariable("CI"));

    /// <summary>The rule behind <see cref="IsCi"/>, for one value of the variable.</summary>
    public static bool IsCiValue(string? value) =>
        !string.IsNullOrWhiteSpace(value) && !value.Trim().Equals("false", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Ends the running test because <paramref name="what"/> is missing: a failure under CI, a skip
    /// otherwise. <paramref name="what"/> names the prerequisite and how to get it.
    /// </summary>
    [DoesNotReturn]
    public static void MissingPrerequisite(string what)
    {
        if (IsCi)
        {
            Assert.Fail($"{what} CI is set, so a missing prerequisite is a failure, not a skip.");
        }

        Assert.Skip(what);
        throw new UnreachableException();
    }

    /// <summary>Full path of the first of <paramref name="names"/> found on PATH, or null.</summary>
    public static string? FindOnPath(params string[] names)
    {
        var folders = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries);
        return names.SelectMany(name => folders.Select(folder => Path.Combine(folder, name))).FirstOrDefault(File.Exists);
    }

    /// <summary>Full path of the first of <paramref name="names"/> on PATH; a missing prerequisite (see <see cref="MissingPrerequisite"/>) when none is.</summary>
    public static string RequireTool(string installHint, params string[] names) =>
        FindOnPath(names) ?? Missing(installHint, names);

    private static string Missing(string installHint, string[] names)
    {
        MissingPrerequisite($"'{string.Join("' or '", names)}' is not on PATH; {installHint}");
        return "";
    }
}
