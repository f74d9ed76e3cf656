using System.Net;
using System.Net.Sockets;

namespace MiniKube.Testing;

/// <summary>Free loopback TCP ports for servers that tests start.</summary>
public static class FreePort
{
    /// <summary>
    /// Returns a port that was free a moment ago. The kernel may hand it to someone else before the
    /// caller binds it, so callers that start external processes should retry on "address in use".
    /// </summary>
    public static int Get()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <summary>True when something accepts TCP connections on 127.0.0.1:<paramref name="port"/>.</summary>
    public static bool IsListening(int port)
    {
        using var client = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            client.Connect(new IPEndPoint(IPAddress.Loopback, port));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
