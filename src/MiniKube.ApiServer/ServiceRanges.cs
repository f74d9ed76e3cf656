using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace MiniKube.ApiServer;

/// <summary>
/// The IPv4 service CIDR (<c>--service-cluster-ip-range</c>). Its network and broadcast addresses are never allocated. As in
/// Kubernetes (KEP-3070), the lowest addresses form a static band that dynamic allocation uses only when the rest is full,
/// so well-known addresses such as 10.96.0.10 for cluster DNS stay free for the Services that ask for them.
/// </summary>
public sealed record ServiceIPRange(uint Network, int PrefixLength)
{
    public const string Default = "10.96.0.0/16";

    /// <summary>Addresses in the CIDR, network and broadcast included.</summary>
    public long Size => 1L << (32 - PrefixLength);

    /// <summary>Offsets 1 .. StaticBand-1 are the static band: min(max(16, size/16), 256).</summary>
    public long StaticBand => Math.Min(Math.Max(16, Size / 16), 256);

    public static ServiceIPRange Parse(string text) =>
        TryParse(text, out var range, out var error) ? range! : throw new FormatException(error);

    public static bool TryParse(string? text, out ServiceIPRange? range, out string? error)
    {
        range = null;
        error = null;
        var parts = (text ?? "").Split('/');
        if (parts.Length != 2 || !IPAddress.TryParse(parts[0], out var address) || address.AddressFamily != AddressFamily.InterNetwork
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var prefix) || prefix > 32)
        {
            error = $"\"{text}\" is not an IPv4 CIDR such as {Default}";
            return false;
        }
        // Kubernetes refuses ranges larger than /12 (2^20 addresses); fewer than 4 addresses leave nothing to allocate.
        if (prefix is < 12 or > 30)
        {
            error = $"\"{text}\": the prefix length must be between 12 and 30";
            return false;
        }
        var value = ToUInt(address);
        var mask = uint.MaxValue << (32 - prefix);
        if ((value & mask) != value)
        {
            error = $"\"{text}\" is not a network address (did you mean {FromUInt(value & mask)}/{prefix.ToString(CultureInfo.InvariantCulture)}?)";
            return false;
        }
        range = new ServiceIPRange(value, prefix);
        return true;
    }

    /// <summary>The offset of an address inside the range if it is an allocatable one (not network, not broadcast).</summary>
    public bool TryOffset(string ip, out long offset)
    {
        offset = 0;
        if (!IPAddress.TryParse(ip, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
        {
            return false;
        }
        offset = (long)ToUInt(address) - Network;
        return offset >= 1 && offset <= Size - 2;
    }

    public string At(long offset) => FromUInt((uint)(Network + offset));

    public override string ToString() => FromUInt(Network) + "/" + PrefixLength.ToString(CultureInfo.InvariantCulture);

    private static uint ToUInt(IPAddress address)
    {
        var b = address.GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }

    private static string FromUInt(uint value) => string.Create(CultureInfo.InvariantCulture,
        $"{value >> 24}.{(value >> 16) & 0xff}.{(value >> 8) & 0xff}.{value & 0xff}");
}

/// <summary>
/// The node port range (<c>--service-node-port-range</c>, <c>min-max</c> inclusive). As in Kubernetes (KEP-3668), the lowest
/// ports form a static band, min(max(16, size/32), 128) wide, that dynamic allocation uses only when the rest is full.
/// </summary>
public sealed record NodePortRange(int Min, int Max)
{
    public const string Default = "30000-32767";

    public int Size => Max - Min + 1;

    public int StaticBand => Math.Min(Math.Max(16, Size / 32), 128);

    public bool Contains(int port) => port >= Min && port <= Max;

    public static NodePortRange Parse(string text) =>
        TryParse(text, out var range, out var error) ? range! : throw new FormatException(error);

    public static bool TryParse(string? text, out NodePortRange? range, out string? error)
    {
        range = null;
        error = null;
        var parts = (text ?? "").Split('-');
        if (parts.Length != 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var min)
            || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var max)
            || min < 1 || max > 65535 || min > max)
        {
            error = $"\"{text}\" is not a port range such as {Default} (MIN-MAX, 1-65535)";
            return false;
        }
        range = new NodePortRange(min, max);
        return true;
    }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Min}-{Max}");
}
