using System.Runtime.InteropServices;
using System.Text;

namespace MiniKube.Kubelet;

/// <summary>
/// The kernel's own record of memory-cgroup OOM kills, read from <c>/dev/kmsg</c>: the evidence that still exists when
/// Docker never hears of the OOM. On cgroup v1 the runtime shim learns of an OOM through an eventfd and drops the
/// notification when the container's cgroup is already gone by the time it reads it (containerd's v1 OOM epoller checks
/// for a deleted cgroup first) — under load the exit and cgroup removal win that race, and the engine then reports a
/// plain exit 137 with <c>OOMKilled=false</c> and no <c>oom</c> event, for ever. The kernel writes its
/// <c>oom-kill:…,task_memcg=/docker/&lt;id&gt;,…</c> line before the process dies, so it is there at the first look.
/// </summary>
/// <remarks>
/// Read on demand, only for an exit that may be an OOM kill (see <see cref="OomKillSettler"/>): the ring buffer is scanned
/// from its start with a non-blocking descriptor, so no reader thread lives on. Without the right to read it (no
/// <c>CAP_SYSLOG</c>, e.g. a kubelet in an unprivileged container) it answers false and the kubelet falls back to what the
/// engine says.
/// </remarks>
internal sealed class KernelOomLog
{
    public static readonly KernelOomLog Device = new("/dev/kmsg");

    private const int ReadOnly = 0;
    private const int NonBlocking = 0x800; // O_NONBLOCK on Linux
    private const int CloseOnExec = 0x80000; // O_CLOEXEC
    private const int TryAgain = 11; // EAGAIN: no further record
    private const int BrokenPipe = 32; // EPIPE: records were overwritten while reading; the read goes on with the next
    private const int Interrupted = 4; // EINTR
    // A record is at most about 1 KiB of text plus its dictionary; a read with a smaller buffer fails with EINVAL.
    private const int RecordBuffer = 8192;
    private const string OomKillMarker = "oom-kill:";
    private const string TaskCgroupField = "task_memcg=";

    private readonly string _path;

    public KernelOomLog(string path) => _path = path;

    /// <summary>Whether the kernel log records an OOM kill of a process in the cgroup of container <paramref name="containerId"/>.</summary>
    public bool RecordsOomKillOf(string containerId)
    {
        if (containerId.Length == 0)
        {
            return false;
        }
        var fd = Open(_path, ReadOnly | NonBlocking | CloseOnExec);
        if (fd < 0)
        {
            return false;
        }
        try
        {
            var buffer = new byte[RecordBuffer];
            while (true)
            {
                var n = Read(fd, buffer, buffer.Length);
                if (n < 0)
                {
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno is BrokenPipe or Interrupted)
                    {
                        continue;
                    }
                    return false; // EAGAIN: the end of the buffer; anything else: nothing more to learn
                }
                if (n == 0)
                {
                    return false;
                }
                if (TaskCgroupOfOomKill(Encoding.UTF8.GetString(buffer, 0, (int)n)) is { } cgroup
                    && cgroup.Contains(containerId, StringComparison.Ordinal))
                {
                    return true;
                }
            }
        }
        finally
        {
            _ = Close(fd);
        }
    }

    /// <summary>
    /// The <c>task_memcg</c> of a kernel log record that reports an OOM kill (<c>6,1234,334239224,-;oom-kill:constraint=…,task_memcg=/docker/ID,task=dd,…</c>),
    /// or null for any other record.
    /// </summary>
    internal static string? TaskCgroupOfOomKill(string record)
    {
        // The message follows the first ';' of the record's prefix ("level,sequence,timestamp,flags;").
        var semicolon = record.IndexOf(';', StringComparison.Ordinal);
        var message = semicolon < 0 ? record : record[(semicolon + 1)..];
        if (!message.StartsWith(OomKillMarker, StringComparison.Ordinal))
        {
            return null;
        }
        var start = message.IndexOf(TaskCgroupField, StringComparison.Ordinal);
        if (start < 0)
        {
            return null;
        }
        start += TaskCgroupField.Length;
        var end = message.IndexOfAny([',', '\n'], start);
        return end < 0 ? message[start..] : message[start..end];
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", EntryPoint = "read", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint Read(int fd, byte[] buffer, nint count);

    [DllImport("libc", EntryPoint = "close", SetLastError = true)]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Close(int fd);
}
