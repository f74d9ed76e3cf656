using System.Runtime;
using System.Runtime.InteropServices;

namespace MiniKube.Hosting;

/// <summary>Hands a process's free memory back to the operating system.</summary>
public static class ProcessMemory
{
    /// <summary>
    /// A blocking, compacting full collection in the GC's aggressive mode (which also decommits the free regions and gen0
    /// budget it would otherwise keep for the next allocations), then glibc's <c>malloc_trim</c> for the native heap's free
    /// pages (3–7 MiB per component measured). Takes milliseconds for the small heaps of MiniKube's components.
    /// </summary>
    public static void Trim()
    {
        GCSettings.LargeObjectHeapCompactionMode = GCLargeObjectHeapCompactionMode.CompactOnce;
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        if (OperatingSystem.IsLinux())
        {
            try
            {
                _ = MallocTrim(0);
            }
            catch (Exception ex) when (ex is EntryPointNotFoundException or DllNotFoundException)
            {
                // Not glibc (musl has no malloc_trim): nothing more to give back this way.
            }
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);
}
