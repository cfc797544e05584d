using System.Formats.Tar;
using System.IO.Compression;

namespace Hostmem.Sysfs;

/// <summary>
/// A recorded tree archive (tests/fixtures/NAME.tar.gz: sys/, proc/, meta/) unpacked into a private
/// temporary folder, removed on dispose (or on interrupt: <see cref="TemporaryPaths"/>). Lets every command take --sysfs
/// FIXTURE.tar.gz directly.
/// </summary>
public sealed class RecordedTree : IDisposable
{
    public string Root { get; }

    private RecordedTree(string root) => Root = root;

    /// <summary>Named like an archive and not a folder (a folder named x.tar.gz is read as a folder).</summary>
    public static bool IsArchive(string path) =>
        !Directory.Exists(path) && path.EndsWith(".tar.gz", StringComparison.Ordinal) || path.EndsWith(".tgz", StringComparison.Ordinal);

    public static RecordedTree Extract(string archive)
    {
        if (!File.Exists(archive))
            throw new UserError($"--sysfs {archive}: no such file", "give a recorded tree archive (.tar.gz) or a sysfs folder");
        var root = TemporaryPaths.Guard(() =>
        {
            var made = Directory.CreateTempSubdirectory("hostmem-tree-").FullName;
            TemporaryPaths.Add(made);
            return made;
        });
        try
        {
            // The whole extraction is one guarded step: an interrupt waits for it (a recorded tree unpacks in milliseconds)
            // and then removes the folder. Guarding only the archive reads was not enough: the extractor creates an
            // entry's parent folders after its read, so it could make the folder again behind the removal (CI saw it).
            TemporaryPaths.Guard(() =>
            {
                using var file = File.OpenRead(archive);
                using var gzip = new GZipStream(file, CompressionMode.Decompress);
                TarFile.ExtractToDirectory(gzip, root, overwriteFiles: false);
                return 0;
            });
            // Said here, in the archive's name: SysfsTree.Open would name the temporary folder.
            if (!Directory.Exists(Path.Combine(root, "sys", "devices", "system")) && !Directory.Exists(Path.Combine(root, "devices", "system")))
            {
                TryDelete(root);
                throw new UserError($"--sysfs {archive}: a tar.gz archive, but not a recorded tree (no sys/devices/system inside)",
                    "give a recorded tree made by lab/run (tests/fixtures/*.tar.gz: sys/, proc/, meta/) or an unpacked folder");
            }
            return new RecordedTree(root);
        }
        catch (Exception e) when (e is InvalidDataException or IOException or UnauthorizedAccessException or FormatException)
        {
            TryDelete(root);
            throw new UserError($"--sysfs {archive}: not a readable tar.gz archive ({e.Message.Split('\n')[0]})",
                "give a recorded tree made by lab/run (tests/fixtures/*.tar.gz) or an unpacked folder");
        }
    }

    public void Dispose() => TryDelete(Root);

    private static void TryDelete(string dir)
    {
        try { Directory.Delete(dir, recursive: true); }
        catch (IOException) { }
        catch (UnauthorizedAccessException) { }
        TemporaryPaths.Forget(dir);
    }
}
