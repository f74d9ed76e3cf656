using MiniKube.Cli;

var app = new MinictlApp(Console.Out, Console.Error, Environment.GetEnvironmentVariable, Console.In, outputIsTerminal: !Console.IsOutputRedirected)
{
    HandleProcessTermination = true,
};
return await app.RunAsync(args).ConfigureAwait(false);
