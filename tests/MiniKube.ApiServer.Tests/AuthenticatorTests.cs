using MiniKube.Security;

namespace MiniKube.ApiServer.Tests;

/// <summary>The token file's format and errors, and the union's rules (first success wins, system:authenticated added).</summary>
public sealed class AuthenticatorTests
{
    [Fact]
    public async Task A_token_line_gives_its_user_uid_and_groups()
    {
        var tokens = TokenFileAuthenticator.Parse("tokens.csv", ["t1,alice,1001,\"dev,ops\"", "", "t2,bob,1002"]);

        var alice = await tokens.AuthenticateAsync(new AuthenticationRequest("Bearer t1"), default);
        var bob = await tokens.AuthenticateAsync(new AuthenticationRequest("bearer t2"), default);

        Assert.Equal(new UserInfo("alice", ["dev", "ops"], "1001").Name, alice.User!.Name);
        Assert.Equal(["dev", "ops"], alice.User.Groups);
        Assert.Equal("1001", alice.User.Uid);
        Assert.Equal("bob", bob.User!.Name);
        Assert.Empty(bob.User.Groups);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer ")]
    public async Task A_request_without_a_bearer_token_is_not_the_token_files_business(string? header)
    {
        var tokens = TokenFileAuthenticator.Parse("tokens.csv", ["t1,alice,1001"]);

        var result = await tokens.AuthenticateAsync(new AuthenticationRequest(header), default);

        Assert.Equal(AuthenticationResult.NoCredentials, result);
    }

    [Fact]
    public async Task An_unknown_token_is_an_error()
    {
        var tokens = TokenFileAuthenticator.Parse("tokens.csv", ["t1,alice,1001"]);

        var result = await tokens.AuthenticateAsync(new AuthenticationRequest("Bearer nope"), default);

        Assert.Null(result.User);
        Assert.Equal("invalid bearer token", result.Error);
    }

    [Theory]
    [InlineData("t1,alice", "--token-auth-file: tokens.csv line 2: must have at least 3 columns (token, user name, user uid), found 2")]
    [InlineData(",alice,1", "--token-auth-file: tokens.csv line 2: the token (column 1) is empty")]
    [InlineData("t2,,1", "--token-auth-file: tokens.csv line 2: the user name (column 2) is empty")]
    [InlineData("t0,bob,2", "--token-auth-file: tokens.csv line 2: duplicate token (user \"bob\"): every token must name one user")]
    [InlineData("t2,bob,2,\"dev", "--token-auth-file: tokens.csv line 2: column 4: extraneous or missing \" in quoted-field")]
    [InlineData("t2,b\"ob,2", "--token-auth-file: tokens.csv line 2: column 2: bare \" in non-quoted-field")]
    public void A_bad_line_fails_with_the_file_and_line(string line, string message)
    {
        var ex = Assert.Throws<AuthenticationConfigException>(() => TokenFileAuthenticator.Parse("tokens.csv", ["t0,alice,1", line]));

        Assert.Equal(message, ex.Message);
    }

    [Fact]
    public async Task The_union_takes_the_first_success_and_adds_system_authenticated()
    {
        var union = new UnionAuthenticator([
            Fixed(AuthenticationResult.Failure("first refused")),
            Fixed(AuthenticationResult.Success(new UserInfo("alice", ["dev"]))),
            Fixed(AuthenticationResult.Success(new UserInfo("bob", []))),
        ]);

        var result = await union.AuthenticateAsync(AuthenticationRequest.None, default);

        Assert.Equal("alice", result.User!.Name);
        Assert.Equal(["dev", UserInfo.AllAuthenticated], result.User.Groups);
    }

    [Fact]
    public async Task The_union_reports_every_error_when_nobody_accepts()
    {
        var union = new UnionAuthenticator([
            Fixed(AuthenticationResult.Failure("invalid bearer token")),
            Fixed(AuthenticationResult.NoCredentials),
            Fixed(AuthenticationResult.Failure("x509: unknown authority")),
        ]);

        var result = await union.AuthenticateAsync(AuthenticationRequest.None, default);

        Assert.Null(result.User);
        Assert.Equal("invalid bearer token; x509: unknown authority", result.Error);
        Assert.Equal(AuthenticationResult.NoCredentials,
            await new UnionAuthenticator([Fixed(AuthenticationResult.NoCredentials)]).AuthenticateAsync(AuthenticationRequest.None, default));
    }

    private static IAuthenticator Fixed(AuthenticationResult result) => new FixedAuthenticator(result);

    private sealed class FixedAuthenticator(AuthenticationResult result) : IAuthenticator
    {
        public ValueTask<AuthenticationResult> AuthenticateAsync(AuthenticationRequest request, CancellationToken cancellationToken) =>
            ValueTask.FromResult(result);
    }
}
