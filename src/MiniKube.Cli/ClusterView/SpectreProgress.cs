using MiniKube.Cluster;
using Spectre.Console;

namespace MiniKube.Cli.ClusterView;

/// <summary>A live view for terminals: one row per step with a spinner while it runs, ✓ or ✗ when it ends.</summary>
public sealed class SpectreProgress : IClusterProgress, IDisposable
{
    private static readonly IReadOnlyList<string> Frames = Spinner.Known.Dots.Frames;
    private static readonly TimeSpan FrameInterval = Spinner.Known.Dots.Interval;

    private readonly ProgressContext _context;
    private readonly Dictionary<string, Row> _rows = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly int _width;
    private readonly Timer _animation;
    private int _frame;

    private SpectreProgress(ProgressContext context, int width)
    {
        _context = context;
        _width = width;
        _animation = new Timer(_ => Animate(), null, FrameInterval, FrameInterval);
    }

    /// <summary>Runs <paramref name="work"/> with a live view on <paramref name="console"/>; the view stays on screen when it ends.</summary>
    public static Task<T> RunAsync<T>(IAnsiConsole console, int stepWidth, Func<IClusterProgress, Task<T>> work) =>
        console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left })
            .StartAsync(async context =>
            {
                using var progress = new SpectreProgress(context, stepWidth);
                return await work(progress).ConfigureAwait(false);
            });

    public void Start(string step, string text) => Set(step, Markup.Escape(text), State.Running);

    public void Update(string step, string text) => Set(step, $"[grey]{Markup.Escape(text)}[/]", State.Running);

    public void Succeed(string step, string text) => Set(step, Markup.Escape(text), State.Succeeded);

    public void Fail(string step, string text) => Set(step, $"[red]{Markup.Escape(text)}[/]", State.Failed);

    public void Dispose() => _animation.Dispose();

    private void Set(string step, string text, State state)
    {
        lock (_lock)
        {
            if (!_rows.TryGetValue(step, out var row))
            {
                row = new Row(_context.AddTask(step, autoStart: true, maxValue: 1));
                _rows[step] = row;
            }
            row.Text = text;
            row.State = state;
            Render(step, row);
            if (state != State.Running)
            {
                row.Task.Value = row.Task.MaxValue;
                row.Task.StopTask();
            }
            _context.Refresh();
        }
    }

    private void Animate()
    {
        lock (_lock)
        {
            _frame = (_frame + 1) % Frames.Count;
            foreach (var (step, row) in _rows)
            {
                if (row.State == State.Running)
                {
                    Render(step, row);
                }
            }
        }
    }

    private void Render(string step, Row row)
    {
        var mark = row.State switch
        {
            State.Succeeded => "[green]✓[/]",
            State.Failed => "[red]✗[/]",
            _ => "[blue]" + Markup.Escape(Frames[_frame]) + "[/]",
        };
        row.Task.Description = $"{mark} [bold]{Markup.Escape(step.PadRight(_width))}[/]  {row.Text}";
    }

    private enum State
    {
        Running,
        Succeeded,
        Failed,
    }

    private sealed class Row(ProgressTask task)
    {
        public ProgressTask Task { get; } = task;

        public string Text { get; set; } = "";

        public State State { get; set; }
    }
}
