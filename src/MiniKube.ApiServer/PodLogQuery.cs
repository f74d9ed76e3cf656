using System.Globalization;
using MiniKube.Api;

namespace MiniKube.ApiServer;

/// <summary>Kubernetes' PodLogOptions as both wires take them, checked once before the kubelet is asked.</summary>
public sealed record PodLogQuery(
    string? Container = null, bool Follow = false, bool Timestamps = false, bool Previous = false,
    long? TailLines = null, long? SinceSeconds = null, DateTimeOffset? SinceTime = null)
{
    /// <summary>Throws Kubernetes' Invalid error for options PodLogOptions validation refuses.</summary>
    public PodLogQuery Validated()
    {
        var errors = new List<FieldError>();
        if (TailLines is < 0)
        {
            errors.Add(FieldError.Invalid("tailLines", TailLines, "must be greater than or equal to 0"));
        }
        if (SinceSeconds is < 1)
        {
            errors.Add(FieldError.Invalid("sinceSeconds", SinceSeconds, "must be greater than 0"));
        }
        if (SinceSeconds is not null && SinceTime is not null)
        {
            errors.Add(FieldError.Forbidden("", "at most one of `sinceTime` or `sinceSeconds` may be specified"));
        }
        if (errors.Count > 0)
        {
            throw ApiException.Invalid("PodLogOptions", "", errors);
        }
        return this;
    }

    /// <summary>sinceTime as RFC 3339, as Kubernetes' query parameter carries it; a value that is not one is a 400.</summary>
    public static DateTimeOffset? ParseSinceTime(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        return MiniKube.Api.Timestamps.TryParse(value, out var time)
            ? time
            : throw ApiException.BadRequest($"sinceTime \"{value}\" is not an RFC 3339 time");
    }

    /// <summary>The kubelet's /containerLogs query string for these options.</summary>
    public string KubeletQuery()
    {
        var query = string.Create(CultureInfo.InvariantCulture,
            $"?follow={(Follow ? "true" : "false")}&timestamps={(Timestamps ? "true" : "false")}&previous={(Previous ? "true" : "false")}");
        if (TailLines is { } tail)
        {
            query += string.Create(CultureInfo.InvariantCulture, $"&tailLines={tail}");
        }
        if (SinceSeconds is { } seconds)
        {
            query += string.Create(CultureInfo.InvariantCulture, $"&sinceSeconds={seconds}");
        }
        if (SinceTime is { } since)
        {
            query += "&sinceTime=" + Uri.EscapeDataString(MiniKube.Api.Timestamps.FormatMilliseconds(since));
        }
        return query;
    }
}
