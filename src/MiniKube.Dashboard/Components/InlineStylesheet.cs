using System.Collections.Concurrent;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Rendering;

namespace MiniKube.Dashboard.Components;

/// <summary>
/// A stylesheet from wwwroot written into the page's head as a &lt;style&gt; element. The dashboard's one stylesheet is
/// small (a few KB), and a linked one is a render-blocking request: on a busy machine the browser's fetch of it, not the
/// server, was most of the time before the first paint (bench/dashboard).
/// </summary>
public sealed class InlineStylesheet : ComponentBase
{
    private static readonly ConcurrentDictionary<string, string> Loaded = new(StringComparer.Ordinal);

    [Inject]
    private IWebHostEnvironment Environment { get; set; } = default!;

    /// <summary>The file's path under wwwroot.</summary>
    [Parameter, EditorRequired]
    public string Path { get; set; } = "";

    protected override void BuildRenderTree(RenderTreeBuilder builder)
    {
        builder.OpenElement(0, "style");
        builder.AddMarkupContent(1, Loaded.GetOrAdd(Path, Read, Environment));
        builder.CloseElement();
    }

    private static string Read(string path, IWebHostEnvironment environment)
    {
        var file = environment.WebRootFileProvider.GetFileInfo(path);
        if (!file.Exists)
        {
            throw new FileNotFoundException($"wwwroot/{path} is not in the dashboard's web root", path);
        }
        using var reader = new StreamReader(file.CreateReadStream());
        return reader.ReadToEnd();
    }
}
