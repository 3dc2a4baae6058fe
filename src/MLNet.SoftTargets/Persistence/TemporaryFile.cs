using System.Globalization;

namespace MLNet.SoftTargets.Persistence;

/// <summary>
/// A file this library writes only because a stock component reads its input from a path (the per-row ONNX graph behind
/// <c>ApplyOnnxModel</c>), owned by exactly one object that deletes it on <see cref="Dispose"/>. Every such file, and every
/// temporary file ML.NET writes for the contexts this library creates, lives in <see cref="Folder"/>, one folder per
/// process, so none is left in the system temp folder by a disposed component.
/// </summary>
/// <remarks>
/// The finalizer deletes the file of an owner that was never disposed (best effort: on Windows the file cannot be deleted
/// while ONNX Runtime's stream on it is still open). Finalizers do not run at process exit, so the files of components
/// still alive then are deleted with the folder at exit (best effort; a crashed process leaves its folder behind).
/// </remarks>
internal sealed class TemporaryFile : IDisposable
{
    private static readonly Lazy<string> FolderPath = new(CreateFolder);
    private int _deleted;

    private TemporaryFile(string path) => Path = path;

    /// <summary><c>{temp}/MLNet.SoftTargets/{process id}</c>, created on first use.</summary>
    public static string Folder => FolderPath.Value;

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>Writes <paramref name="bytes"/> to a new file in <see cref="Folder"/>.</summary>
    public static TemporaryFile Write(byte[] bytes, string extension)
    {
        // Created again in case something cleaned the temp folder while the process ran.
        Directory.CreateDirectory(Folder);
        string path = System.IO.Path.Combine(Folder, System.IO.Path.GetRandomFileName() + extension);
        var file = new TemporaryFile(path);
        try
        {
            File.WriteAllBytes(path, bytes);
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return file;
    }

    /// <summary>Deletes the file (idempotent).</summary>
    public void Dispose()
    {
        Delete();
        GC.SuppressFinalize(this);
    }

    ~TemporaryFile() => Delete();

    private void Delete()
    {
        if (Interlocked.Exchange(ref _deleted, 1) != 0)
            return;
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static string CreateFolder()
    {
        string folder = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "MLNet.SoftTargets", Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                foreach (var file in Directory.EnumerateFiles(folder))
                {
                    try
                    {
                        File.Delete(file);
                    }
                    catch (IOException)
                    {
                    }
                    catch (UnauthorizedAccessException)
                    {
                    }
                }
                if (!Directory.EnumerateFileSystemEntries(folder).Any())
                    Directory.Delete(folder);
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        };
        return folder;
    }
}
