namespace MiniKube.Controllers;

/// <summary>
/// Kubernetes' slowStartBatch: runs <c>count</c> calls in batches of 1, 2, 4, … (each batch concurrently) and stops
/// at the first batch with a failure, so a doomed create (quota, bad template) fails once, not a thousand times.
/// </summary>
public static class SlowStart
{
    /// <summary>Returns how many calls succeeded and the first error, if any.</summary>
    public static async Task<(int Successes, Exception? Error)> RunAsync(int count, int initialBatchSize, Func<Task> call)
    {
        var remaining = count;
        var successes = 0;
        for (var batch = Math.Min(remaining, initialBatchSize); batch > 0; batch = Math.Min(2 * batch, remaining))
        {
            var tasks = new Task[batch];
            for (var i = 0; i < batch; i++)
            {
                tasks[i] = Task.Run(call);
            }
            try
            {
                await Task.WhenAll(tasks).ConfigureAwait(false);
            }
            catch
            {
                // Inspected below, task by task.
            }
            var failed = tasks.FirstOrDefault(t => t.IsFaulted || t.IsCanceled);
            successes += tasks.Count(t => t.IsCompletedSuccessfully);
            if (failed is not null)
            {
                return (successes, failed.Exception?.InnerException ?? new OperationCanceledException());
            }
            remaining -= batch;
        }
        return (successes, null);
    }
}
