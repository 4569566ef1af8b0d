namespace Monitor.Tests.Support;

/// <summary>Files of the repository the tests check (shipped config, docs, deploy artefacts).</summary>
internal static class RepoFiles
{
    /// <summary>The repository root: the first directory above the test binaries holding Monitor.sln.</summary>
    public static string Root { get; } = FindRoot();

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        var root = AppContext.BaseDirectory;
        while (!File.Exists(System.IO.Path.Combine(root, "Monitor.sln")))
        {
            root = System.IO.Path.GetDirectoryName(root) ?? throw new InvalidOperationException("Monitor.sln not found above the test directory");
        }

        return root;
    }
}
