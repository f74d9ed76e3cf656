using System.Text;
using System.Text.Json;

namespace MiniKube.Cluster;

/// <summary>
/// An etcd member's health and Raft role through the maintenance Status API (<c>POST /v3/maintenance/status</c> of its
/// gRPC gateway): healthy while it knows a leader; the detail says whether it is the leader or a follower.
/// </summary>
public sealed class EtcdMemberCheck(string clientUrl) : IComponentCheck
{
    public async Task<CheckResult> CheckAsync(CheckTarget target, CancellationToken cancellationToken)
    {
        var url = clientUrl + "/v3/maintenance/status";
        try
        {
            using var content = new StringContent("{}", Encoding.UTF8, "application/json");
            using var response = await target.Context.Http.PostAsync(url, content, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return CheckResult.Wait($"{url} answered {(int)response.StatusCode}");
            }
            using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
            var root = document.RootElement;
            var self = root.TryGetProperty("header", out var header) && header.TryGetProperty("member_id", out var id) ? id.ToString() : "";
            var leader = root.TryGetProperty("leader", out var l) ? l.ToString() : "";
            if (leader is "" or "0")
            {
                return CheckResult.Wait($"{clientUrl}: no Raft leader");
            }
            return CheckResult.Pass($"{clientUrl} {(leader == self ? "leader" : "follower")}");
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException && !cancellationToken.IsCancellationRequested)
        {
            return CheckResult.Wait($"{url}: {(ex is TaskCanceledException ? "no answer within 2 s" : ex.Message.Split(" (", 2)[0])}");
        }
    }
}
