using Microsoft.AspNetCore.Components;
using MiniKube.Api;
using MiniKube.Dashboard.State;

namespace MiniKube.Dashboard.Components.Shared;

/// <summary>
/// A page that re-renders when the objects it shows change: it listens to the cluster view's change signal and, a short
/// moment after the first change of a burst (<see cref="DashboardOptions.RenderCoalescing"/>), renders once for the lot.
/// </summary>
public abstract class LiveComponent : ComponentBase, IDisposable
{
    private int _pending;
    private bool _disposed;

    [Inject]
    protected IClusterView Cluster { get; set; } = default!;

    [Inject]
    protected TimeProvider Time { get; set; } = default!;

    [Inject]
    protected DashboardOptions DashboardOptions { get; set; } = default!;

    protected DateTimeOffset Now => Time.GetUtcNow();

    /// <summary>The resources whose changes re-render this page (default: all).</summary>
    protected virtual bool Watches(ResourceInfo resource) => true;

    /// <summary>Called on the renderer's thread before a re-render caused by a change.</summary>
    protected virtual void OnClusterChanged()
    {
    }

    protected override void OnInitialized() => Cluster.Changed += OnChanged;

    public void Dispose()
    {
        _disposed = true;
        Cluster.Changed -= OnChanged;
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    private void OnChanged(ResourceInfo resource)
    {
        if (_disposed || !Watches(resource) || Interlocked.Exchange(ref _pending, 1) == 1)
        {
            return;
        }
        _ = RenderSoonAsync();
    }

    private async Task RenderSoonAsync()
    {
        try
        {
            if (DashboardOptions.RenderCoalescing > TimeSpan.Zero)
            {
                await Task.Delay(DashboardOptions.RenderCoalescing, Time).ConfigureAwait(false);
            }
            Volatile.Write(ref _pending, 0);
            if (!_disposed)
            {
                await InvokeAsync(() =>
                {
                    OnClusterChanged();
                    StateHasChanged();
                }).ConfigureAwait(false);
            }
        }
        catch (ObjectDisposedException)
        {
            // The circuit ended between the change and the render.
        }
    }
}
