using System.Text;

namespace MiniKube.Security;

/// <summary>
/// Static bearer tokens from a CSV file (<c>--token-auth-file</c>), in Kubernetes' format: one line per token,
/// <c>token,user,uid[,"group1,group2"]</c>. The file is read once, at start.
/// </summary>
public sealed class TokenFileAuthenticator : IAuthenticator
{
    private readonly Dictionary<string, UserInfo> _users;

    private TokenFileAuthenticator(Dictionary<string, UserInfo> users) => _users = users;

    public int Count => _users.Count;

    /// <summary>Reads <paramref name="path"/>; a line that is not a token record fails with the file and line number.</summary>
    public static TokenFileAuthenticator Load(string path)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new AuthenticationConfigException($"--token-auth-file: cannot read \"{path}\": {ex.Message}");
        }
        return Parse(path, lines);
    }

    public static TokenFileAuthenticator Parse(string path, IReadOnlyList<string> lines)
    {
        var users = new Dictionary<string, UserInfo>(StringComparer.Ordinal);
        for (var i = 0; i < lines.Count; i++)
        {
            // Blank lines are skipped, as Go's CSV reader does.
            if (lines[i].Trim().Length == 0)
            {
                continue;
            }
            var where = $"--token-auth-file: {path} line {i + 1}";
            if (!TrySplit(lines[i], out var record, out var syntax))
            {
                throw new AuthenticationConfigException($"{where}: {syntax}");
            }
            if (record.Count < 3)
            {
                throw new AuthenticationConfigException(
                    $"{where}: must have at least 3 columns (token, user name, user uid), found {record.Count}");
            }
            // Kubernetes only warns about empty and duplicate tokens; here they stop the start, since either one is a
            // credential that does not do what its author meant.
            if (record[0].Length == 0)
            {
                throw new AuthenticationConfigException($"{where}: the token (column 1) is empty");
            }
            if (record[1].Length == 0)
            {
                throw new AuthenticationConfigException($"{where}: the user name (column 2) is empty");
            }
            IReadOnlyList<string> groups = record.Count >= 4 && record[3].Length > 0 ? record[3].Split(',') : [];
            if (!users.TryAdd(record[0], new UserInfo(record[1], groups, record[2])))
            {
                throw new AuthenticationConfigException($"{where}: duplicate token (user \"{record[1]}\"): every token must name one user");
            }
        }
        return new TokenFileAuthenticator(users);
    }

    public ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken)
    {
        if (BearerToken.From(request.Authorization) is not { } token)
        {
            return ValueTask.FromResult(AuthenticationResult.NoCredentials);
        }
        return ValueTask.FromResult(_users.TryGetValue(token, out var user)
            ? AuthenticationResult.Success(user)
            : AuthenticationResult.Failure("invalid bearer token"));
    }

    /// <summary>One CSV record as RFC 4180 (and Go's encoding/csv) reads it: quoted fields may hold commas, <c>""</c> is a quote.</summary>
    private static bool TrySplit(string line, out List<string> fields, out string error)
    {
        fields = [];
        error = "";
        var field = new StringBuilder();
        var i = 0;
        while (true)
        {
            field.Clear();
            if (i < line.Length && line[i] == '"')
            {
                i++;
                while (true)
                {
                    if (i >= line.Length)
                    {
                        error = $"column {fields.Count + 1}: extraneous or missing \" in quoted-field";
                        return false;
                    }
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            field.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    field.Append(line[i++]);
                }
                if (i < line.Length && line[i] != ',')
                {
                    error = $"column {fields.Count + 1}: extraneous or missing \" in quoted-field";
                    return false;
                }
            }
            else
            {
                while (i < line.Length && line[i] != ',')
                {
                    if (line[i] == '"')
                    {
                        error = $"column {fields.Count + 1}: bare \" in non-quoted-field";
                        return false;
                    }
                    field.Append(line[i++]);
                }
            }
            fields.Add(field.ToString());
            if (i >= line.Length)
            {
                return true;
            }
            i++; // the comma
        }
    }
}
