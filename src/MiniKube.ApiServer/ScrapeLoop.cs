using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>
/// The loop both metrics scrapers run: one scrape at once, then one per period, until stopped. A scrape whose list of
/// targets failed is reported and the next period tries again; one target that does not answer is the scrape's business.
/// </summary>
internal static class ScrapeLoop
{
    public static async Task RunAsync(TimeSpan period, TimeProvider time, Func<CancellationToken, Task> scrapeOnce, Action<string> listFailed,
        CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(period, time);
        do
        {
            try
            {
                await scrapeOnce(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is ApiException or Storage.StorageException)
            {
                listFailed(ex.Message);
            }
        }
        while (await NextTickAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken ct)
    {
        try
        {
            return await timer.WaitForNextTickAsync(ct).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
