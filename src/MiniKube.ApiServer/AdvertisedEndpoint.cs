namespace MiniKube.ApiServer;

/// <summary>This server's <see cref="ApiServerEndpoint"/>, known once the listeners are bound (ports may be picked at start).</summary>
internal sealed class AdvertisedEndpoint
{
    private readonly TaskCompletionSource<ApiServerEndpoint> _endpoint = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task<ApiServerEndpoint> Endpoint => _endpoint.Task;

    public void Set(ApiServerEndpoint endpoint) => _endpoint.TrySetResult(endpoint);
}
