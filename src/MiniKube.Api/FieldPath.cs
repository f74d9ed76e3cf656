namespace MiniKube.Api;

/// <summary>Builds Kubernetes-style field paths: <c>spec.containers[0].ports[1].name</c>, <c>data[key]</c>.</summary>
internal static class Paths
{
    public static string Child(string path, string name) => path.Length == 0 ? name : path + "." + name;

    public static string Index(string path, int index) => path + "[" + index.ToString(System.Globalization.CultureInfo.InvariantCulture) + "]";

    public static string Key(string path, string key) => path + "[" + key + "]";
}
