using Spectre.Console;

namespace MiniKube.Cli.Cluster;

/// <summary>A live view for terminals: one row per step with a spinner while it runs, ✓ or ✗ when it ends.</summary>
public sealed class SpectreProgress : IClusterProgress
{
    private readonly ProgressContext _context;
    private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly int _width;

    private SpectreProgress(ProgressContext context, int width)
    {
        _context = context;
        _width = width;
    }

    /// <summary>Runs <paramref name="work"/> with a live view on <paramref name="console"/>; the view stays on screen when it ends.</summary>
    public static Task<T> RunAsync<T>(IAnsiConsole console, int stepWidth, Func<IClusterProgress, Task<T>> work) =>
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new SpinnerColumn { CompletedText = " ", PendingText = " " }, new TaskDescriptionColumn { Alignment = Justify.Left })
            .StartAsync(context => work(new SpectreProgress(context, stepWidth)));

    public void Start(string step, string text) => Set(step, $"[bold]{Pad(step)}[/] {Markup.Escape(text)}", finished: false);

    public void Update(string step, string text) => Set(step, $"[bold]{Pad(step)}[/] [grey]{Markup.Escape(text)}[/]", finished: false);

    public void Succeed(string step, string text) => Set(step, $"[green]✓[/] [bold]{Pad(step)}[/] {Markup.Escape(text)}", finished: true);

    public void Fail(string step, string text) => Set(step, $"[red]✗[/] [bold]{Pad(step)}[/] [red]{Markup.Escape(text)}[/]", finished: true);

    private string Pad(string step) => Markup.Escape(step.PadRight(_width));

    private void Set(string step, string description, bool finished)
    {
        lock (_lock)
        {
            if (!_tasks.TryGetValue(step, out var task))
            {
                task = _context.AddTask(description, autoStart: true, maxValue: 1);
                task.IsIndeterminate = true;
                _tasks[step] = task;
            }
            // Running rows are indented by the spinner's width, finished ones carry their mark in its place.
            task.Description = finished ? description : "  " + description;
            if (finished)
            {
                task.IsIndeterminate = false;
                task.Value = task.MaxValue;
                task.StopTask();
            }
            _context.Refresh();
        }
    }
}
